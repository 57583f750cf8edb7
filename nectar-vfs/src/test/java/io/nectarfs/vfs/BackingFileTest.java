package io.nectarfs.vfs;

import static io.nectarfs.common.OpenFlags.O_RDONLY;
import static io.nectarfs.common.OpenFlags.O_RDWR;
import static io.nectarfs.common.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.meta.Meta;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Vfs#backingFile}: a copy only of fully cached, read-only, unwritten files; a new copy per version. */
class BackingFileTest {
  @TempDir Path tmp;
  private final Ctx ctx = Ctx.ROOT;

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static void readAll(Vfs v, long ino, long fh, int n) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining() && v.read(Ctx.ROOT, ino, fh, b.position(), b) > 0) {
      // fills the cache as it goes
    }
  }

  @Test
  void aCopy_onlyWhenEveryByteIsCached_andNobodyHereWrites_andNewContentGivesANewCopy() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (var c = h.client(h.diskCache(tmp.resolve("cache"), false), VfsConfig.defaults())) {
      Vfs v = c.vfs();
      byte[] v1 = random((1 << 20) + (300 << 10), 1); // 21 blocks of 64 KiB
      var o = v.create(ctx, Meta.ROOT, "f", 0644, 0, O_RDWR);
      long ino = o.entry().ino();
      v.write(ctx, ino, o.fh(), 0, ByteBuffer.wrap(v1));
      v.flush(ctx, ino, o.fh(), 0);
      v.release(ctx, ino, o.fh());

      long fh = v.open(ctx, ino, O_RDONLY);
      assertThat(v.backingFile(ctx, ino, fh).fallback()).isEqualTo("not-cached"); // no cache-on-write here
      readAll(v, ino, fh, v1.length);
      Vfs.Backing b1 = v.backingFile(ctx, ino, fh);
      assertThat(b1.path()).isNotNull();
      assertThat(Files.readAllBytes(b1.path())).isEqualTo(v1);
      assertThat(v.backingFile(ctx, ino, fh).path()).as("the same version, the same copy").isEqualTo(b1.path());

      long w = v.open(ctx, ino, O_WRONLY);
      assertThat(v.backingFile(ctx, ino, w).fallback()).isEqualTo("not-read-only");
      byte[] v2 = random(100 << 10, 2);
      v.write(ctx, ino, w, 0, ByteBuffer.wrap(v2));
      assertThat(v.backingFile(ctx, ino, fh).fallback()).as("unwritten data of this client").isEqualTo("writer");
      v.flush(ctx, ino, w, 0);
      v.release(ctx, ino, w);
      v.release(ctx, ino, fh);

      long fh2 = v.open(ctx, ino, O_RDONLY);
      readAll(v, ino, fh2, v1.length);
      Vfs.Backing b2 = v.backingFile(ctx, ino, fh2);
      assertThat(b2.path()).isNotNull().isNotEqualTo(b1.path());
      byte[] expect = v1.clone();
      System.arraycopy(v2, 0, expect, 0, v2.length);
      assertThat(Files.readAllBytes(b2.path())).isEqualTo(expect);
      assertThat(Files.exists(b1.path())).as("the old version's copy is dropped").isFalse();
      v.release(ctx, ino, fh2);
    }
  }

  @Test
  void withoutADiskCache_thereIsNoCopy() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (var c = h.client()) {
      Vfs v = c.vfs();
      var o = v.create(ctx, Meta.ROOT, "f", 0644, 0, O_RDWR);
      v.write(ctx, o.entry().ino(), o.fh(), 0, ByteBuffer.wrap(new byte[1000]));
      v.release(ctx, o.entry().ino(), o.fh());
      long fh = v.open(ctx, o.entry().ino(), O_RDONLY);
      readAll(v, o.entry().ino(), fh, 1000);
      assertThat(v.backingFile(ctx, o.entry().ino(), fh).fallback()).isEqualTo("no-cache");
    }
  }

  @Test
  void aSmallFile_getsNoCopy() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (var c = h.client(h.diskCache(tmp.resolve("cache"), false), VfsConfig.defaults())) {
      Vfs v = c.vfs();
      var o = v.create(ctx, Meta.ROOT, "f", 0644, 0, O_RDWR);
      long ino = o.entry().ino();
      v.write(ctx, ino, o.fh(), 0, ByteBuffer.wrap(new byte[(1 << 20) - 1]));
      v.release(ctx, ino, o.fh());
      long fh = v.open(ctx, ino, O_RDONLY);
      readAll(v, ino, fh, (1 << 20) - 1);
      assertThat(v.backingFile(ctx, ino, fh).fallback()).isEqualTo("small");
    }
  }
}
