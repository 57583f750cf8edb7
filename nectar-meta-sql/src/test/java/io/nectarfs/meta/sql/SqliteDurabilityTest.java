package io.nectarfs.meta.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.meta.kv.KvDurability;
import io.nectarfs.meta.kv.TxnKv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite engine's durability barrier: offered by default, a shared WAL fsync. */
class SqliteDurabilityTest {
  @TempDir Path tmp;

  @Test
  void theEmbeddedDefaultOffersABarrierThatSyncsTheWal() throws Exception {
    Path db = tmp.resolve("meta/volume.db");
    try (TxnKv kv = SqliteMetaTest.open("sqlite3://" + db)) {
      KvDurability d = kv.capability(KvDurability.class).orElseThrow();
      kv.txn(tx -> {
        tx.put(new byte[] {1}, new byte[] {2});
        return null;
      });
      assertThat(db.resolveSibling("volume.db-wal")).as("commits go to the WAL").exists();
      d.sync();
      byte[] got = kv.read(tx -> tx.get(new byte[] {1}));
      assertThat(got).containsExactly(2);
    }
  }

  @Test
  void concurrentSyncsAllReturn() throws Exception {
    Path db = tmp.resolve("volume.db");
    try (TxnKv kv = SqliteMetaTest.open("sqlite3://" + db)) {
      KvDurability d = kv.capability(KvDurability.class).orElseThrow();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> all = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          byte k = (byte) t;
          all.add(pool.submit(() -> {
            for (int i = 0; i < 20; i++) {
              kv.txn(tx -> {
                tx.put(new byte[] {k}, new byte[] {1});
                return null;
              });
              d.sync();
            }
            return null;
          }));
        }
        for (Future<?> f : all) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void aMissingWalIsNothingToSync_andFullSyncsNothingItself() throws Exception {
    Path db = tmp.resolve("nowal.db");
    Files.createFile(db);
    new WalSync(db, false).sync(); // no log: every commit is in the database file
    new WalSync(tmp.resolve("missing/dir/x.db"), true).sync(); // full: each commit was durable already
  }
}
