package io.nectarfs.vfs;

import static io.nectarfs.common.OpenFlags.O_RDWR;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Meta;
import io.nectarfs.object.StoreOptions;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * The child process of {@link CrashTest}: appends a deterministic pattern to /crash in 100 KiB
 * writes, fsyncs every 5 writes and prints the length each fsync covered, until killed.
 */
public final class CrashWriter {
  private CrashWriter() {}

  static byte pattern(long off) {
    return (byte) (off * 31 + (off >>> 9));
  }

  public static void main(String[] args) throws Exception {
    VfsHarness h = new VfsHarness(Path.of(args[2]), args[0], args[1], StoreOptions.raw(), new Secrets(Map.of()), 64 << 10);
    var c = h.client(h.diskCache(Path.of(args[2], "cache"), false), VfsConfig.defaults());
    Vfs v = c.vfs();
    var o = v.create(Ctx.ROOT, Meta.ROOT, "crash", 0644, 0, O_RDWR);
    long off = 0;
    byte[] buf = new byte[100 * 1024];
    for (int i = 0; ; i++) {
      for (int j = 0; j < buf.length; j++) {
        buf[j] = pattern(off + j);
      }
      v.write(Ctx.ROOT, o.entry().ino(), o.fh(), off, ByteBuffer.wrap(buf));
      off += buf.length;
      if (i % 5 == 4) {
        v.fsync(Ctx.ROOT, o.entry().ino(), o.fh(), false);
        System.out.println("synced " + off);
        System.out.flush();
      }
    }
  }
}
