package io.nectarfs.chunk;

import static io.nectarfs.chunk.ChunkTesting.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.nectarfs.chunk.ChunkTesting.CountingStore;
import io.nectarfs.common.Cancellation;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Metrics;
import io.nectarfs.testkit.meta.TestClock;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The read path with a {@link BlockSource}: answers used, every failure a counted fallback to the object store. */
class BlockSourceTest {
  static final int BS = 256 << 10;
  static final int SIZE = 3 * BS;
  @TempDir Path tmp;
  private final Metrics metrics = Metrics.create();
  private final MeterRegistry r = metrics.registry();
  private final TestClock clock = new TestClock();
  private final byte[] data = random(new Random(7), SIZE);

  /** What the test source does when asked. */
  @FunctionalInterface
  interface Answer {
    byte[] fetch(Ctx ctx, String key, int blockLen, int off, int len) throws IOException;
  }

  /** A source that records each call (key, off, len) and answers as told. */
  static final class TestSource implements BlockSource {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final Answer answer;

    TestSource(Answer answer) {
      this.answer = answer;
    }

    @Override
    public byte[] fetch(Ctx ctx, String key, int blockLen, int off, int len) throws IOException {
      calls.add(key + "@" + off + "+" + len);
      return answer.fetch(ctx, key, blockLen, off, len);
    }

    @Override
    public Duration timeout() {
      return Duration.ofSeconds(5);
    }
  }

  /** The right bytes of slice 1, as a peer holding the block would answer. */
  private byte[] truth(String key, int off, int len) {
    long[] k = BlockKeys.parse(key);
    int start = (int) k[1] * BS + off;
    return Arrays.copyOfRange(data, start, start + len);
  }

  private ChunkStore open(CountingStore store, ChunkConfig config, BlockSource source) throws IOException {
    ChunkStore cs = ChunkStores.open(store, config.withCacheOnWrite(false), clock, metrics, source);
    ChunkTesting.writeSlice(cs, 1, data);
    return cs;
  }

  private double fallbacks(String reason) {
    return r.get("nectar_chunk_peer_fallbacks").tag("reason", reason).counter().count();
  }

  private double peerBytes() {
    return r.get("nectar_chunk_read_bytes").tag("source", "peer").counter().count();
  }

  @Test
  void sourceThatAnswers_servesWholeAndRangedReads_objectStoreNotRead() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    TestSource source = new TestSource((ctx, key, blen, off, len) -> truth(key, off, len));
    try (ChunkStore cs = open(store, ChunkTesting.memCache(BS), source)) {
      // A small random read first (a sequential one would fetch the whole block), then a whole block.
      assertThat(ChunkTesting.read(cs, 1, SIZE, 2 * BS + 1000, 4096)).isEqualTo(Arrays.copyOfRange(data, 2 * BS + 1000, 2 * BS + 5096));
      assertThat(ChunkTesting.read(cs, 1, SIZE, BS, BS)).isEqualTo(Arrays.copyOfRange(data, BS, 2 * BS));
      assertThat(ChunkTesting.read(cs, 1, SIZE, BS + 10, 100)).as("a memory hit now").isEqualTo(Arrays.copyOfRange(data, BS + 10, BS + 110));
      assertThat(source.calls).containsExactly(BlockKeys.key(1, 2, BS) + "@1000+4096", BlockKeys.key(1, 1, BS) + "@0+" + BS);
      assertThat(store.gets.get()).as("object GETs").isZero();
      assertThat(peerBytes()).isEqualTo(BS + 4096);
      assertThat(r.get("nectar_chunk_read_bytes").tag("source", "object").counter().count()).isZero();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"miss", "error", "runtime", "length", "timeout", "socketTimeout"})
  void sourceThatFails_readsTheObjectStore_andCountsTheFallback(String how) throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    TestSource source = new TestSource((ctx, key, blen, off, len) -> switch (how) {
      case "miss" -> null;
      case "error" -> throw new IOException("connection refused");
      case "runtime" -> throw new IllegalStateException("bug in the source");
      case "length" -> new byte[len - 1];
      case "timeout" -> {
        clock.advance(Duration.ofSeconds(6)); // the peer is slow: its deadline passes
        ctx.checkCancelled();
        yield truth(key, off, len);
      }
      default -> throw new SocketTimeoutException("read timed out");
    });
    try (ChunkStore cs = open(store, ChunkTesting.memCache(BS), source)) {
      assertThat(ChunkTesting.read(cs, 1, SIZE, 0, BS)).isEqualTo(Arrays.copyOf(data, BS));
      assertThat(ChunkTesting.read(cs, 1, SIZE, 2 * BS + 500, 4096)).isEqualTo(Arrays.copyOfRange(data, 2 * BS + 500, 2 * BS + 4596));
      assertThat(source.calls).containsExactly(BlockKeys.key(1, 0, BS) + "@0+" + BS, BlockKeys.key(1, 2, BS) + "@500+4096");
      assertThat(store.gets.get()).isEqualTo(2);
      String reason = switch (how) {
        case "runtime" -> "error";
        case "socketTimeout" -> "timeout";
        default -> how;
      };
      assertThat(fallbacks(reason)).as("fallbacks for %s", reason).isEqualTo(2);
      assertThat(peerBytes()).isZero();
    }
  }

  @Test
  void readerCancelledWhileTheSourceWorks_getsEintr_notAFallback() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    Cancellation token = Cancellation.create();
    TestSource source = new TestSource((ctx, key, blen, off, len) -> {
      token.cancel(); // the reader's operation is interrupted while the peer request runs
      ctx.checkCancelled();
      return truth(key, off, len);
    });
    try (ChunkStore cs = open(store, ChunkTesting.memCache(BS), source)) {
      ByteBuffer dst = ByteBuffer.allocate(4096);
      assertThatThrownBy(() -> cs.read(Ctx.ROOT.withCancellation(token), 1, SIZE, 100, dst))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINTR));
      assertThat(dst.position()).isZero();
      assertThat(store.gets.get()).isZero();
      assertThat(fallbacks("timeout") + fallbacks("error")).isZero();
    }
  }

  @Test
  void concurrentReadersOfOneBlock_makeOneSourceCall() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TestSource source = new TestSource((ctx, key, blen, off, len) -> {
      entered.countDown();
      try {
        release.await(10, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        throw new java.io.InterruptedIOException();
      }
      return truth(key, off, len);
    });
    int threads = 12;
    try (ChunkStore cs = open(store, ChunkTesting.memCache(BS), source); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Thread> readers = new CopyOnWriteArrayList<>();
      List<Future<byte[]>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(pool.submit(() -> {
          readers.add(Thread.currentThread());
          return ChunkTesting.read(cs, 1, SIZE, BS, BS);
        }));
      }
      assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue();
      // Every reader is either the one in the source or parked on its fetch (the only wait on this path).
      ChunkTesting.await(() -> readers.size() == threads
          && readers.stream().filter(t -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING).count() == threads,
          Duration.ofSeconds(60));
      release.countDown();
      for (Future<byte[]> f : results) {
        assertThat(f.get()).isEqualTo(Arrays.copyOfRange(data, BS, 2 * BS));
      }
      assertThat(source.calls).as("source calls for one block read by %d threads", threads).hasSize(1);
      assertThat(store.gets.get()).isZero();
    }
  }

  @Test
  void blocksFromTheSource_goToMemoryOnly_notToTheDiskCache() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    AtomicInteger answered = new AtomicInteger();
    TestSource source = new TestSource((ctx, key, blen, off, len) -> {
      long index = BlockKeys.parse(key)[1];
      if (index == 2) {
        return null; // this one the peer does not have: the object store's copy is cached locally
      }
      answered.incrementAndGet();
      return truth(key, off, len);
    });
    ChunkConfig disk = ChunkTesting.diskCache(BS, List.of(tmp.resolve("cache")), 1L << 30);
    ChunkConfig withMemory = new ChunkConfig(BS, 64L << 20, 4, 4, disk.cacheDirs(), disk.cacheSize(), 0, false, 64L << 20, false, 0,
        Duration.ZERO);
    try (ChunkStore cs = open(store, withMemory, source)) {
      CachedChunkStore c = (CachedChunkStore) cs;
      assertThat(ChunkTesting.read(cs, 1, SIZE, 0, BS)).isEqualTo(Arrays.copyOf(data, BS));
      cs.prefetch(1, SIZE, BS, 2 * BS); // read-ahead takes the same path
      ChunkTesting.await(() -> answered.get() == 2 && c.memCache().contains(BlockKeys.key(1, 2, BS)), Duration.ofSeconds(60));
      c.diskCache().drain();
      assertThat(c.diskCache().contains(BlockKeys.key(1, 0, BS))).as("block from the source on disk").isFalse();
      assertThat(c.diskCache().contains(BlockKeys.key(1, 1, BS))).as("read-ahead block from the source on disk").isFalse();
      assertThat(c.memCache().contains(BlockKeys.key(1, 1, BS))).isTrue();
      ChunkTesting.await(() -> c.diskCache().contains(BlockKeys.key(1, 2, BS)), Duration.ofSeconds(60));
      assertThat(store.gets.get()).as("only the block the source missed").isEqualTo(1);
      assertThat(ChunkTesting.read(cs, 1, SIZE, BS, BS)).isEqualTo(Arrays.copyOfRange(data, BS, 2 * BS));
      assertThat(source.calls).hasSize(3);
    }
  }

  @Test
  void warmUp_asksTheSource_andKeepsItsBlocksOnDisk() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    TestSource source = new TestSource((ctx, key, blen, off, len) -> truth(key, off, len));
    try (ChunkStore cs = open(store, ChunkTesting.diskCache(BS, List.of(tmp.resolve("cache")), 1L << 30), source)) {
      assertThat(cs.fillCache(1, SIZE)).isZero();
      assertThat(cs.cachedLocally(1, SIZE)).isTrue();
      assertThat(store.gets.get()).isZero();
      assertThat(source.calls).hasSize(3);
    }
  }
}
