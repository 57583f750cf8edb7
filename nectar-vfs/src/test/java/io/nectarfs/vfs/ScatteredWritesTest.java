package io.nectarfs.vfs;

import static io.nectarfs.common.OpenFlags.O_RDWR;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.chunk.ChunkConfig;
import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.chunk.ChunkStores;
import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Metrics;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.testkit.meta.TestClock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random small writes: each lands in a slice of its own, so a flush commits hundreds of slices.
 * It must neither cost a metadata transaction per slice nor upload them one after the other (a
 * write waiting on that flush stalled for tens of seconds through a mount).
 */
class ScatteredWritesTest {
  private static final int PIECE = 4096;
  private static final int STRIDE = 16 << 10; // gaps between the pieces: no two share a slice
  @TempDir Path tmp;
  private final Ctx ctx = Ctx.ROOT;
  private CountingKv kv;
  private GatedStore store;
  private Vfs vfs;

  @BeforeEach
  void open() throws IOException {
    VfsHarness h = VfsHarness.memory(tmp);
    kv = new CountingKv(MetaEngines.registry().open(h.metaUrl, h.secrets), Thread.currentThread());
    MetaClient meta = MetaClient.open(kv, MetaConfig.defaults().withHeartbeat(Duration.ofHours(1)));
    store = new GatedStore(h.openStore());
    Metrics metrics = Metrics.create();
    ChunkStore chunks = ChunkStores.open(store, ChunkConfig.inMemory(h.blockSize), Clock.SYSTEM, metrics);
    meta.onSliceFreed(chunks::remove);
    vfs = Vfses.open(meta, chunks, VfsConfig.defaults(), Clock.SYSTEM, metrics);
  }

  @AfterEach
  void close() throws Exception {
    store.open(); // never leave an upload waiting
    vfs.close();
  }

  /** Writes {@code n} pieces in a shuffled order at multiples of {@link #STRIDE}; returns the expected file. */
  private byte[] scatter(long ino, long fh, int n) throws IOException {
    byte[] expected = new byte[(n - 1) * STRIDE + PIECE];
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    Random r = new Random(42);
    Collections.shuffle(order, r);
    for (int i : order) {
      byte[] piece = new byte[PIECE];
      r.nextBytes(piece);
      System.arraycopy(piece, 0, expected, i * STRIDE, PIECE);
      vfs.write(ctx, ino, fh, (long) i * STRIDE, ByteBuffer.wrap(piece));
    }
    return expected;
  }

  private byte[] readAll(long ino, long fh, int len) throws IOException {
    ByteBuffer dst = ByteBuffer.allocate(len);
    while (dst.hasRemaining()) {
      if (vfs.read(ctx, ino, fh, dst.position(), dst) <= 0) {
        break;
      }
    }
    return Arrays.copyOf(dst.array(), dst.position());
  }

  @Test
  void aFlushOfScatteredWrites_commitsThemInAFewTransactions() throws IOException {
    var o = vfs.create(ctx, Meta.ROOT, "scattered", 0644, 022, O_RDWR);
    long ino = o.entry().ino();
    byte[] expected = scatter(ino, o.fh(), 600);
    kv.zero();
    vfs.flush(ctx, ino, o.fh(), 1);
    assertThat(kv.txns.get()).as("write transactions of a flush of 600 slices of one chunk (512 per commit)").isLessThanOrEqualTo(2);
    assertThat(readAll(ino, o.fh(), expected.length)).isEqualTo(expected);
    vfs.release(ctx, ino, o.fh());
  }

  @Test
  void aFlushOfScatteredWrites_uploadsTheSlicesAtOnce() throws Exception {
    var o = vfs.create(ctx, Meta.ROOT, "parallel", 0644, 022, O_RDWR);
    long ino = o.entry().ino();
    byte[] expected = scatter(ino, o.fh(), 64);
    store.closeUntil(4);
    vfs.flush(ctx, ino, o.fh(), 1);
    assertThat(store.maxInFlight.get()).as("uploads in flight at once during the flush").isGreaterThanOrEqualTo(4);
    assertThat(readAll(ino, o.fh(), expected.length)).isEqualTo(expected);
    vfs.release(ctx, ino, o.fh());
  }

  @Test
  void theBackgroundFlush_commitsTheOldestSlicesABoundedBatchAtATime() throws Exception {
    vfs.close();
    VfsHarness h = VfsHarness.memory(tmp);
    TestClock clock = new TestClock();
    MetaClient meta = MetaClient.open(MetaEngines.registry().open(h.metaUrl, h.secrets), MetaConfig.defaults().withHeartbeat(Duration.ofHours(1)));
    Metrics metrics = Metrics.create();
    store = new GatedStore(h.openStore());
    ChunkStore chunks = ChunkStores.open(store, ChunkConfig.inMemory(h.blockSize), Clock.SYSTEM, metrics);
    meta.onSliceFreed(chunks::remove);
    vfs = Vfses.open(meta, chunks, VfsConfig.defaults(), clock, metrics);
    var o = vfs.create(ctx, Meta.ROOT, "background", 0644, 022, O_RDWR);
    long ino = o.entry().ino();
    byte[] expected = scatter(ino, o.fh(), FileWriter.SLICES_PER_COMMIT + 88);
    FileWriter w = ((VfsImpl) vfs).writer(ino);
    long before = w.flushes();
    clock.advance(Duration.ofMinutes(1)); // due: the flusher (every 100 ms) takes it from here
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (w.hasPending() && System.nanoTime() < deadline) {
      Thread.sleep(10); // polling a condition, with a generous deadline
    }
    assertThat(w.hasPending()).as("committed in the background").isFalse();
    assertThat(w.flushes() - before).as("background flushes: one bounded batch, then the rest").isEqualTo(2);
    assertThat(readAll(ino, o.fh(), expected.length)).isEqualTo(expected);
    vfs.release(ctx, ino, o.fh());
  }

  /**
   * Counts puts in flight; once {@link #closeUntil} is set, a put waits until that many are in
   * flight together, or a generous deadline passes (a flush that uploads one slice at a time);
   * then the gate opens for good and the count tells which it was.
   */
  private static final class GatedStore extends ForwardingObjectStore {
    final AtomicInteger maxInFlight = new AtomicInteger();
    private int inFlight; // guarded by this
    private int gate; // guarded by this; 0: open

    GatedStore(ObjectStore next) {
      super(next);
    }

    synchronized void closeUntil(int n) {
      gate = n;
    }

    synchronized void open() {
      gate = 0;
      notifyAll();
    }

    @Override
    public void put(String key, InputStream data, long length) throws IOException {
      synchronized (this) {
        inFlight++;
        maxInFlight.accumulateAndGet(inFlight, Math::max);
        notifyAll();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try {
          while (gate > 0 && inFlight < gate && System.nanoTime() < deadline) {
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
          }
          gate = 0; // reached (or given up on): everyone goes on
          notifyAll();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("put interrupted");
        }
      }
      try {
        next.put(key, data, length);
      } finally {
        synchronized (this) {
          inFlight--;
        }
      }
    }
  }
}
