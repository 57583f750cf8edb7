package io.nectarfs.vfs;

import static io.nectarfs.common.OpenFlags.O_RDONLY;
import static io.nectarfs.common.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.chunk.ChunkConfig;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.object.StoreOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reader whose cached slice list went stale (another client truncated the file, which freed its
 * slices, and wrote new data) reads the new data instead of failing with EIO: data missing for a
 * slice makes the reader fetch the list again and retry once when it changed. Inline slices make
 * the race immediate (their data goes in the transaction that frees them).
 */
class StaleSliceListTest {
  private final Ctx ctx = Ctx.ROOT;
  @TempDir Path tmp;

  private static ByteBuffer text(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
  }

  private static void write(Vfs v, long ino, long off, String s) throws Exception {
    long fh = v.open(Ctx.ROOT, ino, O_WRONLY);
    v.write(Ctx.ROOT, ino, fh, off, text(s));
    v.release(Ctx.ROOT, ino, fh);
  }

  @Test
  void aFreedInlineSliceInAStaleListIsReadAgainFromTheCurrentList() throws Exception {
    VfsHarness h = new VfsHarness(tmp, "sqlite3://" + tmp.resolve("meta.db"), "file://" + tmp.resolve("objects"), StoreOptions.raw(),
        new Secrets(Map.of()), 64 << 10, 16 << 10);
    VfsHarness.Client writer = h.client();
    // the reader trusts what it cached for an hour: its slice list stays stale for the whole test
    VfsHarness.Client reader = h.client(ChunkConfig.inMemory(h.blockSize), VfsConfig.defaults().withAttrCache(Duration.ofHours(1)));
    try {
      Vfs w = writer.vfs();
      var o = w.create(ctx, Meta.ROOT, "f", 0644, 0, O_WRONLY);
      long ino = o.entry().ino();
      w.write(ctx, ino, o.fh(), 0, text("AAAA"));
      w.release(ctx, ino, o.fh());
      write(w, ino, 4, "BBBB"); // a second inline slice

      Vfs r = reader.vfs();
      long fh = r.open(ctx, ino, O_RDONLY);
      ByteBuffer first = ByteBuffer.allocate(4);
      r.read(ctx, ino, fh, 0, first); // caches the list [AAAA, BBBB] and the first slice's bytes only
      assertThat(new String(first.array(), StandardCharsets.US_ASCII)).isEqualTo("AAAA");

      w.setattr(ctx, ino, 0, SetAttr.truncate(0)); // drops the chunk: both slices freed, their data with them
      write(w, ino, 0, "CCCCDDDD");

      ByteBuffer second = ByteBuffer.allocate(4);
      assertThat(r.read(ctx, ino, fh, 4, second)).isEqualTo(4);
      assertThat(new String(second.array(), StandardCharsets.US_ASCII)).isEqualTo("DDDD");
      r.release(ctx, ino, fh);
    } finally {
      reader.close();
      writer.close();
    }
  }
}
