package io.nectarfs.meta.sql;

/**
 * The SQL texts of one engine's table, built once: a transaction neither concatenates them anew
 * nor hashes new strings, and they are the keys of a connection's prepared statements, a fixed
 * set (at most {@code 4 * MAX_KEYS + 10} texts). Immutable.
 */
final class SqlTexts {
  /** Keys per {@code k IN (...)} statement. */
  static final int MAX_KEYS = 100;
  static final String COMMIT = "COMMIT";
  static final String ROLLBACK = "ROLLBACK";
  /** Around each body of a group commit ({@link SqlKv}): one savepoint name, never nested. */
  static final String SAVEPOINT = "SAVEPOINT body";
  static final String RELEASE = "RELEASE body";
  static final String ROLLBACK_TO = "ROLLBACK TO body";

  final String beginRead;
  final String beginWrite;
  private final String[] get = new String[2];
  private final String[] scan = new String[4];
  private final String[][] getMany = new String[2][MAX_KEYS + 1];
  private final String[] upsert = new String[MAX_KEYS + 1];
  private final String[] delete = new String[MAX_KEYS + 1];

  private final Dialect dialect;
  private final String table;
  private final java.util.Map<Long, String> manyAndRanges = new java.util.concurrent.ConcurrentHashMap<>();

  SqlTexts(Dialect d, String table) {
    this.dialect = d;
    this.table = table;
    beginRead = d.beginRead();
    beginWrite = d.beginWrite();
    for (int n = 1; n <= MAX_KEYS; n++) {
      upsert[n] = d.upsert(table, n);
      delete[n] = d.delete(table, n);
    }
    for (int w = 0; w < 2; w++) {
      get[w] = d.get(table, w == 1);
      scan[w] = d.scan(table, false, w == 1);
      scan[2 + w] = d.scan(table, true, w == 1);
      for (int n = 1; n <= MAX_KEYS; n++) {
        getMany[w][n] = d.getMany(table, n, w == 1);
      }
    }
  }

  /** One key's value; {@code write}: in a write transaction (locking read where the dialect needs one). */
  String get(boolean write) {
    return get[write ? 1 : 0];
  }

  /** The values of {@code n} keys, 1 to {@link #MAX_KEYS}. */
  String getMany(int n, boolean write) {
    return getMany[write ? 1 : 0][n];
  }

  /**
   * The values of {@code n} keys (0 to {@link #MAX_KEYS}) and the first {@code rows} rows of each of
   * {@code ranges} ranges in one statement: parameters the keys, then start and end of each range;
   * columns k, v and the part (0: a key, r: a row of range r, from 1). SQLite only.
   */
  String getManyAndRanges(int n, int ranges, int rows, boolean write) {
    return manyAndRanges.computeIfAbsent(((long) n << 32) | ((long) ranges << 16) | rows,
        x -> dialect.getManyAndRanges(table, n, ranges, rows, write));
  }

  /** Sets {@code n} keys, 1 to {@link #MAX_KEYS}: parameters key, value, key, value, ... */
  String upsert(int n) {
    return upsert[n];
  }

  /** Deletes {@code n} keys, 1 to {@link #MAX_KEYS}. */
  String delete(int n) {
    return delete[n];
  }

  /** A page of a range from a start key, with an end key when {@code bounded}. */
  String scan(boolean bounded, boolean write) {
    return scan[(bounded ? 2 : 0) + (write ? 1 : 0)];
  }
}
