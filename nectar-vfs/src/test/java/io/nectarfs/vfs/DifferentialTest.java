package io.nectarfs.vfs;

import static io.nectarfs.common.OpenFlags.O_RDONLY;
import static io.nectarfs.common.OpenFlags.O_RDWR;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.object.EncryptionKeys;
import io.nectarfs.object.StoreOptions;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random writes, truncates and reads at random offsets and sizes, across block and chunk
 * boundaries, through the VFS and on a local file: every read must return identical bytes, for
 * every compression and encryption combination, with writeback on and off.
 */
class DifferentialTest {
  @TempDir Path tmp;

  record Case(String compression, boolean encrypted, boolean writeback) {
    @Override
    public String toString() {
      return compression + (encrypted ? "+aes" : "") + (writeback ? "+writeback" : "");
    }
  }

  static List<Case> cases() {
    List<Case> out = new ArrayList<>();
    for (String c : List.of("none", "lz4", "zstd")) {
      for (boolean enc : new boolean[] {false, true}) {
        for (boolean wb : new boolean[] {false, true}) {
          out.add(new Case(c, enc, wb));
        }
      }
    }
    return out;
  }

  private static final long CHUNK = 64L << 20;

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void randomOperations_matchALocalFile(Case c) throws Exception {
    Secrets secrets = new Secrets(Map.of(EncryptionKeys.PASSPHRASE, "pw"));
    StoreOptions opts = StoreOptions.raw().withCompression(StoreOptions.Compression.parse(c.compression)).withChecksum(true);
    if (c.encrypted) {
      Path key = tmp.resolve("key.pem");
      EncryptionKeys.generate(key, 2048, "pw".toCharArray());
      opts = opts.withEncryption(new StoreOptions.Encryption(key, StoreOptions.Encryption.Cipher.AES256GCM));
    }
    String name = "diff-" + UUID.randomUUID();
    VfsHarness h = new VfsHarness(tmp, "mem://" + name, "file://" + tmp.resolve("objects"), opts, secrets, 64 << 10);
    Random r = new Random(c.toString().hashCode());
    try (VfsHarness.Client cl = h.client(h.diskCache(tmp.resolve("cache"), c.writeback), VfsConfig.defaults().withCompactThreshold(8));
        RandomAccessFile local = new RandomAccessFile(tmp.resolve("local").toFile(), "rw")) {
      Vfs vfs = cl.vfs();
      Ctx ctx = Ctx.ROOT;
      var o = vfs.create(ctx, Meta.ROOT, "f", 0644, 0, O_RDWR);
      long ino = o.entry().ino();
      long fh = o.fh();
      for (int step = 0; step < 150; step++) {
        int op = r.nextInt(10);
        if (op < 5) {
          long off = randomOffset(r);
          byte[] data = new byte[r.nextInt(300_000) + 1];
          r.nextBytes(data);
          vfs.write(ctx, ino, fh, off, ByteBuffer.wrap(data));
          local.seek(off);
          local.write(data);
        } else if (op < 8) {
          long off = randomOffset(r);
          int len = r.nextInt(400_000) + 1;
          ByteBuffer got = ByteBuffer.allocate(len);
          int n = vfs.read(ctx, ino, fh, off, got);
          byte[] want = new byte[len];
          local.seek(off);
          int m = Math.max(0, local.read(want));
          assertThat(n).as("step %d: bytes read at %d", step, off).isEqualTo(Math.max(0, (int) Math.min(len, local.length() - off)));
          assertThat(java.util.Arrays.copyOf(got.array(), n)).as("step %d: data at %d", step, off).isEqualTo(java.util.Arrays.copyOf(want, Math.min(m, n)));
        } else if (op == 8) {
          long size = r.nextBoolean() ? randomOffset(r) : r.nextInt(1 << 20);
          vfs.setattr(ctx, ino, fh, SetAttr.truncate(size));
          local.setLength(size);
        } else {
          vfs.fsync(ctx, ino, fh, false);
          vfs.release(ctx, ino, fh);
          fh = vfs.open(ctx, ino, O_RDWR);
        }
        assertThat(vfs.getattr(ctx, ino).length()).as("step %d: size", step).isEqualTo(local.length());
      }
      vfs.release(ctx, ino, fh);
      assertThat(cl.meta().check()).isEmpty();
      cl.vfs().close(); // with writeback, other clients see the data once it is uploaded
      // A second client (close-to-open) sees the same bytes.
      try (VfsHarness.Client other = h.client()) {
        long fh2 = other.vfs().open(ctx, ino, O_RDONLY);
        byte[] all = new byte[(int) Math.min(local.length(), 8 << 20)];
        long base = Math.max(0, local.length() - all.length);
        ByteBuffer got = ByteBuffer.allocate(all.length);
        other.vfs().read(ctx, ino, fh2, base, got);
        local.seek(base);
        local.readFully(all);
        assertThat(got.array()).isEqualTo(all);
        other.vfs().release(ctx, ino, fh2);
      }
    }
  }

  /** Mostly small offsets, some near block and chunk boundaries. */
  private static long randomOffset(Random r) {
    return switch (r.nextInt(4)) {
      case 0 -> r.nextInt(2 << 20);
      case 1 -> Math.max(0, (long) r.nextInt(32) * (64 << 10) - r.nextInt(2000) + 1000);
      case 2 -> CHUNK - r.nextInt(500_000);
      default -> CHUNK + r.nextInt(500_000);
    };
  }
}
