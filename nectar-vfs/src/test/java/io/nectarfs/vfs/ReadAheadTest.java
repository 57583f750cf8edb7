package io.nectarfs.vfs;

import static io.nectarfs.common.OpenFlags.O_RDONLY;
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
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read-ahead of {@link FileReader}, counted at the chunk store: how many bytes it asks to prefetch. */
class ReadAheadTest {
  private static final int READ = 64 << 10;
  private static final int FILE = 8 << 20;
  @TempDir Path tmp;
  private final Ctx ctx = Ctx.ROOT;

  /**
   * Counts the bytes asked to prefetch; everything else is passed on. With {@code oneBlockEach} it
   * takes only the rest of the first block of each request, as a full download queue does, and
   * marks the blocks it took.
   */
  private static final class Counting extends ForwardingChunkStore {
    final AtomicLong prefetched = new AtomicLong();
    final BitSet blocks = new BitSet();
    final boolean oneBlockEach;
    final int bs;

    Counting(ChunkStore inner, boolean oneBlockEach) {
      super(inner);
      this.oneBlockEach = oneBlockEach;
      this.bs = inner.blockSize();
    }

    @Override
    public int prefetch(long sliceId, int size, int off, int len) {
      prefetched.addAndGet(len);
      if (!oneBlockEach) {
        return inner.prefetch(sliceId, size, off, len);
      }
      int took = Math.min(len, bs - off % bs); // taken, not fetched: the reads fetch for themselves
      synchronized (blocks) {
        blocks.set(off / bs, Math.ceilDiv(off + took, bs));
      }
      return took;
    }
  }

  private interface Body {
    void run(Vfs vfs, long ino, long fh) throws IOException;
  }

  /** Writes an 8 MiB file, opens it read-only and runs {@code body}; returns the bytes asked to prefetch during it. */
  private long prefetchedDuring(Body body) throws IOException {
    return prefetchingDuring(false, body).prefetched.get();
  }

  /** The same, with the chunk store's counts (taken from the file's open on). */
  private Counting prefetchingDuring(boolean oneBlockEach, Body body) throws IOException {
    VfsHarness h = VfsHarness.memory(tmp);
    MetaClient meta = MetaClient.open(MetaEngines.registry().open(h.metaUrl, h.secrets), MetaConfig.defaults());
    Counting chunks = new Counting(ChunkStores.open(h.openStore(), ChunkConfig.inMemory(h.blockSize)), oneBlockEach);
    try (Vfs vfs = Vfses.open(meta, chunks, VfsConfig.defaults(), Clock.SYSTEM, Metrics.create())) {
      var o = vfs.create(ctx, Meta.ROOT, "f", 0644, 0, O_RDWR);
      long ino = o.entry().ino();
      byte[] data = new byte[FILE];
      new Random(5).nextBytes(data);
      vfs.write(ctx, ino, o.fh(), 0, ByteBuffer.wrap(data));
      vfs.release(ctx, ino, o.fh());
      long fh = vfs.open(ctx, ino, O_RDONLY);
      chunks.prefetched.set(0);
      chunks.blocks.clear();
      body.run(vfs, ino, fh);
      vfs.release(ctx, ino, fh);
      return chunks;
    }
  }

  private static void read(Vfs vfs, long ino, long fh, long off, int len) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(len);
    assertThat(vfs.read(Ctx.ROOT, ino, fh, off, b)).isEqualTo(len);
  }

  @Test
  void sequentialReadsArrivingSlightlyOutOfOrder_keepTheWindowGrowing() throws IOException {
    // Pairs swapped, as concurrent kernel read-ahead requests arrive: 1, 0, 3, 2, 5, 4, ...
    long prefetched = prefetchedDuring((vfs, ino, fh) -> {
      for (int i = 0; i < 32; i += 2) {
        read(vfs, ino, fh, (long) (i + 1) * READ, READ);
        read(vfs, ino, fh, (long) i * READ, READ);
      }
    });
    assertThat(prefetched).as("read-ahead past the 2 MiB read").isGreaterThanOrEqualTo(4L << 20);
  }

  @Test
  void inOrderSequentialReads_prefetchAhead() throws IOException {
    long prefetched = prefetchedDuring((vfs, ino, fh) -> {
      for (int i = 0; i < 32; i++) {
        read(vfs, ino, fh, (long) i * READ, READ);
      }
    });
    assertThat(prefetched).isGreaterThanOrEqualTo(4L << 20);
  }

  @Test
  void aPrefetchTheStoreCouldNotTakeWhole_isAskedAgain_soNoBlockAheadIsSkipped() throws IOException {
    Counting c = prefetchingDuring(true, (vfs, ino, fh) -> {
      for (int i = 0; i < FILE / READ; i++) {
        read(vfs, ino, fh, (long) i * READ, READ);
      }
    });
    int bs = c.bs;
    // The window starts with the second read; from there on every block ahead was prefetched.
    assertThat(c.blocks.nextClearBit(2 * READ / bs)).as("first block ahead never prefetched (blocks of %d bytes)", bs)
        .isEqualTo(FILE / bs);
  }

  @Test
  void small_randomReads_prefetchNothing() throws IOException {
    Random r = new Random(6);
    long prefetched = prefetchedDuring((vfs, ino, fh) -> {
      long last = -(1L << 30);
      for (int i = 0; i < 200; i++) {
        long off = (long) r.nextInt(FILE / 4096) * 4096;
        if (Math.abs(off - last) < (1 << 20)) {
          continue; // near the previous read: not random
        }
        read(vfs, ino, fh, off, 4096);
        last = off;
      }
    });
    assertThat(prefetched).as("4 KiB random reads must not trigger read-ahead").isZero();
  }
}
