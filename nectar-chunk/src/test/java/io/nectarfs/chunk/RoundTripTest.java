package io.nectarfs.chunk;

import static io.nectarfs.chunk.ChunkTesting.random;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.object.ObjectStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Random slices written in random patterns and read back at random ranges through every read path. */
class RoundTripTest {
  @TempDir Path tmp;

  private ChunkStore open(String mode, int bs, ObjectStore store) throws IOException {
    ChunkConfig c = switch (mode) {
      case "none", "file-store" -> ChunkTesting.noCache(bs);
      case "memory" -> ChunkTesting.memCache(bs);
      case "disk" -> ChunkTesting.diskCache(bs, List.of(tmp.resolve("c1"), tmp.resolve("c2")), 1L << 30);
      case "writeback" -> ChunkTesting.writeback(bs, tmp.resolve("wb"), 1L << 30, Duration.ofMillis(100));
      default -> throw new IllegalArgumentException(mode);
    };
    return ChunkStores.open(store, c);
  }

  /** Writes a slice of {@code size} bytes in a random pattern and returns what it should contain. */
  static byte[] writeRandomly(ChunkStore cs, long id, int size, Random r) throws IOException {
    int bs = cs.blockSize();
    byte[] model = new byte[size];
    SliceWriter w = cs.newWriter(id);
    int len = 0;
    while (len < size) {
      int boundary = w.uploadedBoundary();
      int off;
      int n;
      if (r.nextInt(4) == 0 && len > boundary) { // rewrite (and maybe extend) the tail not yet uploaded
        off = boundary + r.nextInt(len - boundary + 1);
        n = Math.min(size - off, 1 + r.nextInt(bs + bs / 2));
      } else {
        off = len;
        n = Math.min(size - len, 1 + r.nextInt(r.nextBoolean() ? 4096 : 3 * bs));
      }
      if (n == 0) {
        continue;
      }
      byte[] d = random(r, n);
      w.write(off, ByteBuffer.wrap(d));
      System.arraycopy(d, 0, model, off, n);
      len = Math.max(len, off + n);
    }
    w.finish(size);
    return model;
  }

  static void readRandomly(ChunkStore cs, long id, byte[] model, Random r, int reads) throws IOException {
    int size = model.length;
    int bs = cs.blockSize();
    for (int i = 0; i < reads; i++) {
      int off = size == 0 ? 0 : r.nextInt(size + 1);
      int len = r.nextInt(4) == 0 ? r.nextInt(64) : r.nextInt(2 * bs + 1);
      byte[] got = ChunkTesting.read(cs, id, size, off, len);
      int n = Math.max(0, Math.min(len, size - off));
      assertThat(got).as("slice %d [%d, +%d)", id, off, len).isEqualTo(java.util.Arrays.copyOfRange(model, off, off + n));
    }
    // and sequentially, in steps that do not align with blocks
    int step = bs / 3 + 1;
    for (int off = 0; off < size; off += step) {
      byte[] got = ChunkTesting.read(cs, id, size, off, step);
      assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(model, off, Math.min(size, off + step)));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "memory", "disk", "writeback", "file-store"})
  void randomSlices_readBackIdentically(String mode) throws Exception {
    Random r = new Random(mode.hashCode());
    for (int bs : new int[] {64 << 10, 256 << 10, 1 << 20}) {
      ObjectStore store = mode.equals("file-store") ? ChunkTesting.file(tmp.resolve("store-" + bs)) : ChunkTesting.mem();
      try (ChunkStore cs = open(mode, bs, store)) {
        List<Integer> sizes = new ArrayList<>(List.of(0, 1, bs - 1, bs, bs + 1, 3 * bs + 17, r.nextInt(4 << 20), r.nextInt(8 << 20)));
        if (bs == 1 << 20 && (mode.equals("none") || mode.equals("writeback"))) {
          sizes.add(64 << 20);
        }
        List<byte[]> models = new ArrayList<>();
        long id = 1000L * bs;
        for (int size : sizes) {
          models.add(writeRandomly(cs, id + models.size(), size, r));
        }
        for (int round = 0; round < 2; round++) { // the second round finds the blocks in the caches
          for (int i = 0; i < models.size(); i++) {
            readRandomly(cs, id + i, models.get(i), r, models.get(i).length > (16 << 20) ? 20 : 40);
          }
        }
        ChunkStats s = cs.stats();
        if (!mode.equals("none") && !mode.equals("file-store")) {
          assertThat(s.cacheHits()).as("cache hits in mode %s", mode).isPositive();
        }
        assertThat(s.bufferUsed()).isZero();
      }
      store.close();
    }
  }
}
