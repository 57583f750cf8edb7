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
 * The child process of {@link CrashTest#sigkillWhileWritingSmallInlineFiles}: creates /small-N
 * files of 1 to 8 KiB (inline in the metadata), every fourth fsynced before its close, and prints
 * N after each close returned, until killed.
 */
public final class InlineCrashWriter {
  private InlineCrashWriter() {}

  static int length(int n) {
    return 1024 + (n * 977) % (7 * 1024);
  }

  static byte pattern(int n, int off) {
    return (byte) (n * 7 + off * 13 + (off >>> 8));
  }

  public static void main(String[] args) throws Exception {
    VfsHarness h = new VfsHarness(Path.of(args[2]), args[0], args[1], StoreOptions.raw(), new Secrets(Map.of()), 64 << 10, 16 << 10);
    var c = h.client();
    Vfs v = c.vfs();
    for (int n = 0; ; n++) {
      var o = v.create(Ctx.ROOT, Meta.ROOT, "small-" + n, 0644, 0, O_RDWR);
      byte[] buf = new byte[length(n)];
      for (int j = 0; j < buf.length; j++) {
        buf[j] = pattern(n, j);
      }
      v.write(Ctx.ROOT, o.entry().ino(), o.fh(), 0, ByteBuffer.wrap(buf));
      if (n % 4 == 3) {
        v.fsync(Ctx.ROOT, o.entry().ino(), o.fh(), false);
      }
      v.flush(Ctx.ROOT, o.entry().ino(), o.fh(), 0);
      v.release(Ctx.ROOT, o.entry().ino(), o.fh());
      System.out.println("closed " + n);
      System.out.flush();
    }
  }
}
