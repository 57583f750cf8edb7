package io.nectarfs.meta.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.meta.kv.TxnKv;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite table layout: new databases get a rowid table (large values then never sit in the
 * key's B-tree, where searches had to read their overflow pages); databases made with the earlier
 * {@code WITHOUT ROWID} table keep it and work as before.
 */
class SqliteLayoutTest {
  @TempDir Path tmp;

  @Test
  void aNewDatabaseHoldsItsRowsInARowidTable() throws Exception {
    Path db = tmp.resolve("new.db");
    try (TxnKv kv = SqliteMetaTest.open("sqlite3://" + db)) {
      exercise(kv);
    }
    assertThat(tableSql(db)).contains("nectar_kv").doesNotContainIgnoringCase("without rowid");
  }

  @Test
  void aDatabaseWithTheEarlierWithoutRowidTableKeepsWorking() throws Exception {
    Path db = tmp.resolve("old.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("CREATE TABLE nectar_kv (k BLOB NOT NULL PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID");
    }
    try (TxnKv kv = SqliteMetaTest.open("sqlite3://" + db)) {
      exercise(kv);
    }
    assertThat(tableSql(db)).containsIgnoringCase("without rowid");
  }

  /** Values above a page next to small ones: put, overwrite, counters, delete, ordered range scan. */
  private static void exercise(TxnKv kv) throws Exception {
    byte[] big = new byte[10_000];
    Arrays.fill(big, (byte) 7);
    kv.txn(tx -> {
      for (int i = 0; i < 200; i++) {
        tx.put(new byte[] {'a', (byte) i}, i % 2 == 0 ? big : new byte[] {(byte) i});
      }
      tx.incrBy(new byte[] {'c'}, 5);
      return null;
    });
    kv.txn(tx -> {
      tx.put(new byte[] {'a', 1}, big);
      tx.delete(new byte[] {'a', 2});
      tx.incrBy(new byte[] {'c'}, 2);
      return null;
    });
    List<byte[]> keys = new ArrayList<>();
    kv.read(tx -> {
      tx.scan(new byte[] {'a'}, new byte[] {'b'}, 0, (k, v) -> keys.add(k));
      assertThat(tx.get(new byte[] {'a', 1})).isEqualTo(big);
      assertThat(tx.get(new byte[] {'a', 3})).containsExactly(3);
      assertThat(tx.get(new byte[] {'a', 2})).isNull();
      return null;
    });
    assertThat(keys).hasSize(199);
    for (int i = 1; i < keys.size(); i++) {
      assertThat(Arrays.compareUnsigned(keys.get(i - 1), keys.get(i))).as("scan order").isNegative();
    }
    assertThat(java.nio.ByteBuffer.wrap(kv.read(tx -> tx.get(new byte[] {'c'}))).getLong()).isEqualTo(7);
  }

  private static String tableSql(Path db) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'nectar_kv'")) {
      assertThat(r.next()).isTrue();
      return r.getString(1);
    }
  }
}
