package io.nectarfs.chunk;

import static io.nectarfs.chunk.ChunkTesting.random;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Cancellation;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.object.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Waits in the chunk store wake up when the waiting operation is cancelled; shared work goes on. */
class CancellationTest {
  static final int BS = 256 << 10;

  @FunctionalInterface
  interface IoRunnable {
    void run() throws Exception;
  }

  /** Runs {@code body} on a new thread and returns what it threw (null: nothing). */
  private static Thread start(AtomicReference<Throwable> outcome, IoRunnable body) {
    return Thread.ofPlatform().start(() -> {
      try {
        body.run();
      } catch (Throwable t) {
        outcome.set(t);
      }
    });
  }

  /** Waits (generously) until {@code t} is parked: it reached its wait. */
  private static void awaitParked(Thread t) throws InterruptedException {
    ChunkTesting.await(() -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING, Duration.ofSeconds(60));
  }

  private static void assertErrno(Throwable t, Errno errno) {
    assertThat(t).isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(errno));
  }

  @Test
  void memoryBudgetWaiter_wakesWithEintr_andTakesNothing() throws Exception {
    MemoryBudget budget = new MemoryBudget(100);
    budget.acquire(100);
    budget.markReleasable(100); // an upload is under way: a new writer must wait
    Cancellation token = Cancellation.create();
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread w = start(outcome, () -> budget.acquire(10, Ctx.ROOT.withCancellation(token)));
    awaitParked(w);
    token.cancel();
    w.join(Duration.ofSeconds(60));
    assertErrno(outcome.get(), Errno.EINTR);
    assertThat(budget.used()).isEqualTo(100);
  }

  @Test
  void readerWaitingForAnotherReadersFetch_wakesWithEintr_whileTheFetchGoesOn() throws Exception {
    GateStore store = new GateStore(ChunkTesting.mem());
    byte[] data = random(new Random(3), 2 * BS);
    try (ChunkStore cs = ChunkStores.open(store, ChunkTesting.memCache(BS).withCacheOnWrite(false))) {
      ChunkTesting.writeSlice(cs, 9, data);
      store.closeGate();
      AtomicReference<Throwable> firstOutcome = new AtomicReference<>();
      byte[][] firstGot = new byte[1][];
      Thread first = start(firstOutcome, () -> firstGot[0] = ChunkTesting.read(cs, 9, data.length, 0, BS));
      assertThat(store.entered.await(60, TimeUnit.SECONDS)).as("the first reader's GET is under way").isTrue();

      Cancellation token = Cancellation.create();
      AtomicReference<Throwable> secondOutcome = new AtomicReference<>();
      ByteBuffer dst = ByteBuffer.allocate(BS);
      Thread second = start(secondOutcome, () -> cs.read(Ctx.ROOT.withCancellation(token), 9, data.length, 0, dst));
      awaitParked(second);
      token.cancel();
      second.join(Duration.ofSeconds(60));
      assertErrno(secondOutcome.get(), Errno.EINTR);
      assertThat(dst.position()).isZero();
      assertThat(first.isAlive()).as("the shared fetch is still held").isTrue();

      store.openGate();
      first.join(Duration.ofSeconds(60));
      assertThat(firstOutcome.get()).isNull();
      assertThat(firstGot[0]).isEqualTo(Arrays.copyOf(data, BS));
      assertThat(store.gets.get()).isEqualTo(1);
    }
  }

  @Test
  void cancelledReader_makesNoObjectRequest() throws Exception {
    GateStore store = new GateStore(ChunkTesting.mem());
    byte[] data = random(new Random(4), BS);
    try (ChunkStore cs = ChunkStores.open(store, ChunkTesting.noCache(BS))) {
      ChunkTesting.writeSlice(cs, 11, data);
      Cancellation token = Cancellation.create();
      token.cancel();
      ByteBuffer dst = ByteBuffer.allocate(100);
      try {
        cs.read(Ctx.ROOT.withCancellation(token), 11, data.length, 10, dst);
        throw new AssertionError("read succeeded");
      } catch (FsException e) {
        assertThat(e.errno()).isEqualTo(Errno.EINTR);
      }
      assertThat(store.gets.get()).isZero();
      assertThat(dst.position()).isZero();
    }
  }

  /** Holds GETs (ignoring interrupts) while the gate is closed. */
  private static final class GateStore extends ChunkTesting.CountingStore {
    final CountDownLatch entered = new CountDownLatch(1);
    private volatile CountDownLatch gate = new CountDownLatch(0);

    GateStore(ObjectStore next) {
      super(next);
    }

    void closeGate() {
      gate = new CountDownLatch(1);
    }

    void openGate() {
      gate.countDown();
    }

    @Override
    public InputStream get(String key, long off, long len) throws IOException {
      entered.countDown();
      boolean open = false;
      while (!open) {
        try {
          open = gate.await(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          // a request on the wire does not see interrupts
        }
      }
      return super.get(key, off, len);
    }
  }
}
