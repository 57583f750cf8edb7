package io.nectarfs.chunk;

import static io.nectarfs.chunk.ChunkTesting.random;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The memory budget holds under a slow store: writers wait instead of buffering more. */
class BackPressureTest {
  static final int BS = 256 << 10;
  static final long BUDGET = 1 << 20;

  @Test
  void slowStore_writersBlock_bufferNeverExceedsBudget() throws Exception {
    ChunkConfig c = ChunkTesting.noCache(BS).withBufferSize(BUDGET);
    try (CachedChunkStore cs = (CachedChunkStore) ChunkStores.open(ChunkTesting.faulty(0, Duration.ofMillis(40), 1), c)) {
      AtomicBoolean done = new AtomicBoolean();
      AtomicLong maxSeen = new AtomicLong();
      Thread sampler = Thread.ofPlatform().start(() -> {
        while (!done.get()) {
          maxSeen.accumulateAndGet(cs.stats().bufferUsed(), Math::max);
          Thread.onSpinWait();
        }
      });
      int writers = 2;
      int size = 4 << 20;
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      List<Future<byte[]>> fs = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int w = 0; w < writers; w++) {
        long id = 100 + w;
        fs.add(pool.submit(() -> {
          byte[] data = random(new Random(id), size);
          SliceWriter sw = cs.newWriter(id);
          for (int off = 0; off < size; off += 32 << 10) {
            sw.write(off, ByteBuffer.wrap(data, off, 32 << 10));
          }
          sw.finish(size);
          return data;
        }));
      }
      List<byte[]> written = new ArrayList<>();
      for (Future<byte[]> f : fs) {
        written.add(f.get());
      }
      long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
      done.set(true);
      sampler.join();
      pool.shutdown();
      long page = BufferedSliceWriter.PAGE_SIZE;
      assertThat(cs.budget().peak()).as("peak buffered bytes").isLessThanOrEqualTo(BUDGET + page);
      assertThat(maxSeen.get()).isLessThanOrEqualTo(BUDGET + page);
      assertThat(cs.budget().overcommits()).isZero();
      // 32 blocks of 40 ms over 4 upload threads, but the budget holds at most 4 blocks: the writers had to wait
      assertThat(elapsedMs).isGreaterThanOrEqualTo(300);
      assertThat(cs.stats().bufferUsed()).isZero();
      for (int w = 0; w < writers; w++) {
        assertThat(ChunkTesting.read(cs, 100 + w, size, 0, size)).isEqualTo(written.get(w));
      }
    }
  }

  @Test
  void smallSlice_holdsOnlyThePagesItUses_andIsOnePut() throws Exception {
    ChunkTesting.CountingStore store = new ChunkTesting.CountingStore(ChunkTesting.mem());
    try (CachedChunkStore cs = (CachedChunkStore) ChunkStores.open(store, ChunkTesting.noCache(4 << 20))) {
      SliceWriter w = cs.newWriter(1);
      w.write(0, ByteBuffer.wrap(new byte[100]));
      assertThat(cs.stats().bufferUsed()).isEqualTo(BufferedSliceWriter.PAGE_SIZE);
      w.write(100, ByteBuffer.wrap(new byte[100_000]));
      assertThat(cs.stats().bufferUsed()).isEqualTo(2L * BufferedSliceWriter.PAGE_SIZE);
      w.finish(100_100);
      assertThat(store.puts.get()).isEqualTo(1);
      assertThat(cs.stats().bufferUsed()).isZero();
      assertThat(store.listKeys("chunks/")).containsExactly(BlockKeys.key(1, 0, 100_100));
      assertThat(ChunkTesting.read(cs, 1, 100_100, 0, 100_100)).isEqualTo(new byte[100_100]);
      assertThat(Arrays.equals(ChunkTesting.read(cs, 1, 100_100, 100_000, 200), new byte[100])).isTrue();
    }
  }
}
