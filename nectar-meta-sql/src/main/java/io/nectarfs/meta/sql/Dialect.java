package io.nectarfs.meta.sql;

import java.sql.SQLException;
import java.util.Locale;

/**
 * What differs between the SQL databases: DDL, transaction start, locking reads, upserts and
 * which errors mean "lost a conflict, run again".
 */
enum Dialect {
  /** Writers serialize on the database's write lock ({@code BEGIN IMMEDIATE}); WAL readers don't block. */
  SQLITE("sqlite3") {
    @Override
    String createTable(String t) {
      // A rowid table (the key's index holds only keys and rowids), not WITHOUT ROWID: there, the
      // B-tree holds whole rows, so a value larger than a page (inline file data, a long slice
      // list) that became a divider in an interior page made every search that passed it read the
      // overflow page (about 120 page reads per small-file create instead of about 12).
      // Volumes made before keep their WITHOUT ROWID table; the SQL below works on both.
      return "CREATE TABLE IF NOT EXISTS " + t + " (k BLOB NOT NULL PRIMARY KEY, v BLOB NOT NULL)";
    }

    @Override
    String beginWrite() {
      return "BEGIN IMMEDIATE";
    }

    @Override
    String beginRead() {
      return "BEGIN DEFERRED";
    }

    @Override
    String upsert(String t, int n) {
      return "INSERT INTO " + t + " (k, v) VALUES " + rows(n) + " ON CONFLICT (k) DO UPDATE SET v = excluded.v";
    }

    @Override
    boolean isConflict(SQLException e) {
      // SQLITE_BUSY (5) and SQLITE_LOCKED (6), also as extended codes (e.g. BUSY_SNAPSHOT = 517).
      int primary = e.getErrorCode() & 0xff;
      String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      return primary == 5 || primary == 6 || m.contains("database is locked") || m.contains("sqlite_busy");
    }
  },

  /** Write transactions are SERIALIZABLE (SSI): conflicts surface as 40001 and are retried. */
  POSTGRES("postgres") {
    @Override
    String createTable(String t) {
      return "CREATE TABLE IF NOT EXISTS " + t + " (k BYTEA NOT NULL PRIMARY KEY, v BYTEA NOT NULL)";
    }

    @Override
    String beginWrite() {
      return "BEGIN ISOLATION LEVEL SERIALIZABLE";
    }

    @Override
    String beginRead() {
      return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    }

    @Override
    String upsert(String t, int n) {
      return "INSERT INTO " + t + " (k, v) VALUES " + rows(n) + " ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v";
    }

    @Override
    boolean isConflict(SQLException e) {
      String s = e.getSQLState();
      return "40001".equals(s) || "40P01".equals(s);
    }
  },

  /**
   * InnoDB at REPEATABLE READ with {@code FOR UPDATE} on every read of a write transaction:
   * exclusive record and next-key (gap) locks make writers strict two-phase locking, so the
   * transactions serialize; racing inserts into one gap deadlock (1213) and are retried.
   */
  MYSQL("mysql") {
    @Override
    String createTable(String t) {
      // 767 bytes fits the InnoDB index limit of every row format; keys are < 300 bytes.
      return "CREATE TABLE IF NOT EXISTS " + t + " (k VARBINARY(767) NOT NULL PRIMARY KEY, v LONGBLOB NOT NULL) ENGINE=InnoDB";
    }

    @Override
    String beginWrite() {
      return "START TRANSACTION";
    }

    @Override
    String beginRead() {
      return "START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT";
    }

    @Override
    String lockingSuffix() {
      return " FOR UPDATE";
    }

    @Override
    String upsert(String t, int n) {
      return "INSERT INTO " + t + " (k, v) VALUES " + rows(n) + " ON DUPLICATE KEY UPDATE v = VALUES(v)";
    }

    @Override
    boolean isConflict(SQLException e) {
      int c = e.getErrorCode();
      // 1213 deadlock, 1205 lock wait timeout, 1020 "record has changed since last read" (MariaDB).
      return c == 1213 || c == 1205 || c == 1020 || "40001".equals(e.getSQLState());
    }
  };

  final String scheme;

  Dialect(String scheme) {
    this.scheme = scheme;
  }

  abstract String createTable(String table);

  abstract String beginWrite();

  abstract String beginRead();

  /** Appended to the reads of a write transaction; empty where the isolation level suffices. */
  String lockingSuffix() {
    return "";
  }

  /** Sets {@code n} distinct keys: parameters key, value, key, value, ... */
  abstract String upsert(String table, int n);

  /** {@code n} rows of parameters {@code (?, ?)}. */
  private static String rows(int n) {
    return "(?, ?), ".repeat(n - 1) + "(?, ?)";
  }

  /** True when {@code e} means the transaction lost a conflict and may succeed when run again. */
  abstract boolean isConflict(SQLException e);

  String get(String table, boolean write) {
    return "SELECT v FROM " + table + " WHERE k = ?" + (write ? lockingSuffix() : "");
  }

  /** The values of {@code n} keys in one statement. */
  String getMany(String table, int n, boolean write) {
    return "SELECT k, v FROM " + table + " WHERE k IN (" + "?,".repeat(n - 1) + "?)" + (write ? lockingSuffix() : "");
  }

  /** See {@link SqlTexts#getManyAndRanges}; the SQL is SQLite's (compound SELECT of subqueries). */
  String getManyAndRanges(String table, int n, int ranges, int rows, boolean write) {
    StringBuilder b = new StringBuilder();
    if (n > 0) {
      b.append("SELECT k, v, 0 FROM ").append(table).append(" WHERE k IN (").append("?,".repeat(n - 1)).append("?)");
    }
    for (int r = 1; r <= ranges; r++) {
      if (!b.isEmpty()) {
        b.append(" UNION ALL ");
      }
      b.append("SELECT * FROM (SELECT k, v, ").append(r).append(" FROM ").append(table)
          .append(" WHERE k >= ? AND k < ? ORDER BY k LIMIT ").append(rows).append(')');
    }
    return b.append(write ? lockingSuffix() : "").toString();
  }

  String scan(String table, boolean bounded, boolean write) {
    return "SELECT k, v FROM " + table + " WHERE k >= ?" + (bounded ? " AND k < ?" : "") + " ORDER BY k LIMIT ?"
        + (write ? lockingSuffix() : "");
  }

  /** Deletes {@code n} keys. */
  String delete(String table, int n) {
    return "DELETE FROM " + table + " WHERE k IN (" + "?,".repeat(n - 1) + "?)";
  }
}
