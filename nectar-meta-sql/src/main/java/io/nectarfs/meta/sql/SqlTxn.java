package io.nectarfs.meta.sql;

import io.nectarfs.meta.kv.Bytes;
import io.nectarfs.meta.kv.KvTxn;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One SQL transaction seen as a {@link KvTxn}. Statements come from the connection's lease
 * ({@link SqlConnections.Lease#prepare}: on SQLite prepared once per connection, on the servers
 * once per transaction).
 * Scans read a page of rows, close the result set and only then call the visitor, so a visitor
 * may use the transaction (every driver allows that) and may stop early without a dangling cursor.
 *
 * <p>Values read are kept for the rest of the transaction and kept current by its own writes, so a
 * key is selected at most once (the isolation level makes a second read answer the same: see
 * {@link Dialect}); {@link #prefetch} selects several keys in one statement ahead of their reads.
 * Writes are kept too and sent together ({@link #flush}: one statement per kind, not one per key)
 * before COMMIT, or before a scan whose range holds some of them; the database's locks and
 * conflict checks then see them at that point instead of at each call, which serializable
 * isolation (and MySQL's locking reads of everything read before) makes equivalent.
 *
 * <p>A <em>lazy</em> read ({@link SqlKv#read}) sends no BEGIN up front: when its first statement
 * is a point read (keys, a prefetch) it runs alone, as the database's own one-statement
 * transaction, which reads one snapshot; a lookup or getattr then costs one statement instead of
 * three (on the servers one round trip instead of three). A scan first begins the transaction as
 * usual. A second statement after a lone first one begins the transaction then and reads again
 * what the first one read (its keys, and the ranges it read whole): when all is the same, the body
 * goes on in that snapshot (as many statements as a read begun up front); when anything changed
 * meanwhile, the read is refused ({@link #needsSnapshot}) and the caller runs the body again
 * inside BEGIN ... COMMIT.
 *
 * <p>Not thread-safe: a transaction belongs to the thread running its body. After any statement
 * failed the transaction is doomed ({@link #failure()}): PostgreSQL would otherwise turn the
 * final COMMIT of an aborted transaction into a silent rollback.
 */
final class SqlTxn implements KvTxn {
  static final int PAGE = 512;
  /** Bytes of keys and values after which a multi-row upsert is cut (well below MySQL's 16 MiB default packet). */
  static final long MAX_BATCH_BYTES = 1 << 20;

  private final SqlKv kv;
  private final SqlConnections.Lease conn;
  private final SqlTexts sql;
  private final boolean readOnly;
  private final int page;
  /** Writes not sent yet, in key order ({@link #ABSENT}: a deletion); see {@link #flush}. */
  private final java.util.TreeMap<byte[], byte[]> pending = new java.util.TreeMap<>(Bytes.ORDER);
  /** Key → value as this transaction last read or wrote it ({@link #ABSENT}: no such key). */
  private final Map<java.nio.ByteBuffer, byte[]> known = new HashMap<>();
  /** Rows a range prefetch reads at most per range; a range with fewer was read whole. */
  static final int RANGE_ROWS = 16;
  /** Prefix → its keys, for ranges read whole by {@link #prefetchWithRanges} since the last flush. */
  private final Map<java.nio.ByteBuffer, List<byte[]>> wholeRanges = new HashMap<>();
  private static final byte[] ABSENT = new byte[0];
  private IOException failure;
  /** Whether BEGIN was sent (before the body, unless lazy: see the class comment). */
  private boolean begun;
  /** Statements of the body so far. */
  private int statements;
  /** Set when a lazy read needed a second statement after a lone first one: its results do not count. */
  private boolean needsSnapshot;

  /** Thrown at a lazy read's second statement after a lone first one (see {@link #needsSnapshot}). */
  static final class NeedsSnapshot extends RuntimeException {
    NeedsSnapshot() {
      super("a second statement needs the first one's snapshot: run again in a transaction", null, false, false);
    }
  }

  /**
   * A transaction whose scans read {@code page} rows per statement (bulk reads use large pages).
   * Nothing is sent yet: the caller {@link #begin}s it, or leaves a read-only one lazy (see the
   * class comment).
   */
  SqlTxn(SqlKv kv, SqlConnections.Lease conn, boolean readOnly, int page) {
    this.kv = kv;
    this.conn = conn;
    this.sql = kv.sql();
    this.readOnly = readOnly;
    this.page = Math.max(1, page);
  }

  /** Sends {@code statement} (a BEGIN, or a SAVEPOINT inside a transaction) before the body: from here COMMIT or ROLLBACK must follow. */
  void begin(String statement) throws SQLException {
    conn.execute(statement);
    begun = true;
  }

  @Override
  public void snapshotNow() throws IOException {
    if (!begun && statements == 0) {
      try {
        begin(sql.beginRead);
      } catch (SQLException e) {
        throw fail("begin", e);
      }
    }
  }

  /** Whether BEGIN was sent, so COMMIT (or ROLLBACK) must follow. */
  boolean begun() {
    return begun;
  }

  /** Whether this lazy read must run again in a transaction (whatever its body returned or threw). */
  boolean needsSnapshot() {
    return needsSnapshot;
  }

  /**
   * Before each statement of the body: a lazy read's first point read runs alone; a first scan
   * begins the transaction; a second statement after a lone first one begins it and goes on only
   * if the first one's reads still hold ({@link #sameAsRead}).
   */
  private void statement(boolean point) throws SQLException {
    if (!begun) {
      if (!readOnly) {
        throw new IllegalStateException("a write transaction begins before its body");
      }
      if (statements == 0 && point) {
        statements++;
        return;
      }
      begin(sql.beginRead);
      if (statements > 0 && !sameAsRead()) {
        needsSnapshot = true;
        throw new NeedsSnapshot();
      }
    }
    statements++;
  }

  /**
   * Whether the transaction just begun reads what the lone first statement read: every key it
   * knows with the same value (or still absent), and every range it read whole with the same keys.
   */
  private boolean sameAsRead() throws SQLException {
    List<byte[]> keys = new ArrayList<>(known.size());
    for (java.nio.ByteBuffer k : known.keySet()) {
      keys.add(k.array());
    }
    Map<java.nio.ByteBuffer, byte[]> found = new HashMap<>();
    for (int from = 0; from < keys.size(); from += SqlTexts.MAX_KEYS) {
      selectMany(keys.subList(from, Math.min(keys.size(), from + SqlTexts.MAX_KEYS)), found);
    }
    for (Map.Entry<java.nio.ByteBuffer, byte[]> e : known.entrySet()) {
      byte[] now = found.get(e.getKey());
      if (e.getValue() == ABSENT ? now != null : now == null || !java.util.Arrays.equals(now, e.getValue())) {
        return false;
      }
    }
    for (Map.Entry<java.nio.ByteBuffer, List<byte[]>> r : wholeRanges.entrySet()) {
      byte[] prefix = r.getKey().array();
      PreparedStatement ps = conn.prepare(sql.scan(true, false));
      ps.setBytes(1, prefix);
      ps.setBytes(2, Bytes.prefixEnd(prefix));
      ps.setInt(3, RANGE_ROWS);
      List<byte[]> now = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          now.add(rs.getBytes(1));
        }
      }
      if (now.size() != r.getValue().size()) {
        return false;
      }
      for (int i = 0; i < now.size(); i++) {
        if (!java.util.Arrays.equals(now.get(i), r.getValue().get(i))) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public byte[] get(byte[] key) throws IOException {
    Objects.requireNonNull(key, "key");
    byte[] k = known.get(java.nio.ByteBuffer.wrap(key));
    if (k != null) {
      return k == ABSENT ? null : k;
    }
    try {
      statement(true);
      PreparedStatement ps = conn.prepare(sql.get(!readOnly));
      ps.setBytes(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        byte[] v = rs.next() ? value(rs, 1) : null;
        remember(key, v);
        return v;
      }
    } catch (SQLException e) {
      throw fail("get", e);
    }
  }

  /**
   * Selects the keys not known yet in one statement (per 100 keys); their reads then cost none.
   * On SQLite the small ranges come in the same statement ({@link #prefetchWithRanges}); on the
   * servers ranges are left to their scans (one statement each anyway), so a read that will scan
   * begins its snapshot first ({@link #snapshotNow}) rather than re-read these keys at the scan.
   */
  @Override
  public void prefetch(List<byte[]> keys, List<byte[]> prefixes) throws IOException {
    if (prefixes.isEmpty()) {
      getAll(keys);
      return;
    }
    if (!kv.prefetchesRanges()) {
      snapshotNow();
      getAll(keys);
      return;
    }
    prefetchWithRanges(keys, prefixes);
  }

  /**
   * SQLite: the keys not known yet and the first {@link #RANGE_ROWS} rows under each prefix in one
   * statement (a UNION ALL). A range read whole (fewer rows than that) answers a later {@link #scan}
   * of exactly {@code [prefix, Bytes.prefixEnd(prefix))} without a statement, with this
   * transaction's later writes laid over it; any {@link #flush} forgets such ranges. Sound because
   * an SQLite transaction sees one snapshot (a write transaction holds the write lock throughout).
   */
  private void prefetchWithRanges(List<byte[]> keys, List<byte[]> prefixes) throws IOException {
    List<byte[]> unknown = new ArrayList<>(keys.size());
    for (byte[] k : keys) {
      if (!known.containsKey(java.nio.ByteBuffer.wrap(k)) && unknown.stream().noneMatch(u -> java.util.Arrays.equals(u, k))) {
        unknown.add(k);
      }
    }
    List<byte[]> ranges = new ArrayList<>(prefixes.size());
    for (byte[] p : prefixes) {
      byte[] end = Bytes.prefixEnd(p);
      if (p.length > 0 && end != null && !ranges.contains(p) && !wholeRanges.containsKey(java.nio.ByteBuffer.wrap(p))
          && pending.subMap(p, true, end, false).isEmpty()) {
        ranges.add(p);
      }
    }
    if (unknown.size() > SqlTexts.MAX_KEYS || ranges.isEmpty()) {
      getAll(keys);
      return;
    }
    List<List<byte[][]>> rangeRows = new ArrayList<>(ranges.size());
    Map<java.nio.ByteBuffer, byte[]> found = new HashMap<>();
    try {
      statement(true);
      PreparedStatement ps = conn.prepare(sql.getManyAndRanges(unknown.size(), ranges.size(), RANGE_ROWS, !readOnly));
      int i = 1;
      for (byte[] k : unknown) {
        ps.setBytes(i++, k);
      }
      for (byte[] p : ranges) {
        ps.setBytes(i++, p);
        ps.setBytes(i++, Bytes.prefixEnd(p));
        rangeRows.add(new ArrayList<>());
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int part = rs.getInt(3); // 0: one of the keys; r + 1: a row of range r
          byte[] k = rs.getBytes(1);
          byte[] v = value(rs, 2);
          if (part == 0) {
            found.put(java.nio.ByteBuffer.wrap(k), v);
          } else {
            rangeRows.get(part - 1).add(new byte[][] {k, v});
          }
        }
      }
    } catch (SQLException e) {
      throw fail("get", e);
    }
    for (byte[] k : unknown) {
      remember(k, found.get(java.nio.ByteBuffer.wrap(k)));
    }
    for (int r = 0; r < ranges.size(); r++) {
      List<byte[][]> rows = rangeRows.get(r);
      for (byte[][] row : rows) {
        if (!known.containsKey(java.nio.ByteBuffer.wrap(row[0]))) {
          remember(row[0], row[1]);
        }
      }
      if (rows.size() < RANGE_ROWS) {
        List<byte[]> inRange = new ArrayList<>(rows.size());
        for (byte[][] row : rows) {
          inRange.add(row[0]);
        }
        wholeRanges.put(java.nio.ByteBuffer.wrap(ranges.get(r).clone()), inRange);
      }
    }
  }

  /**
   * A scan of a range {@link #prefetchWithRanges} read whole: its keys as this transaction now
   * sees them (values from {@code known}, which its writes keep current, plus keys it wrote there
   * since, which are still pending because a flush forgets the range); null if not such a range.
   */
  private java.util.TreeMap<byte[], byte[]> wholeRange(byte[] start, byte[] end) {
    List<byte[]> keys = wholeRanges.get(java.nio.ByteBuffer.wrap(start));
    if (keys == null || end == null || !java.util.Arrays.equals(end, Bytes.prefixEnd(start))) {
      return null;
    }
    java.util.TreeMap<byte[], byte[]> view = new java.util.TreeMap<>(Bytes.ORDER);
    for (byte[] k : keys) {
      byte[] v = known.get(java.nio.ByteBuffer.wrap(k));
      if (v != null && v != ABSENT) {
        view.put(k, v);
      }
    }
    for (Map.Entry<byte[], byte[]> e : pending.subMap(start, true, end, false).entrySet()) {
      if (e.getValue() == ABSENT) {
        view.remove(e.getKey());
      } else {
        view.put(e.getKey(), e.getValue());
      }
    }
    return view;
  }

  /** Selects {@code batch} (at most {@link SqlTexts#MAX_KEYS} keys) in one statement into {@code found}. */
  private void selectMany(List<byte[]> batch, Map<java.nio.ByteBuffer, byte[]> found) throws SQLException {
    PreparedStatement ps = conn.prepare(sql.getMany(batch.size(), !readOnly));
    for (int i = 0; i < batch.size(); i++) {
      ps.setBytes(i + 1, batch.get(i));
    }
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        found.put(java.nio.ByteBuffer.wrap(rs.getBytes(1)), value(rs, 2));
      }
    }
  }

  private void remember(byte[] key, byte[] value) {
    known.put(java.nio.ByteBuffer.wrap(key.clone()), value == null ? ABSENT : value);
  }

  /**
   * The keys this transaction has not read or written yet are selected, up to {@link
   * SqlTexts#MAX_KEYS} per statement ({@code k IN (...)}); the rest are answered from what it knows.
   */
  @Override
  public List<byte[]> getAll(List<byte[]> keys) throws IOException {
    List<byte[]> unknown = new ArrayList<>(keys.size());
    for (byte[] k : keys) {
      if (!known.containsKey(java.nio.ByteBuffer.wrap(k))) {
        unknown.add(k);
      }
    }
    Map<java.nio.ByteBuffer, byte[]> found = new HashMap<>();
    for (int from = 0; from < unknown.size(); from += SqlTexts.MAX_KEYS) {
      List<byte[]> batch = unknown.subList(from, Math.min(unknown.size(), from + SqlTexts.MAX_KEYS));
      try {
        statement(true);
        selectMany(batch, found);
      } catch (SQLException e) {
        throw fail("get", e);
      }
    }
    for (byte[] k : unknown) {
      remember(k, found.get(java.nio.ByteBuffer.wrap(k)));
    }
    List<byte[]> out = new ArrayList<>(keys.size());
    for (byte[] k : keys) {
      byte[] v = known.get(java.nio.ByteBuffer.wrap(k));
      out.add(v == ABSENT ? null : v);
    }
    return out;
  }

  @Override
  public void scan(byte[] start, byte[] end, int limit, Visitor visitor) throws IOException {
    java.util.TreeMap<byte[], byte[]> whole = start == null ? null : wholeRange(start, end);
    if (whole != null) {
      long n = 0;
      for (Map.Entry<byte[], byte[]> e : whole.entrySet()) {
        if ((limit > 0 && n++ >= limit) || !visitor.visit(e.getKey(), e.getValue())) {
          return;
        }
      }
      return;
    }
    byte[] from = start == null ? new byte[0] : start;
    if (!(end == null ? pending.tailMap(from, true) : pending.subMap(from, true, end, false)).isEmpty()) {
      flush(); // the range holds writes of this transaction: the database must see them
    }
    long left = limit > 0 ? limit : Long.MAX_VALUE;
    String text = sql.scan(end != null, !readOnly);
    while (left > 0) {
      int page = (int) Math.min(left, this.page);
      List<byte[][]> rows = new ArrayList<>(Math.min(page, 64));
      try {
        statement(false);
        PreparedStatement ps = conn.prepare(text);
        ps.setBytes(1, from);
        int i = 2;
        if (end != null) {
          ps.setBytes(i++, end);
        }
        ps.setInt(i, page);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            rows.add(new byte[][] {rs.getBytes(1), value(rs, 2)});
          }
        }
      } catch (SQLException e) {
        throw fail("scan", e);
      }
      for (byte[][] row : rows) {
        left--;
        if (!visitor.visit(row[0], row[1])) {
          return;
        }
      }
      if (rows.size() < page) {
        return;
      }
      // The next key after the last one seen: append a zero byte.
      byte[] last = rows.getLast()[0];
      from = java.util.Arrays.copyOf(last, last.length + 1);
    }
  }

  @Override
  public void put(byte[] key, byte[] value) throws IOException {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    checkWritable();
    byte[] k = key.clone();
    byte[] v = value.clone();
    pending.put(k, v);
    known.put(java.nio.ByteBuffer.wrap(k), v);
  }

  @Override
  public void delete(byte[] key) throws IOException {
    Objects.requireNonNull(key, "key");
    checkWritable();
    byte[] k = key.clone();
    pending.put(k, ABSENT);
    known.put(java.nio.ByteBuffer.wrap(k), ABSENT);
  }

  /**
   * Writes what {@link #put} and {@link #delete} kept: one multi-row upsert and one multi-key
   * delete per {@link SqlTexts#MAX_KEYS} keys. Runs before COMMIT and before a scan of a range
   * holding such writes.
   */
  void flush() throws IOException {
    if (pending.isEmpty()) {
      return;
    }
    wholeRanges.clear(); // keys written here may now be in such a range, no longer pending
    List<byte[]> upserts = new ArrayList<>(pending.size() * 2);
    List<byte[]> deletes = new ArrayList<>();
    for (Map.Entry<byte[], byte[]> e : pending.entrySet()) {
      if (e.getValue() == ABSENT) {
        deletes.add(e.getKey());
      } else {
        upserts.add(e.getKey());
        upserts.add(e.getValue());
      }
    }
    pending.clear();
    try {
      for (int from = 0, to; from < upserts.size(); from = to) {
        // Up to MAX_KEYS rows and about MAX_BATCH_BYTES per statement (MySQL's packet limit).
        long bytes = 0;
        for (to = from; to < upserts.size() && to - from < 2 * SqlTexts.MAX_KEYS && (to == from || bytes < MAX_BATCH_BYTES); to += 2) {
          bytes += upserts.get(to).length + upserts.get(to + 1).length;
        }
        PreparedStatement ps = conn.prepare(sql.upsert((to - from) / 2));
        for (int i = from; i < to; i++) {
          ps.setBytes(i - from + 1, upserts.get(i));
        }
        ps.executeUpdate();
      }
      for (int from = 0; from < deletes.size(); from += SqlTexts.MAX_KEYS) {
        int to = Math.min(deletes.size(), from + SqlTexts.MAX_KEYS);
        PreparedStatement ps = conn.prepare(sql.delete(to - from));
        for (int i = from; i < to; i++) {
          ps.setBytes(i - from + 1, deletes.get(i));
        }
        ps.executeUpdate();
      }
    } catch (SQLException e) {
      throw fail("write", e);
    }
  }

  @Override
  public long incrBy(byte[] key, long delta) throws IOException {
    checkWritable();
    // The read is a locking read (MySQL) or part of a serializable transaction (PostgreSQL) or
    // under the database write lock (SQLite): the read-modify-write is atomic.
    byte[] v = get(key);
    if (v != null && v.length != 8) {
      throw new IOException("counter " + Bytes.hex(key) + " in " + kv.describe() + " holds " + v.length + " bytes, not 8");
    }
    long n = (v == null ? 0 : Bytes.getU64(v, 0)) + delta;
    put(key, Bytes.u64(n));
    return n;
  }

  /** The first failure of a statement of this transaction, or null. */
  IOException failure() {
    return failure;
  }

  private IOException fail(String op, SQLException e) {
    IOException io = kv.failure(op, e);
    if (failure == null) {
      failure = io;
    }
    return io;
  }

  private void checkWritable() {
    if (readOnly) {
      throw new IllegalStateException("write in a read-only transaction");
    }
  }

  /** SQLite returns NULL for a zero-length blob; the column is NOT NULL, so that means empty. */
  private static byte[] value(ResultSet rs, int column) throws SQLException {
    byte[] v = rs.getBytes(column);
    return v == null ? new byte[0] : v;
  }
}
