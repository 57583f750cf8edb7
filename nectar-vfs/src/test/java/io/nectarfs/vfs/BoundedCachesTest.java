package io.nectarfs.vfs;

import static io.nectarfs.common.OpenFlags.O_RDONLY;
import static io.nectarfs.common.OpenFlags.O_RDWR;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.meta.Meta;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client that reads many files once each holds at most {@code cachedInodes} of them in its caches. */
class BoundedCachesTest {
  @TempDir Path tmp;

  @Test
  void readingManyFilesOnce_keepsTheClientCachesWithinTheirBound() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    int bound = 50;
    int files = 600;
    try (var c = h.client(io.nectarfs.chunk.ChunkConfig.inMemory(h.blockSize), VfsConfig.defaults().withCachedInodes(bound))) {
      Vfs vfs = c.vfs();
      for (int i = 0; i < files; i++) {
        var o = vfs.create(Ctx.ROOT, Meta.ROOT, "f" + i, 0644, 0, O_RDWR);
        vfs.write(Ctx.ROOT, o.entry().ino(), o.fh(), 0, ByteBuffer.wrap(("file " + i).getBytes(StandardCharsets.UTF_8)));
        vfs.release(Ctx.ROOT, o.entry().ino(), o.fh());
      }
      for (int i = 0; i < files; i++) {
        long ino = vfs.lookup(Ctx.ROOT, Meta.ROOT, "f" + i).ino();
        long fh = vfs.open(Ctx.ROOT, ino, O_RDONLY);
        ByteBuffer dst = ByteBuffer.allocate(64);
        vfs.read(Ctx.ROOT, ino, fh, 0, dst);
        vfs.release(Ctx.ROOT, ino, fh);
        assertThat(new String(dst.array(), 0, dst.position(), StandardCharsets.UTF_8)).isEqualTo("file " + i);
      }
      assertThat(((VfsImpl) vfs).cache().size()).isLessThanOrEqualTo(bound);
    }
  }
}
