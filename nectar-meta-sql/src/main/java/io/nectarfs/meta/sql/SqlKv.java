package io.nectarfs.meta.sql;

import io.nectarfs.meta.kv.KvConflictException;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Lock;

/**
 * A {@link TxnKv} on one SQL table {@code (k, v)} through a small connection pool ({@link
 * SqlConnections}).
 *
 * <p>Concurrency: each transaction borrows a connection (autocommit on, so that the dialect's own
 * {@code BEGIN ...} statement chooses isolation and read-only mode with one round trip) and runs
 * the body on it; the connection goes back to the pool after COMMIT or ROLLBACK. When a {@code
 * writeLock} is given (SQLite), write transactions of this process take it first, so they queue
 * in the JVM instead of polling the database's busy handler; other processes still serialize on
 * {@code BEGIN IMMEDIATE}. Invariant: a connection returns to the pool only outside a transaction
 * (a failed ROLLBACK evicts it).
 *
 * <p>Group commit (with a {@code writeLock}): a write transaction first joins {@code queued}, then
 * takes the lock; the holder runs every body queued by then (at most {@link #MAX_GROUP}) in one
 * database transaction, each inside a savepoint, so a body that fails is rolled back alone and the
 * others commit together: one BEGIN, one COMMIT and one WAL append for the pages they share (a
 * directory's row, the usage counters) instead of one each. A body sees the writes of the bodies
 * before it in its group, as it would had they committed just before it. Invariants: an entry
 * leaves {@code queued} only under the lock (or by its own caller, interrupted before it was taken),
 * and the holder completes every entry it took before it unlocks, so a caller that gets the lock
 * finds its entry either still queued or done. A group whose commit fails fails all its bodies
 * (nothing of them was committed), as a single transaction's caller sees its commit fail.
 */
class SqlKv implements TxnKv {
  private final Dialect dialect;
  private final SqlConnections pool;
  private final String table;
  private final SqlTexts sql;
  private final SqlUrl url;
  private final Lock writeLock;
  private final Runnable onClose;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
  /** Bodies of one group commit at most. */
  static final int MAX_GROUP = 64;
  private final ConcurrentLinkedQueue<Queued<?>> queued = new ConcurrentLinkedQueue<>();
  private final LongAdder groups = new LongAdder();
  private final LongAdder lazyReruns = new LongAdder();

  SqlKv(Dialect dialect, SqlConnections pool, String table, SqlUrl url, Lock writeLock, Runnable onClose) {
    this.dialect = dialect;
    this.pool = pool;
    this.table = table;
    this.sql = new SqlTexts(dialect, table);
    this.url = url;
    this.writeLock = writeLock;
    this.onClose = onClose;
  }

  /**
   * Whether a transaction reads small ranges ahead together with keys ({@link SqlTxn#prefetch}):
   * SQLite, where one transaction sees one snapshot; the servers scan each range when asked.
   */
  boolean prefetchesRanges() {
    return dialect == Dialect.SQLITE;
  }

  Dialect dialect() {
    return dialect;
  }

  String table() {
    return table;
  }

  /** The statements of this engine's transactions, built once. */
  SqlTexts sql() {
    return sql;
  }

  /** Statements prepared so far on any connection (tests: a warm client prepares none). */
  long prepared() {
    return pool.prepared();
  }

  /** Statements run so far, BEGIN and COMMIT included (tests count them per operation). */
  long statements() {
    return pool.statements();
  }

  @Override
  public <T> T txn(Body<T> body) throws IOException {
    return run(body, false);
  }

  @Override
  public <T> T read(Body<T> body) throws IOException {
    return run(body, true);
  }

  /**
   * One read-only snapshot transaction (PostgreSQL REPEATABLE READ, MySQL consistent snapshot,
   * SQLite's WAL read transaction) whose scans read {@code pageSize} rows per statement.
   */
  @Override
  public <T> Bulk<T> bulkRead(int pageSize, Body<T> body) throws IOException {
    return new Bulk<>(run(body, true, pageSize), true);
  }

  private <T> T run(Body<T> body, boolean readOnly) throws IOException {
    return run(body, readOnly, SqlTxn.PAGE);
  }

  private <T> T run(Body<T> body, boolean readOnly, int page) throws IOException {
    if (!readOnly && writeLock != null) {
      return grouped(body);
    }
    boolean locked = false;
    try {
      if (!readOnly && writeLock != null) {
        writeLock.lockInterruptibly();
        locked = true;
      }
      SqlConnections.Lease c = borrow();
      try {
        return inTransaction(c, body, readOnly, page);
      } finally {
        c.close(); // a no-op when the rollback evicted it
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the write lock of " + describe());
    } finally {
      if (locked) {
        writeLock.unlock();
      }
    }
  }

  /**
   * Runs {@code body} in one transaction on {@code c}. A read of the default page size starts
   * lazy (no BEGIN: {@link SqlTxn}); when its body turns out to need a snapshot, it runs again in
   * a transaction begun up front, as every other body does.
   */
  private <T> T inTransaction(SqlConnections.Lease c, Body<T> body, boolean readOnly, int page) throws IOException {
    boolean lazy = readOnly && page == SqlTxn.PAGE;
    while (true) {
      SqlTxn tx = new SqlTxn(this, c, readOnly, page);
      boolean ended = false;
      try {
        if (!lazy) {
          tx.begin(readOnly ? sql.beginRead : sql.beginWrite);
        }
        T result;
        try {
          result = body.run(tx);
        } catch (IOException | RuntimeException e) {
          if (!tx.needsSnapshot()) {
            throw e;
          }
          result = null; // the flag decides, even when the body swallowed the signal
        }
        if (!tx.needsSnapshot()) {
          if (tx.failure() != null) {
            // The body caught a failed statement and carried on; the transaction is aborted.
            throw tx.failure();
          }
          if (tx.begun()) {
            tx.flush();
            c.execute(SqlTexts.COMMIT);
          }
          ended = true;
          return result;
        }
      } catch (SQLException e) {
        c.statementFailed();
        throw failure(tx.begun() ? "commit" : "begin", e);
      } finally {
        if (tx.failure() != null) {
          c.statementFailed();
        }
        if (tx.begun() && !ended) {
          rollback(c);
        }
      }
      lazyReruns.increment();
      lazy = false;
    }
  }

  /** Lazy reads that needed a second statement and ran again in a transaction (tests). */
  long lazyReruns() {
    return lazyReruns.sum();
  }

  /** A write body waiting for the lock holder to run it; {@code done} is written last. */
  private static final class Queued<T> {
    final Body<T> body;
    T result;
    Throwable failure;
    volatile boolean done;

    Queued(Body<T> body) {
      this.body = body;
    }

    T outcome() throws IOException {
      return switch (failure) {
        case null -> result;
        case IOException e -> throw e;
        case RuntimeException e -> throw e;
        case Error e -> throw e;
        default -> throw new IOException(failure);
      };
    }
  }

  /** Write bodies queued or running now (tests). */
  int queued() {
    return queued.size();
  }

  /** Database transactions that ran more than one write body (tests). */
  long groups() {
    return groups.sum();
  }

  private <T> T grouped(Body<T> body) throws IOException {
    Queued<T> mine = new Queued<>(body);
    queued.add(mine);
    try {
      writeLock.lockInterruptibly();
    } catch (InterruptedException e) {
      if (queued.remove(mine)) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for the write lock of " + describe());
      }
      writeLock.lock(); // a holder took it: it is done when that holder unlocks
      writeLock.unlock();
      Thread.currentThread().interrupt();
      return mine.outcome();
    }
    try {
      while (!mine.done) {
        List<Queued<?>> group = new ArrayList<>();
        for (Queued<?> q; group.size() < MAX_GROUP && (q = queued.poll()) != null; ) {
          group.add(q);
        }
        runGroup(group);
      }
    } finally {
      writeLock.unlock();
    }
    return mine.outcome();
  }

  /** Runs {@code group} in one transaction (see the class comment) and completes every entry. */
  private void runGroup(List<Queued<?>> group) {
    SqlConnections.Lease c;
    try {
      c = borrow();
    } catch (IOException | RuntimeException e) {
      group.forEach(q -> complete(q, e));
      return;
    }
    try {
      if (group.size() == 1) {
        runAlone(c, group.getFirst());
      } else {
        runTogether(c, group);
      }
    } finally {
      c.close(); // a no-op when a rollback evicted it
    }
  }

  private <T> void runAlone(SqlConnections.Lease c, Queued<T> q) {
    try {
      q.result = inTransaction(c, q.body, false, SqlTxn.PAGE);
    } catch (Throwable t) {
      q.failure = t;
    }
    q.done = true;
  }

  private void runTogether(SqlConnections.Lease c, List<Queued<?>> group) {
    boolean begun = false;
    try {
      c.execute(sql.beginWrite);
      begun = true;
      for (Queued<?> q : group) {
        runSaved(c, q);
      }
      c.execute(SqlTexts.COMMIT);
      begun = false;
      groups.increment();
      group.forEach(q -> q.done = true);
    } catch (SQLException e) {
      c.statementFailed();
      IOException io = failure("group commit", e);
      group.forEach(q -> complete(q, io));
    } catch (RuntimeException | Error e) {
      group.forEach(q -> complete(q, e));
    } finally {
      if (begun) {
        rollback(c);
      }
    }
  }

  /** One body of a group inside its savepoint: its failure is its own unless the rollback to the savepoint fails. */
  private <T> void runSaved(SqlConnections.Lease c, Queued<T> q) throws SQLException {
    SqlTxn tx = new SqlTxn(this, c, false, SqlTxn.PAGE);
    tx.begin(SqlTexts.SAVEPOINT);
    try {
      T r = q.body.run(tx);
      if (tx.failure() != null) {
        throw tx.failure();
      }
      tx.flush();
      c.execute(SqlTexts.RELEASE);
      q.result = r;
    } catch (Throwable t) {
      if (tx.failure() != null || t instanceof SQLException) {
        c.statementFailed();
      }
      c.execute(SqlTexts.ROLLBACK_TO); // a failure here fails the whole group
      c.execute(SqlTexts.RELEASE);
      q.failure = t;
      q.done = true;
    }
  }

  /** Fails {@code q} with {@code t} unless it already failed on its own. */
  private static void complete(Queued<?> q, Throwable t) {
    if (!q.done) {
      q.result = null;
      q.failure = t;
      q.done = true;
    }
  }

  private SqlConnections.Lease borrow() throws IOException {
    try {
      return pool.borrow();
    } catch (SQLException e) {
      throw Failures.connect(url, e);
    }
  }

  private static void rollback(SqlConnections.Lease c) {
    try {
      c.execute(SqlTexts.ROLLBACK);
    } catch (SQLException e) {
      c.statementFailed();
      // The connection may still be inside a transaction: never hand it out again.
      c.evict();
    }
  }

  /** Classifies a statement's failure: a lost conflict, a lost connection, or anything else. */
  IOException failure(String op, SQLException e) {
    if (dialect.isConflict(e)) {
      return new KvConflictException(Failures.scrub(url, op + " conflicted on " + describe() + ": " + Failures.firstLine(e)), e);
    }
    if (Failures.isConnectionLoss(e)) {
      return Failures.connect(url, e);
    }
    return new IOException(Failures.scrub(url, op + " failed on " + describe() + ": " + Failures.firstLine(e)), e);
  }

  @Override
  public String describe() {
    return url.describe();
  }

  @Override
  public void reset() throws IOException {
    boolean locked = false;
    try {
      if (writeLock != null) {
        writeLock.lockInterruptibly();
        locked = true;
      }
      executeOnce("DELETE FROM " + table, "reset");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the write lock of " + describe());
    } finally {
      if (locked) {
        writeLock.unlock();
      }
    }
  }

  /** Drops the table (tests clean up their per-class tables with it). */
  void drop() throws IOException {
    executeOnce("DROP TABLE IF EXISTS " + table, "drop");
  }

  /** Runs one statement outside a transaction body (autocommit). */
  private void executeOnce(String text, String op) throws IOException {
    try (SqlConnections.Lease c = borrow()) {
      try {
        c.execute(text);
      } catch (SQLException e) {
        c.statementFailed();
        throw failure(op, e);
      }
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      pool.close();
    } finally {
      onClose.run();
    }
  }

  @Override
  public String toString() {
    return "SqlKv[" + describe() + ", table " + table + "]";
  }
}
