package io.nectarfs.chunk;

import static io.nectarfs.chunk.ChunkTesting.random;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.object.Buffers;
import io.nectarfs.object.ObjectStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Write buffers come from a bounded pool of reused off-heap pages and reach the store as a gather put. */
class PagePoolTest {
  static final int PAGE = BufferedSliceWriter.PAGE_SIZE;

  /** Counts the put forms that reach the store. */
  static final class PutForms extends ChunkTesting.CountingStore {
    final AtomicLong gathered = new AtomicLong();
    final AtomicLong arrays = new AtomicLong();

    PutForms(ObjectStore next) {
      super(next);
    }

    @Override
    public void put(String key, List<ByteBuffer> parts) throws IOException {
      gathered.incrementAndGet();
      next.put(key, parts);
    }

    @Override
    public void put(String key, byte[] data) throws IOException {
      arrays.incrementAndGet();
      next.put(key, data);
    }
  }

  @Test
  void blocksReachTheStoreAsGatherPuts_notJoinedArrays() throws Exception {
    PutForms store = new PutForms(ChunkTesting.mem());
    try (CachedChunkStore cs = (CachedChunkStore) ChunkStores.open(store, ChunkTesting.noCache(4 << 20))) {
      byte[] data = random(new Random(1), (4 << 20) + 12345);
      SliceWriter w = cs.newWriter(1);
      w.write(0, ByteBuffer.wrap(data));
      w.finish(data.length);
      assertThat(store.gathered.get()).as("gather puts").isEqualTo(2);
      assertThat(store.arrays.get()).as("puts of a joined array").isZero();
      assertThat(ChunkTesting.read(cs, 1, data.length, 0, data.length)).isEqualTo(data);
    }
  }

  @Test
  void reusedPages_readAsZerosWhereNotWritten() throws Exception {
    try (CachedChunkStore cs = (CachedChunkStore) ChunkStores.open(ChunkTesting.mem(), ChunkTesting.noCache(1 << 20))) {
      byte[] ones = new byte[1 << 20];
      Arrays.fill(ones, (byte) 0xFF);
      SliceWriter a = cs.newWriter(1);
      a.write(0, ByteBuffer.wrap(ones));
      a.finish(ones.length);
      long pages = cs.pages().allocated();
      assertThat(pages).isEqualTo((1 << 20) / PAGE);

      // the same pages again, now dirty: gaps inside a page, a page never touched, a short tail
      SliceWriter b = cs.newWriter(2);
      byte[] expect = new byte[3 * PAGE + 500];
      b.write(100, ByteBuffer.wrap(new byte[] {1, 2, 3}));
      b.write(1000, ByteBuffer.wrap(new byte[] {4}));
      b.write(2 * PAGE + 10, ByteBuffer.wrap(new byte[] {5, 6}));
      b.write(3 * PAGE + 1, ByteBuffer.wrap(new byte[] {7}));
      System.arraycopy(new byte[] {1, 2, 3}, 0, expect, 100, 3);
      expect[1000] = 4;
      expect[2 * PAGE + 10] = 5;
      expect[2 * PAGE + 11] = 6;
      expect[3 * PAGE + 1] = 7;
      b.finish(expect.length);
      assertThat(cs.pages().allocated()).as("pages were reused, not allocated").isEqualTo(pages);
      assertThat(ChunkTesting.read(cs, 2, expect.length, 0, expect.length)).isEqualTo(expect);
    }
  }

  @Test
  void eightWriters_poolNeverExceedsTheBufferSetting() throws Exception {
    long budget = 8L << 20;
    ChunkConfig c = ChunkTesting.noCache(1 << 20).withBufferSize(budget);
    try (CachedChunkStore cs = (CachedChunkStore) ChunkStores.open(ChunkTesting.mem(), c)) {
      int writers = 8;
      int size = 16 << 20;
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      List<Future<byte[]>> fs = new ArrayList<>();
      for (int round = 0; round < 2; round++) {
        fs.clear();
        for (int w = 0; w < writers; w++) {
          long id = 100 + round * writers + w;
          fs.add(pool.submit(() -> {
            byte[] data = random(new Random(id), size);
            SliceWriter sw = cs.newWriter(id);
            for (int off = 0; off < size; off += 128 << 10) {
              sw.write(off, ByteBuffer.wrap(data, off, 128 << 10));
            }
            sw.finish(size);
            return data;
          }));
        }
        for (int w = 0; w < writers; w++) {
          byte[] data = fs.get(w).get();
          assertThat(ChunkTesting.read(cs, 100 + round * writers + w, size, 0, size)).isEqualTo(data);
        }
      }
      pool.shutdown();
      assertThat(cs.budget().overcommits()).isZero();
      assertThat(cs.pages().peakAllocated() * PAGE).as("off-heap pages ever allocated at once").isLessThanOrEqualTo(budget);
      assertThat(cs.pages().allocated() * PAGE).isLessThanOrEqualTo(budget);
      assertThat(cs.stats().bufferUsed()).isZero();
    }
  }

  @Test
  void pagesBeyondTheBound_areFreedWhenGivenBack() {
    try (PagePool pool = new PagePool(PAGE, 2L * PAGE)) {
      PagePool.Page a = pool.take();
      PagePool.Page b = pool.take();
      PagePool.Page over = pool.take(); // a grant beyond the budget
      assertThat(pool.allocated()).isEqualTo(3);
      pool.give(over);
      assertThat(pool.allocated()).isEqualTo(2);
      assertThat(over.seg().scope().isAlive()).isFalse();
      pool.give(a);
      pool.give(b);
      assertThat(pool.allocated()).isEqualTo(2);
      assertThat(pool.take()).isSameAs(b);
    }
  }

  @Test
  void buffersJoin_isTheConcatenation() {
    ByteBuffer x = ByteBuffer.wrap(new byte[] {9, 1, 2});
    x.position(1);
    assertThat(Buffers.join(List.of(x, ByteBuffer.allocate(0), ByteBuffer.wrap(new byte[] {3})))).containsExactly(1, 2, 3);
    assertThat(x.position()).isEqualTo(1);
  }
}
