package io.nectarfs.chunk;

import static io.nectarfs.chunk.ChunkTesting.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.nectarfs.chunk.ChunkTesting.CountingStore;
import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Metrics;
import io.nectarfs.object.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The owner's side of a cache group: {@link ChunkStore#readBlock}, {@link ChunkStore#hasBlock}, {@link ChunkStore#warmBlock}. */
class ServingTest {
  static final int BS = 256 << 10;
  static final int SIZE = 3 * BS;
  @TempDir Path tmp;
  private final Metrics metrics = Metrics.create();
  private final MeterRegistry r = metrics.registry();
  private final byte[] data = random(new Random(11), SIZE);
  private final String k0 = BlockKeys.key(1, 0, BS);
  private final String k1 = BlockKeys.key(1, 1, BS);

  /** A disk cache at {@code tmp/cache} that caches nothing on read or write by itself. */
  private ChunkConfig disk(double freeSpaceRatio) {
    return new ChunkConfig(BS, 64L << 20, 4, 4, List.of(tmp.resolve("cache")), 1L << 30, freeSpaceRatio, false, 0, false, 0, Duration.ZERO)
        .withCacheOnRead(false);
  }

  private ChunkStore open(ObjectStore store, ChunkConfig config, BlockSource source) throws IOException {
    return ChunkStores.open(store, config, Clock.SYSTEM, metrics, source);
  }

  private double refused(String reason) {
    return r.get("nectar_chunk_peer_refused").tag("reason", reason).counter().count();
  }

  /** A source that must never be asked: the owner reads the object store. */
  private static final BlockSource NEVER = (ctx, key, blockLen, off, len) -> {
    throw new AssertionError("the owner asked the block source for " + key);
  };

  @Test
  void readBlock_fetchesOnce_keepsOnDiskEvenWithoutCacheOnRead_servesRangesExactly() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    try (ChunkStore cs = open(store, disk(0), NEVER)) {
      ChunkTesting.writeSlice(cs, 1, data);
      assertThat(cs.hasBlock(k1, BS)).isFalse();
      assertThat(cs.readBlock(Ctx.ROOT, k1, BS, 0, BS)).isEqualTo(Arrays.copyOfRange(data, BS, 2 * BS));
      Path file = ((CachedChunkStore) cs).diskCache().pathOf(k1);
      assertThat(file).as("kept in the disk cache").isNotNull();
      assertThat(Files.exists(file)).isTrue();
      assertThat(cs.hasBlock(k1, BS)).isTrue();
      for (int[] range : new int[][] {{0, 1}, {1, 4096}, {BS - 7, 7}, {100_000, 50_000}, {5, 0}}) {
        int off = range[0];
        int len = range[1];
        assertThat(cs.readBlock(Ctx.ROOT, k1, BS, off, len)).as("range %d+%d", off, len).isEqualTo(Arrays.copyOfRange(data, BS + off, BS + off + len));
      }
      assertThat(store.gets.get()).as("object GETs").isEqualTo(1);
      // A range of an uncached block: the whole block is fetched and kept, the range answered.
      assertThat(cs.readBlock(Ctx.ROOT, k0, BS, 300, 4096)).isEqualTo(Arrays.copyOfRange(data, 300, 4396));
      assertThat(cs.hasBlock(k0, BS)).isTrue();
      assertThat(store.gets.get()).isEqualTo(2);
      assertThat(store.longestGet.get()).as("whole-block GETs, asked for by the block's length").isEqualTo(BS);
    }
  }

  @Test
  void evictBlock_dropsMemoryAndDisk_thenTheNextReadFetchesAgain_badKeysRefused() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    try (ChunkStore cs = open(store, disk(0), NEVER)) {
      ChunkTesting.writeSlice(cs, 1, data);
      assertThat(cs.evictBlock(k0, BS)).as("nothing cached yet").isFalse();
      assertThat(cs.warmBlock(Ctx.ROOT, k0, BS)).isTrue();
      Path file = ((CachedChunkStore) cs).diskCache().pathOf(k0);
      assertThat(cs.evictBlock(k0, BS)).isTrue();
      assertThat(cs.hasBlock(k0, BS)).isFalse();
      assertThat(file).doesNotExist();
      store.gets.set(0);
      assertThat(cs.readBlock(Ctx.ROOT, k0, BS, 0, 10)).isEqualTo(Arrays.copyOf(data, 10));
      assertThat(store.gets.get()).as("fetched again after the eviction").isEqualTo(1);
      assertThatThrownBy(() -> cs.evictBlock("format", 10)).isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }
  }

  @Test
  void keepBlock_keepsWhatAnotherMemberFetched_withoutAGet_andChecksItsLength() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    try (ChunkStore cs = open(store, disk(0), NEVER)) {
      ChunkTesting.writeSlice(cs, 1, data);
      store.gets.set(0);
      byte[] block = Arrays.copyOfRange(data, BS, 2 * BS);
      assertThatThrownBy(() -> cs.keepBlock(k1, BS, Arrays.copyOf(block, BS - 1)))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
      assertThat(cs.keepBlock(k1, BS, block)).isTrue();
      assertThat(cs.hasBlock(k1, BS)).isTrue();
      assertThat(cs.readBlock(Ctx.ROOT, k1, BS, 7, 100)).isEqualTo(Arrays.copyOfRange(data, BS + 7, BS + 107));
      assertThat(store.gets.get()).as("object GETs").isZero();
    }
    try (ChunkStore cs = open(store, disk(0.999_999), NEVER)) {
      assertThat(cs.keepBlock(k0, BS, Arrays.copyOf(data, BS))).as("a full cache keeps nothing new").isFalse();
      assertThat(cs.keepBlock(k1, BS, Arrays.copyOfRange(data, BS, 2 * BS))).as("already there").isTrue();
    }
  }

  @Test
  void peersAndLocalReadersOfOneBlock_shareOneGet() throws Exception {
    HeldStore store = new HeldStore(ChunkTesting.mem());
    int threads = 8;
    // No source: the local readers here would ask it (only the serving side must not).
    try (ChunkStore cs = open(store, disk(0), null); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      ChunkTesting.writeSlice(cs, 1, data);
      store.hold();
      List<Thread> callers = new CopyOnWriteArrayList<>();
      List<Future<byte[]>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        boolean peer = t % 2 == 0;
        results.add(pool.submit(() -> {
          callers.add(Thread.currentThread());
          return peer ? cs.readBlock(Ctx.ROOT, k1, BS, 0, BS) : ChunkTesting.read(cs, 1, SIZE, BS, BS);
        }));
      }
      assertThat(store.entered.await(60, TimeUnit.SECONDS)).isTrue();
      ChunkTesting.await(() -> callers.size() == threads
          && callers.stream().filter(t -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING).count() == threads,
          Duration.ofSeconds(60));
      store.release();
      for (Future<byte[]> f : results) {
        assertThat(f.get()).isEqualTo(Arrays.copyOfRange(data, BS, 2 * BS));
      }
      assertThat(store.gets.get()).as("GETs for %d peers and local readers of one block", threads).isEqualTo(1);
      assertThat(cs.hasBlock(k1, BS)).isTrue();
    }
  }

  @Test
  void fullCache_servesCachedBlocks_refusesOthers_fetchesNothing() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    try (ChunkStore cs = open(store, disk(0), null)) {
      ChunkTesting.writeSlice(cs, 1, data);
      assertThat(cs.warmBlock(Ctx.ROOT, k0, BS)).isTrue();
    }
    store.gets.set(0);
    // The same cache directory, now on a file system below its free-space floor.
    try (ChunkStore cs = open(store, disk(0.999_999), NEVER)) {
      assertThat(cs.readBlock(Ctx.ROOT, k0, BS, 10, 1000)).as("a cached block is still served").isEqualTo(Arrays.copyOfRange(data, 10, 1010));
      assertThat(cs.readBlock(Ctx.ROOT, k1, BS, 0, BS)).as("an uncached block is refused").isNull();
      assertThat(cs.warmBlock(Ctx.ROOT, k1, BS)).isFalse();
      assertThat(cs.warmBlock(Ctx.ROOT, k0, BS)).as("already there").isTrue();
      assertThat(cs.hasBlock(k1, BS)).isFalse();
      assertThat(store.gets.get()).as("object GETs").isZero();
      assertThat(refused("cache_full")).isEqualTo(2);
    }
  }

  @Test
  void noDiskCache_servesMemory_refusesOthers() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    try (ChunkStore cs = open(store, ChunkTesting.memCache(BS), null)) {
      ChunkTesting.writeSlice(cs, 1, data);
      ChunkTesting.read(cs, 1, SIZE, 0, BS); // block 0 now in memory
      long gets = store.gets.get();
      assertThat(cs.readBlock(Ctx.ROOT, k0, BS, 0, BS)).isEqualTo(Arrays.copyOf(data, BS));
      assertThat(cs.readBlock(Ctx.ROOT, k1, BS, 0, BS)).isNull();
      assertThat(cs.warmBlock(Ctx.ROOT, k1, BS)).isFalse();
      assertThat(store.gets.get()).isEqualTo(gets);
      assertThat(refused("no_cache")).isEqualTo(2);
    }
  }

  @Test
  void warmBlock_keepsTheBlockOnDisk_once() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    try (ChunkStore cs = open(store, disk(0), NEVER)) {
      ChunkTesting.writeSlice(cs, 1, data);
      String last = BlockKeys.key(1, 2, BS);
      assertThat(cs.warmBlock(Ctx.ROOT, last, BS)).isTrue();
      assertThat(((CachedChunkStore) cs).diskCache().pathOf(last)).as("written before warmBlock returned").isNotNull();
      assertThat(cs.warmBlock(Ctx.ROOT, last, BS)).isTrue();
      assertThat(store.gets.get()).isEqualTo(1);
      assertThat(cs.readBlock(Ctx.ROOT, last, BS, 0, BS)).isEqualTo(Arrays.copyOfRange(data, 2 * BS, 3 * BS));
      assertThat(store.gets.get()).isEqualTo(1);
    }
  }

  @Test
  void nonBlockKeysAndBadRanges_areRefused_withoutTouchingTheStore() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    try (ChunkStore cs = open(store, disk(0), NEVER)) {
      ChunkTesting.writeSlice(cs, 1, data);
      store.put("format.json", new byte[] {'{', '}'});
      List<String> bad = List.of("format.json", "chunks/../format.json", "chunks/0/0/../../../format.json/1_0_" + BS, "chunks/0/0/1_0_" + BS + "x",
          "chunks/9/9/1_0_" + BS, "chunks/0/0/1_0_" + BS + "/", "chunks/0/0/-1_0_" + BS, "chunks/0/0/1_-1_" + BS, "");
      for (String key : bad) {
        assertEinval(() -> cs.readBlock(Ctx.ROOT, key, BS, 0, 2));
        assertEinval(() -> cs.hasBlock(key, BS));
        assertEinval(() -> cs.warmBlock(Ctx.ROOT, key, BS));
      }
      assertEinval(() -> cs.readBlock(Ctx.ROOT, k0, BS - 1, 0, 2)); // the length must be the one the key names
      assertEinval(() -> cs.readBlock(Ctx.ROOT, BlockKeys.key(1, 0, 2 * BS), 2 * BS, 0, 2)); // larger than the volume's blocks
      assertEinval(() -> cs.readBlock(Ctx.ROOT, k0, BS, BS - 1, 2));
      assertEinval(() -> cs.readBlock(Ctx.ROOT, k0, BS, -1, 2));
      assertEinval(() -> cs.readBlock(Ctx.ROOT, k0, BS, 0, -1));
      assertEinval(() -> cs.readBlock(Ctx.ROOT, null, BS, 0, 1));
      assertThat(store.gets.get()).isZero();
    }
  }

  private static void assertEinval(ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
  }

  /** Holds whole-object GETs (ignoring interrupts) between {@link #hold} and {@link #release}. */
  private static final class HeldStore extends CountingStore {
    final CountDownLatch entered = new CountDownLatch(1);
    private volatile CountDownLatch gate = new CountDownLatch(0);

    HeldStore(ObjectStore next) {
      super(next);
    }

    void hold() {
      gate = new CountDownLatch(1);
    }

    void release() {
      gate.countDown();
    }

    @Override
    public InputStream get(String key, long off, long len) throws IOException {
      CountDownLatch g = gate;
      if (g.getCount() > 0) {
        entered.countDown();
      }
      boolean open = false;
      while (!open) {
        try {
          open = g.await(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          // a request on the wire does not see interrupts
        }
      }
      return super.get(key, off, len);
    }
  }
}
