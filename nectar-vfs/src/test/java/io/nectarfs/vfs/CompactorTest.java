package io.nectarfs.vfs;

import static io.nectarfs.common.OpenFlags.O_RDWR;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.chunk.ChunkConfig;
import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.chunk.ChunkStores;
import io.nectarfs.chunk.SliceWriter;
import io.nectarfs.common.Ctx;
import io.nectarfs.meta.Chunks;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.MetaEngines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction triggers are never lost. A commit that lands while its chunk is being compacted is
 * made deterministic with a chunk store that, on the compactor's first block read of an attempt,
 * runs a write on the compactor thread itself (so the commit is inside the run, every time).
 */
class CompactorTest {
  private static final int THRESHOLD = 4;
  private static final Duration GENEROUS = Duration.ofMinutes(5);
  @TempDir Path tmp;
  private final Ctx ctx = Ctx.ROOT;

  /** Runs {@code hook} on the compactor thread at the first read after each new compaction writer. */
  private static final class Interleaving extends ForwardingChunkStore {
    volatile int budget;
    volatile Runnable hook = () -> {};
    private boolean armed; // compactor thread only
    private boolean inHook; // compactor thread only

    Interleaving(ChunkStore inner) {
      super(inner);
    }

    private static boolean onCompactor() {
      return Thread.currentThread().getName().equals("nectar-compactor");
    }

    @Override
    public SliceWriter newWriter(long sliceId) {
      if (onCompactor() && !inHook) {
        armed = true; // a compaction attempt starts
      }
      return inner.newWriter(sliceId);
    }

    @Override
    public int read(long sliceId, int size, int off, ByteBuffer dst) throws IOException {
      if (onCompactor() && armed && !inHook && budget > 0) {
        armed = false;
        budget--;
        inHook = true;
        try {
          hook.run();
        } finally {
          inHook = false;
        }
      }
      return inner.read(sliceId, size, off, dst);
    }
  }

  /** One open file and the bytes it should hold. */
  private record File(Vfs vfs, long ino, long fh, byte[] expect) {
    /** Writes {@code n} bytes of {@code value} at {@code off} (within the expected image) and commits them. */
    void commit(long off, int n, byte value) {
      byte[] d = new byte[n];
      Arrays.fill(d, value);
      try {
        vfs.write(Ctx.ROOT, ino, fh, off, ByteBuffer.wrap(d));
        vfs.fsync(Ctx.ROOT, ino, fh, false);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      int at = (int) (off % Chunks.CHUNK_SIZE);
      System.arraycopy(d, 0, expect, at, n);
    }
  }

  /** A client whose VFS sees its chunk store through {@link Interleaving} (freed slices stay queued: no gc here). */
  private record Client(MetaClient meta, Vfs vfs, Interleaving store) implements AutoCloseable {
    static Client open(VfsHarness h) throws IOException {
      MetaClient meta = MetaClient.open(MetaEngines.registry().open(h.metaUrl, h.secrets), MetaConfig.defaults());
      Interleaving store = new Interleaving(ChunkStores.open(h.openStore(), ChunkConfig.inMemory(h.blockSize)));
      return new Client(meta, Vfses.open(meta, store, VfsConfig.defaults().withCompactThreshold(THRESHOLD)), store);
    }

    @Override
    public void close() throws IOException {
      vfs.close(); // closes the chunk store and the metadata client too
    }
  }

  private static File create(Vfs v, String name) throws IOException {
    var o = v.create(Ctx.ROOT, Meta.ROOT, name, 0644, 0, O_RDWR);
    return new File(v, o.entry().ino(), o.fh(), new byte[(THRESHOLD - 1) * 1000 + 2000]); // the extent of the commits below
  }

  private static void assertCompacted(Client c, File f, long chunkBase, int index) throws IOException {
    assertThat(c.meta().read(Ctx.ROOT, f.ino(), index).size()).as("slices of inode %d chunk %d", f.ino(), index).isLessThan(THRESHOLD);
    byte[] got = new byte[f.expect().length];
    int n = f.vfs().read(Ctx.ROOT, f.ino(), f.fh(), chunkBase, ByteBuffer.wrap(got));
    assertThat(n).isEqualTo(got.length);
    assertThat(got).isEqualTo(f.expect());
  }

  @Test
  void aCommitDuringEveryAttemptOfARun_isCompactedAfterwards() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (Client c = Client.open(h)) {
      File f = create(c.vfs(), "f");
      int[] next = {0};
      // More commits while compacting than a run makes attempts: every attempt finds the chunk changed.
      c.store().budget = 8;
      c.store().hook = () -> f.commit(1000 + 100 * next[0]++, 50, (byte) (100 + next[0]));
      for (int i = 0; i < THRESHOLD; i++) {
        f.commit(i * 1000L, 2000, (byte) (i + 1));
      }
      assertThat(((VfsImpl) c.vfs()).compactor().awaitIdle(GENEROUS)).as("compactor idle").isTrue();
      assertCompacted(c, f, 0, 0);
      assertThat(c.store().budget).as("every interleaved commit happened").isZero();
      c.vfs().release(ctx, f.ino(), f.fh());
    }
  }

  @Test
  void chunksWhosePairsCollidedInTheOldKey_areBothCompacted() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (Client c = Client.open(h)) {
      File a = create(c.vfs(), "a");
      File b = create(c.vfs(), "b");
      // (a, 31) and (a + 1, 0) had the same key ino * 31 + index.
      assertThat(b.ino()).as("consecutive inodes").isEqualTo(a.ino() + 1);
      long aBase = 31 * Chunks.CHUNK_SIZE;
      // While a's chunk 31 is being compacted, b's chunk 0 becomes fragmented.
      c.store().budget = 1;
      c.store().hook = () -> {
        for (int i = 0; i < THRESHOLD; i++) {
          b.commit(i * 1000L, 2000, (byte) (50 + i));
        }
      };
      for (int i = 0; i < THRESHOLD; i++) {
        a.commit(aBase + i * 1000L, 2000, (byte) (i + 1));
      }
      assertThat(((VfsImpl) c.vfs()).compactor().awaitIdle(GENEROUS)).as("compactor idle").isTrue();
      assertCompacted(c, a, aBase, 31);
      assertCompacted(c, b, 0, 0);
      assertThat(c.store().budget).as("the interleaved commits happened").isZero();
      c.vfs().release(ctx, a.ino(), a.fh());
      c.vfs().release(ctx, b.ino(), b.fh());
    }
  }

  @Test
  void chunkKeysOfDifferentPairsDiffer() {
    assertThat(new Compactor.ChunkKey(7, 31)).isNotEqualTo(new Compactor.ChunkKey(8, 0)).isEqualTo(new Compactor.ChunkKey(7, 31));
  }
}
