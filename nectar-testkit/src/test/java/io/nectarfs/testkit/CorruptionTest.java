package io.nectarfs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Secrets;
import io.nectarfs.object.CorruptObjectException;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Damage done through the raw backend is detected, names the key, and never yields wrong data. */
class CorruptionTest {
  private final String url = "mem://corrupt-" + UUID.randomUUID();
  private final Random random = new Random(7);

  private ObjectStore open(StoreOptions o) throws IOException {
    return ObjectStores.registry().open(url, o, new Secrets(Map.of()));
  }

  private byte[] data(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  /** Reads [off, off+len) and requires either the right bytes or a CorruptObjectException naming the key. */
  private static void neverWrong(ObjectStore s, String key, byte[] want, long off, long len) throws IOException {
    try {
      byte[] got = s.getBytes(key, off, len);
      int end = len < 0 ? want.length : (int) Math.min(want.length, off + len);
      assertThat(got).as("range %d+%d", off, len).isEqualTo(Arrays.copyOfRange(want, (int) Math.min(off, want.length), end));
    } catch (CorruptObjectException e) {
      assertThat(e.key()).isEqualTo(key);
      assertThat(e.getMessage()).contains(key);
    }
  }

  @Test
  void checksum_detectsFlippedBytes() throws IOException {
    byte[] d = data(200_000);
    try (ObjectStore s = open(StoreOptions.raw().withChecksum(true)); ObjectStore raw = open(StoreOptions.raw())) {
      s.put("blk", d);
      byte[] good = raw.getBytes("blk");
      for (int pos : new int[] {0, 65_535, 65_536 + 3, 65_536 + 11, 150_000, good.length - 1}) {
        byte[] bad = good.clone();
        bad[pos] ^= 1;
        raw.put("blk", bad);
        assertThatThrownBy(() -> s.getBytes("blk")).as("flip at %d", pos).isInstanceOf(CorruptObjectException.class).hasMessageContaining("blk");
        long in = Math.min(d.length - 1, pos / (65_536 + 12) * 65_536L); // a small read of the damaged segment (a pooled buffer's path)
        assertThatThrownBy(() -> s.getBytes("blk", in, 1)).as("1 byte of the segment flipped at %d", pos)
            .isInstanceOf(CorruptObjectException.class).hasMessageContaining("blk");
      }
      // a ranged get that does not cover the damaged segment still works and reads only its segments
      byte[] bad = good.clone();
      bad[150_000] ^= 1;
      raw.put("blk", bad);
      assertThat(s.getBytes("blk", 10, 1000)).isEqualTo(Arrays.copyOfRange(d, 10, 1010));
      assertThatThrownBy(() -> s.getBytes("blk", 140_000, 100)).isInstanceOf(CorruptObjectException.class);
    }
  }

  @Test
  void checksum_detectsTruncation() throws IOException {
    byte[] d = data(3 * 65_536 + 100);
    try (ObjectStore s = open(StoreOptions.raw().withChecksum(true)); ObjectStore raw = open(StoreOptions.raw())) {
      s.put("t", d);
      byte[] good = raw.getBytes("t");
      int stride = 65_536 + 12;
      for (int cut : new int[] {0, 1, 11, 12, 1000, stride, stride + 5, 2 * stride, 3 * stride, 3 * stride + 50, good.length - 1}) {
        raw.put("t", Arrays.copyOf(good, cut));
        assertThatThrownBy(() -> s.getBytes("t")).as("cut at %d", cut).isInstanceOf(CorruptObjectException.class).hasMessageContaining("t");
        for (long off : new long[] {0, 65_536, 3 * 65_536, 3 * 65_536 + 99, 3 * 65_536 + 100, 400_000}) {
          neverWrong(s, "t", d, off, 10);
          neverWrong(s, "t", d, off, -1);
        }
      }
      raw.put("t", good);
      assertThat(s.getBytes("t")).isEqualTo(d);
      assertThat(s.getBytes("t", 400_000, 10)).isEmpty();
    }
  }

  @Test
  void checksum_largeRangeOfAKnownLength_isVerifiedWindowByWindow() throws IOException {
    byte[] d = data(20 * 65_536 + 777); // 21 segments of 64 KiB: six windows of 4 segments
    try (ObjectStore s = open(StoreOptions.raw().withChecksum(true)); ObjectStore raw = open(StoreOptions.raw())) {
      s.put("L", d);
      byte[] good = raw.getBytes("L");
      int stride = 65_536 + 12;
      for (int pos : new int[] {5, stride + 100, 5 * stride + 3, 11 * stride - 1, good.length - 1}) {
        byte[] bad = good.clone();
        bad[pos] ^= 1;
        raw.put("L", bad);
        assertThatThrownBy(() -> s.getBytes("L", 0, d.length)).as("flip at %d", pos).isInstanceOf(CorruptObjectException.class).hasMessageContaining("L");
        neverWrong(s, "L", d, 300_000, 700_000);
      }
      for (int cut : new int[] {0, 12, stride, 4 * stride, 4 * stride + 7, 8 * stride, good.length - 1}) {
        raw.put("L", Arrays.copyOf(good, cut));
        assertThatThrownBy(() -> s.getBytes("L", 0, d.length)).as("cut at %d", cut).isInstanceOf(CorruptObjectException.class).hasMessageContaining("L");
        neverWrong(s, "L", d, 65_536, 900_000);
        neverWrong(s, "L", d, 1_000_000, 500_000);
      }
      raw.put("L", good);
      assertThat(s.getBytes("L", 0, d.length)).isEqualTo(d);
    }
  }

  @Test
  void compression_detectsGarbageAndDamage() throws IOException {
    byte[] text = "the quick brown fox jumps over the lazy dog. ".repeat(3000).getBytes();
    for (StoreOptions.Compression c : new StoreOptions.Compression[] {StoreOptions.Compression.LZ4, StoreOptions.Compression.ZSTD}) {
      try (ObjectStore s = open(StoreOptions.raw().withCompression(c)); ObjectStore raw = open(StoreOptions.raw())) {
        s.put("z", text);
        byte[] good = raw.getBytes("z");
        assertThat(good.length).as("compressible data shrinks").isLessThan(text.length / 5);
        for (int pos : new int[] {0, 3, 5, 12, 18, 40, good.length / 2, good.length - 1}) {
          byte[] bad = good.clone();
          bad[pos] ^= 0x41;
          raw.put("z", bad);
          assertThatThrownBy(() -> s.getBytes("z")).as("%s flip at %d", c, pos).isInstanceOf(CorruptObjectException.class).hasMessageContaining("z");
        }
        raw.put("z", Arrays.copyOf(good, good.length - 3));
        assertThatThrownBy(() -> s.getBytes("z")).isInstanceOf(CorruptObjectException.class);
        raw.put("z", data(5000));
        assertThatThrownBy(() -> s.getBytes("z")).as("garbage").isInstanceOf(CorruptObjectException.class);
        // incompressible data is stored raw behind the header, and still verified
        byte[] noise = data(50_000);
        s.put("n", noise);
        assertThat(raw.head("n").size()).isEqualTo(noise.length + 18);
        assertThat(s.head("n").size()).isEqualTo(noise.length);
        byte[] stored = raw.getBytes("n");
        stored[30_000] ^= 1;
        raw.put("n", stored);
        assertThatThrownBy(() -> s.getBytes("n")).isInstanceOf(CorruptObjectException.class);
      }
    }
  }
}
