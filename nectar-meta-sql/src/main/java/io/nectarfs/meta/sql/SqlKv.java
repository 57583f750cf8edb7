package io.nectarfs.meta.sql;

import io.nectarfs.meta.kv.KvConflictException;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.sql.SQLException;
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

  private <T> T inTransaction(SqlConnections.Lease c, Body<T> body, boolean readOnly, int page) throws IOException {
    SqlTxn tx = new SqlTxn(this, c, readOnly, page);
    boolean begun = false;
    boolean committed = false;
    try {
      c.execute(readOnly ? sql.beginRead : sql.beginWrite);
      begun = true;
      T result = body.run(tx);
      if (tx.failure() != null) {
        // The body caught a failed statement and carried on; the transaction is aborted.
        throw tx.failure();
      }
      tx.flush();
      c.execute(SqlTexts.COMMIT);
      committed = true;
      return result;
    } catch (SQLException e) {
      c.statementFailed();
      throw failure(begun ? "commit" : "begin", e);
    } finally {
      if (tx.failure() != null) {
        c.statementFailed();
      }
      if (begun && !committed) {
        rollback(c);
      }
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
