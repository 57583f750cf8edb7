package io.nectarfs.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What removing many small files costs after their unlinks (issue #13), counted, never timed: the
 * background job drops their chunks and frees their slices in a transaction per batch of files,
 * not two per file.
 */
class RemovalCostTest {
  private static final int FILES = 50;

  @Test
  void theDataOfManyUnlinkedFilesIsFreedInAFewTransactions() throws IOException {
    CountingKv kv = new CountingKv(MetaEngines.registry().open("mem://", new Secrets(java.util.Map.of())));
    MetaClient.format(kv, Format.builder("removal", "mem://removal").checksum(false).createdMillis(1).storageLayout(Format.LAYOUT_NAME).build(),
        false, Clock.SYSTEM);
    Set<Long> deleted = new HashSet<>();
    try (MetaClient m = MetaClient.open(kv, MetaConfig.defaults().withBackground(false).withFreeDelay(Duration.ZERO))) {
      m.onSliceFreed((id, size) -> deleted.add(id));
      long dir = m.mkdir(Ctx.ROOT, Meta.ROOT, "d", 0755, 0).ino();
      Set<Long> written = new HashSet<>();
      for (int i = 0; i < FILES; i++) {
        long ino = m.mknod(Ctx.ROOT, dir, "f" + i, FileType.FILE, 0644, 0, 0).ino();
        long id = m.newSliceId();
        m.write(Ctx.ROOT, ino, 0, new Slice(0, id, 4096, 0, 4096), 1);
        written.add(id);
      }
      for (int i = 0; i < FILES; i++) {
        m.unlink(Ctx.ROOT, dir, "f" + i);
      }
      kv.txns.set(0);
      m.runBackgroundJobs();
      assertThat(deleted).as("every slice's objects deleted").isEqualTo(written);
      // Before: one transaction per file to drop its chunks and one per file to forget its freed
      // slices (104 with the four job leases).
      assertThat(kv.txns.get()).as("write transactions of the background run").isLessThanOrEqualTo(6);
      kv.txns.set(0);
      m.runBackgroundJobs();
      assertThat(kv.txns.get()).as("nothing left: only the job leases").isLessThanOrEqualTo(5);
    }
  }

  /** Counts write transactions. */
  private static final class CountingKv implements TxnKv {
    final AtomicInteger txns = new AtomicInteger();
    private final TxnKv next;

    CountingKv(TxnKv next) {
      this.next = next;
    }

    @Override
    public <T> T txn(Body<T> body) throws IOException {
      txns.incrementAndGet();
      return next.txn(body);
    }

    @Override
    public <T> T read(Body<T> body) throws IOException {
      return next.read(body);
    }

    @Override
    public <T> Bulk<T> bulkRead(int pageSize, Body<T> body) throws IOException {
      return next.bulkRead(pageSize, body);
    }

    @Override
    public String describe() {
      return next.describe();
    }

    @Override
    public void reset() throws IOException {
      next.reset();
    }

    @Override
    public void close() throws IOException {
      next.close();
    }
  }
}
