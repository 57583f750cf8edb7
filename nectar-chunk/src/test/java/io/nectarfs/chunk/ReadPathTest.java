package io.nectarfs.chunk;

import static io.nectarfs.chunk.ChunkTesting.random;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.chunk.ChunkTesting.CountingStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Single-flight, ranged reads, prefetch, warm-up and removal. */
class ReadPathTest {
  static final int BS = 256 << 10;
  @TempDir Path tmp;

  private ChunkConfig config(String mode) {
    return switch (mode) {
      case "none" -> ChunkTesting.noCache(BS);
      case "memory" -> ChunkTesting.memCache(BS);
      default -> ChunkTesting.diskCache(BS, List.of(tmp.resolve("cache")), 1L << 30);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "memory", "disk"})
  void concurrentReadsOfOneBlock_oneGet(String mode) throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.faulty(0, Duration.ofMillis(100), 1));
    byte[] data = random(new Random(1), 3 * BS);
    try (ChunkStore cs = ChunkStores.open(store, config(mode).withCacheOnWrite(false))) {
      ChunkTesting.writeSlice(cs, 7, data);
      int threads = 16;
      CyclicBarrier start = new CyclicBarrier(threads);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<byte[]>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(pool.submit(() -> {
          start.await();
          return ChunkTesting.read(cs, 7, data.length, BS, BS);
        }));
      }
      for (Future<byte[]> f : results) {
        assertThat(f.get()).isEqualTo(Arrays.copyOfRange(data, BS, 2 * BS));
      }
      pool.shutdown();
      assertThat(store.gets.get()).as("GETs of one block read by %d threads", threads).isEqualTo(1);
      assertThat(cs.stats().objectGets()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "disk"})
  void randomReadAtBlockStart_isOneRangedGetOfItsLength(String mode) throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    byte[] data = random(new Random(3), 3 * BS);
    try (ChunkStore cs = ChunkStores.open(store, config(mode).withCacheOnWrite(false))) {
      ChunkTesting.writeSlice(cs, 11, data);
      for (int block : new int[] {2, 0, 1}) {
        int off = block * BS;
        assertThat(ChunkTesting.read(cs, 11, data.length, off, 4096)).isEqualTo(Arrays.copyOfRange(data, off, off + 4096));
      }
      assertThat(store.gets.get()).as("three 4 KiB reads at block starts: three GETs").isEqualTo(3);
      assertThat(store.longestGet.get()).as("longest GET: 4 KiB, not a whole %d-byte block", BS).isEqualTo(4096);
    }
  }

  @Test
  void sequentialReadsSlightlyOutOfOrder_fetchTheWholeBlockOnce() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    byte[] data = random(new Random(5), 2 * BS);
    int k = 16 << 10;
    try (ChunkStore cs = ChunkStores.open(store, ChunkTesting.memCache(BS))) {
      ChunkTesting.writeSlice(cs, 13, data);
      // As concurrent requests of one stream arrive: the second before the first, then onwards.
      for (int i : new int[] {2, 1, 3, 5, 4, 6, 7}) {
        assertThat(ChunkTesting.read(cs, 13, data.length, i * k, k)).isEqualTo(Arrays.copyOfRange(data, i * k, (i + 1) * k));
      }
      assertThat(store.gets.get()).as("one ranged GET for the first read, then the whole block, then hits").isEqualTo(2);
    }
  }

  @Test
  void storeWithoutCheapRanges_smallReadFetchesAndCachesTheWholeBlock() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    byte[] data = random(new Random(4), 2 * BS);
    try (ChunkStore cs = ChunkStores.open(store, ChunkTesting.memCache(BS).withRangedReads(false))) {
      ChunkTesting.writeSlice(cs, 12, data);
      assertThat(ChunkTesting.read(cs, 12, data.length, 5000, 4096)).isEqualTo(Arrays.copyOfRange(data, 5000, 9096));
      assertThat(ChunkTesting.read(cs, 12, data.length, 70_000, 4096)).isEqualTo(Arrays.copyOfRange(data, 70_000, 74_096));
      assertThat(ChunkTesting.read(cs, 12, data.length, 1000, 4096)).isEqualTo(Arrays.copyOfRange(data, 1000, 5096));
      assertThat(store.gets.get()).as("three small reads of one block: one whole-block GET, then hits").isEqualTo(1);
      assertThat(store.longestGet.get()).as("the whole block, asked for by its length").isEqualTo(BS);
    }
  }

  @Test
  void smallRandomRead_rangedGetNotCached_wholeBlockReadCached() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    byte[] data = random(new Random(2), 2 * BS);
    try (ChunkStore cs = ChunkStores.open(store, ChunkTesting.memCache(BS))) {
      ChunkTesting.writeSlice(cs, 8, data);
      assertThat(ChunkTesting.read(cs, 8, data.length, 1000, 100)).isEqualTo(Arrays.copyOfRange(data, 1000, 1100));
      assertThat(ChunkTesting.read(cs, 8, data.length, 5000, 100)).isEqualTo(Arrays.copyOfRange(data, 5000, 5100));
      assertThat(store.gets.get()).as("two small random reads: two ranged GETs").isEqualTo(2);
      // a whole block is fetched and cached: later reads of it are hits
      assertThat(ChunkTesting.read(cs, 8, data.length, 0, BS)).isEqualTo(Arrays.copyOf(data, BS));
      assertThat(ChunkTesting.read(cs, 8, data.length, 7000, 100)).isEqualTo(Arrays.copyOfRange(data, 7000, 7100));
      assertThat(store.gets.get()).isEqualTo(3);
      // sequential reads fetch whole blocks
      ChunkTesting.read(cs, 8, data.length, BS + 10, 10);
      ChunkTesting.read(cs, 8, data.length, BS + 20, 10);
      ChunkTesting.read(cs, 8, data.length, BS + 30, 10);
      assertThat(store.gets.get()).isEqualTo(5);
    }
  }

  @Test
  void prefetch_fillsCache_thenReadsHit() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    byte[] data = random(new Random(3), 5 * BS + 3);
    try (ChunkStore cs = ChunkStores.open(store, ChunkTesting.memCache(BS))) {
      ChunkTesting.writeSlice(cs, 9, data);
      cs.prefetch(9, data.length, 0, data.length);
      ChunkTesting.await(() -> store.gets.get() == 6 && cs.stats().bufferUsed() == 0, Duration.ofSeconds(10));
      long misses = cs.stats().cacheMisses();
      for (int off = 0; off < data.length; off += 1000) {
        assertThat(ChunkTesting.read(cs, 9, data.length, off, 100)).isEqualTo(Arrays.copyOfRange(data, off, Math.min(data.length, off + 100)));
      }
      assertThat(store.gets.get()).isEqualTo(6);
      assertThat(cs.stats().cacheMisses()).isEqualTo(misses);
    }
  }

  @Test
  void fillCache_putsEveryBlockOnDisk_thenRemoveDeletesEverywhere() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    byte[] data = random(new Random(4), 4 * BS + 1);
    ChunkConfig c = ChunkTesting.diskCache(BS, List.of(tmp.resolve("cache")), 1L << 30).withCacheOnWrite(false);
    try (ChunkStore cs = ChunkStores.open(store, c)) {
      ChunkTesting.writeSlice(cs, 10, data);
      assertThat(cs.stats().cacheBlocks()).isZero();
      assertThat(cs.fillCache(10, data.length)).as("blocks not cached").isZero();
      assertThat(cs.stats().cacheBlocks()).isEqualTo(5);
      long gets = store.gets.get();
      assertThat(ChunkTesting.read(cs, 10, data.length, 0, data.length)).isEqualTo(data);
      assertThat(store.gets.get()).isEqualTo(gets);

      cs.remove(10, data.length);
      cs.remove(10, data.length); // idempotent
      assertThat(store.listKeys("chunks/")).isEmpty();
      assertThat(cs.stats().cacheBlocks()).isZero();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChunkTesting.read(cs, 10, data.length, 0, 10))
          .isInstanceOf(java.nio.file.NoSuchFileException.class);
    }
  }

  @Test
  void withoutCacheOnRead_readsFillOnlyTheMemoryCache_andWarmupStillFillsTheDisk() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    byte[] data = random(new Random(6), 4 * BS + 1);
    ChunkConfig c = new ChunkConfig(BS, 64L << 20, 4, 4, List.of(tmp.resolve("cache")), 1L << 30, 0, false, 64L << 20, false, 0, Duration.ZERO)
        .withCacheOnRead(false);
    try (ChunkStore cs = ChunkStores.open(store, c)) {
      ChunkTesting.writeSlice(cs, 12, data);
      assertThat(ChunkTesting.read(cs, 12, data.length, 0, data.length)).isEqualTo(data);
      cs.prefetch(12, data.length, 0, data.length);
      ((CachedChunkStore) cs).diskCache().drain();
      assertThat(cs.stats().cacheBlocks()).as("nothing written to disk by reads").isZero();
      long gets = store.gets.get();
      assertThat(ChunkTesting.read(cs, 12, data.length, 0, data.length)).as("served from memory").isEqualTo(data);
      assertThat(store.gets.get()).isEqualTo(gets);
      assertThat(cs.fillCache(12, data.length)).isZero();
      assertThat(cs.stats().cacheBlocks()).isEqualTo(5);
    }
  }

  @Test
  void fillCache_intoACacheSmallerThanTheSlice_countsTheBlocksItCouldNotKeep() throws Exception {
    byte[] data = random(new Random(5), 8 * BS);
    ChunkConfig c = ChunkTesting.diskCache(BS, List.of(tmp.resolve("cache")), 4L * BS).withCacheOnWrite(false);
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.mem(), c)) {
      ChunkTesting.writeSlice(cs, 11, data);
      int uncached = cs.fillCache(11, data.length);
      assertThat(uncached).as("evicted by the later blocks of the same warm-up").isPositive();
      assertThat(cs.stats().cacheBlocks()).isEqualTo(8 - uncached);
      assertThat(cs.cachedLocally(11, data.length)).isFalse();
    }
  }

  @Test
  void cachedLocally_afterWarmup_andALocalAreaOnlyForAPlainDiskCache() throws Exception {
    byte[] data = random(new Random(3), 2 * BS + 100);
    ChunkConfig disk = config("disk").withCacheOnWrite(false);
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.faulty(0, Duration.ZERO, 1), disk)) {
      ChunkTesting.writeSlice(cs, 9, data);
      assertThat(cs.cachedLocally(9, data.length)).isFalse();
      ChunkTesting.read(cs, 9, data.length, 0, BS); // one block of three
      assertThat(cs.cachedLocally(9, data.length)).isFalse();
      cs.fillCache(9, data.length);
      assertThat(cs.cachedLocally(9, data.length)).isTrue();
      assertThat(cs.localArea()).hasValueSatisfying(a -> {
        assertThat(a.dir()).isEqualTo(tmp.resolve("cache").resolve("passthrough"));
        assertThat(a.limit()).isEqualTo((1L << 30) / 4);
      });
    }
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.faulty(0, Duration.ZERO, 1), disk.withCacheMode(0600, true))) {
      assertThat(cs.localArea()).as("plain copies would defeat an encrypted cache").isEmpty();
    }
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.faulty(0, Duration.ZERO, 1), config("none"))) {
      ChunkTesting.writeSlice(cs, 9, data);
      assertThat(cs.cachedLocally(9, data.length)).isFalse();
      assertThat(cs.localArea()).isEmpty();
    }
  }
}
