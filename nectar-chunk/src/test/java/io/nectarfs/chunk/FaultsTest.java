package io.nectarfs.chunk;

import static io.nectarfs.chunk.ChunkTesting.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.object.FaultInjector;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transient failures are invisible; permanent ones surface as IOException, never as wrong data. */
class FaultsTest {
  static final int BS = 64 << 10;
  @TempDir Path tmp;

  @Test
  void transientFailures_retriedBelow_writesAndReadsSucceed() throws Exception {
    ObjectStore store = ChunkTesting.faulty(0.3, Duration.ZERO, 20);
    Random r = new Random(5);
    try (ChunkStore cs = ChunkStores.open(store, ChunkTesting.diskCache(BS, List.of(tmp.resolve("c")), 1L << 30))) {
      for (int i = 0; i < 10; i++) {
        byte[] model = RoundTripTest.writeRandomly(cs, 50 + i, r.nextInt(20 * BS), r);
        RoundTripTest.readRandomly(cs, 50 + i, model, r, 20);
      }
    }
    assertThat(ObjectStores.faultInjector(store).orElseThrow().injectedErrors()).isPositive();
  }

  @Test
  void permanentFailure_finishThrows_laterWritesThrow() throws Exception {
    ObjectStore store = ChunkTesting.faulty(0, Duration.ZERO, 3);
    FaultInjector faults = ObjectStores.faultInjector(store).orElseThrow();
    try (ChunkStore cs = ChunkStores.open(store, ChunkTesting.noCache(BS))) {
      faults.setErrorRate(1);
      SliceWriter w = cs.newWriter(1);
      w.write(0, ByteBuffer.wrap(new byte[3 * BS]));
      assertThatThrownBy(() -> w.finish(3 * BS + 5)).isInstanceOf(IOException.class).hasMessageContaining("upload of slice 1 failed");

      SliceWriter w2 = cs.newWriter(2);
      w2.write(0, ByteBuffer.wrap(new byte[2 * BS])); // the first block's upload starts and fails
      ChunkTesting.await(() -> {
        try {
          w2.write(2 * BS, ByteBuffer.wrap(new byte[10]));
          return false;
        } catch (IOException e) {
          return true;
        }
      }, Duration.ofSeconds(10));
      assertThat(cs.stats().bufferUsed()).isLessThanOrEqualTo(BufferedSliceWriter.PAGE_SIZE);
      w2.abort();
      assertThat(cs.stats().bufferUsed()).isZero();
    }
  }

  @Test
  void permanentFailure_readThrows_dstUntouched() throws Exception {
    ObjectStore store = ChunkTesting.faulty(0, Duration.ZERO, 3);
    FaultInjector faults = ObjectStores.faultInjector(store).orElseThrow();
    byte[] data = random(new Random(6), 3 * BS);
    try (ChunkStore cs = ChunkStores.open(store, ChunkTesting.memCache(BS))) {
      ChunkTesting.writeSlice(cs, 3, data);
      ChunkTesting.read(cs, 3, data.length, 0, BS); // block 0 now cached
      faults.setErrorRate(1);
      ByteBuffer dst = ByteBuffer.allocate(2 * BS);
      assertThatThrownBy(() -> cs.read(3, data.length, 0, dst)).isInstanceOf(IOException.class);
      assertThat(dst.position()).isZero();
      faults.setErrorRate(0);
      assertThat(ChunkTesting.read(cs, 3, data.length, 0, 3 * BS)).isEqualTo(data);
    }
  }

  @Test
  void missingBlock_readThrowsNoSuchFile() throws Exception {
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.mem(), ChunkTesting.memCache(BS))) {
      assertThatThrownBy(() -> cs.read(99, 100, 0, ByteBuffer.allocate(10))).isInstanceOf(java.nio.file.NoSuchFileException.class);
    }
  }

  @Test
  void abort_deletesUploadedBlocks() throws Exception {
    ObjectStore store = ChunkTesting.mem();
    try (ChunkStore cs = ChunkStores.open(store, ChunkTesting.noCache(BS))) {
      SliceWriter w = cs.newWriter(4);
      w.write(0, ByteBuffer.wrap(random(new Random(7), 5 * BS + 10)));
      assertThat(w.uploadedBoundary()).isEqualTo(5 * BS);
      ChunkTesting.await(() -> {
        try {
          return store.listKeys("chunks/").size() == 5;
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, Duration.ofSeconds(10));
      w.abort();
      assertThat(store.listKeys("chunks/")).isEmpty();
      assertThat(cs.stats().bufferUsed()).isZero();
      assertThatThrownBy(() -> w.write(5 * BS + 10, ByteBuffer.wrap(new byte[1]))).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void writeBelowUploadedBoundary_isIllegal() throws Exception {
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.mem(), ChunkTesting.noCache(BS))) {
      SliceWriter w = cs.newWriter(5);
      w.write(0, ByteBuffer.wrap(new byte[BS + 1]));
      assertThatThrownBy(() -> w.write(BS - 1, ByteBuffer.wrap(new byte[1]))).isInstanceOf(IllegalStateException.class);
      w.write(BS, ByteBuffer.wrap(new byte[1]));
      w.finish(BS + 1);
    }
  }
}
