package io.nectarfs.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Which thread stores the blocks of a finished slice: the flush waits for the last one, so it stores it itself. */
class FinishThreadTest {
  private static final int BS = 64 << 10;

  /** Records the thread of every put. */
  private static final class ThreadRecordingStore extends ChunkTesting.CountingStore {
    final List<Thread> putThreads = new CopyOnWriteArrayList<>();

    ThreadRecordingStore() throws IOException {
      super(ChunkTesting.mem());
    }

    @Override
    public void put(String key, InputStream data, long length) throws IOException {
      putThreads.add(Thread.currentThread());
      super.put(key, data, length);
    }
  }

  @Test
  void smallSlice_isStoredByTheFinishingThread_withoutAHandOff() throws IOException {
    ThreadRecordingStore store = new ThreadRecordingStore();
    try (ChunkStore cs = ChunkStores.open(store, ChunkTesting.noCache(BS))) {
      byte[] data = ChunkTesting.random(new Random(1), 4096);
      ChunkTesting.writeSlice(cs, 7, data);
      assertThat(store.putThreads).containsExactly(Thread.currentThread());
      assertThat(ChunkTesting.read(cs, 7, data.length, 0, data.length)).isEqualTo(data);
    }
  }

  @Test
  void multiBlockSlice_finishStoresOnlyTheLastBlockItself() throws IOException {
    ThreadRecordingStore store = new ThreadRecordingStore();
    try (ChunkStore cs = ChunkStores.open(store, ChunkTesting.noCache(BS))) {
      byte[] data = ChunkTesting.random(new Random(2), 3 * BS + 100);
      SliceWriter w = cs.newWriter(8);
      w.write(0, ByteBuffer.wrap(data, 0, 2 * BS + 10)); // two full blocks go to the pool while writing
      w.write(2 * BS + 10, ByteBuffer.wrap(data, 2 * BS + 10, data.length - 2 * BS - 10));
      w.finish(data.length); // block 2 (full) to the pool, block 3 (the tail) here
      assertThat(store.putThreads).hasSize(4);
      assertThat(store.putThreads.stream().filter(t -> t == Thread.currentThread())).hasSize(1);
      assertThat(ChunkTesting.read(cs, 8, data.length, 0, data.length)).isEqualTo(data);
    }
  }

  @Test
  void finishAfterTheStoreClosed_failsAndStoresNothing() throws IOException {
    ThreadRecordingStore store = new ThreadRecordingStore();
    ChunkStore cs = ChunkStores.open(store, ChunkTesting.noCache(BS));
    SliceWriter w = cs.newWriter(9);
    w.write(0, ByteBuffer.wrap(new byte[100]));
    cs.close();
    assertThatThrownBy(() -> w.finish(100)).isInstanceOf(IOException.class).hasMessageContaining("closed");
    assertThat(store.putThreads).isEmpty();
  }
}
