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

  /** Counts prefetch requests; everything else is passed on. */
  private static final class Counting extends ForwardingChunkStore {
    final AtomicLong prefetched = new AtomicLong();

    Counting(ChunkStore inner) {
      super(inner);
    }

    @Override
    public void prefetch(long sliceId, int size, int off, int len) {
      prefetched.addAndGet(len);
      inner.prefetch(sliceId, size, off, len);
    }
  }

  private interface Body {
    void run(Vfs vfs, long ino, long fh) throws IOException;
  }

  /** Writes an 8 MiB file, opens it read-only and runs {@code body}; returns the bytes asked to prefetch during it. */
  private long prefetchedDuring(Body body) throws IOException {
    VfsHarness h = VfsHarness.memory(tmp);
    MetaClient meta = MetaClient.open(MetaEngines.registry().open(h.metaUrl, h.secrets), MetaConfig.defaults());
    Counting chunks = new Counting(ChunkStores.open(h.openStore(), ChunkConfig.inMemory(h.blockSize)));
    try (Vfs vfs = Vfses.open(meta, chunks, VfsConfig.defaults(), Clock.SYSTEM, Metrics.create())) {
      var o = vfs.create(ctx, Meta.ROOT, "f", 0644, 0, O_RDWR);
      long ino = o.entry().ino();
      byte[] data = new byte[FILE];
      new Random(5).nextBytes(data);
      vfs.write(ctx, ino, o.fh(), 0, ByteBuffer.wrap(data));
      vfs.release(ctx, ino, o.fh());
      long fh = vfs.open(ctx, ino, O_RDONLY);
      long before = chunks.prefetched.get();
      body.run(vfs, ino, fh);
      long during = chunks.prefetched.get() - before;
      vfs.release(ctx, ino, fh);
      return during;
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
