package io.nectarfs.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Metrics;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.kv.MeteredTxnKv;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongSupplier;
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
    Metrics metrics = Metrics.create();
    TxnKv kv = MeteredTxnKv.wrap(MetaEngines.registry().open("mem://", new Secrets(java.util.Map.of())), metrics);
    LongSupplier txns = () -> metrics.findLatency("nectar_meta_txn", "op", "txn", "engine", "mem").orElseThrow().count();
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
      long before = txns.getAsLong();
      m.runBackgroundJobs();
      assertThat(deleted).as("every slice's objects deleted").isEqualTo(written);
      // Before: one transaction per file to drop its chunks and one per file to forget its freed
      // slices (104 with the four job leases).
      assertThat(txns.getAsLong() - before).as("write transactions of the background run").isLessThanOrEqualTo(6);
      before = txns.getAsLong();
      m.runBackgroundJobs();
      assertThat(txns.getAsLong() - before).as("nothing left: only the job leases").isLessThanOrEqualTo(5);
    }
  }
}
