package io.nectarfs.meta.sql;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The connections of one SQLite engine, each keeping the statements prepared on it: a statement
 * (BEGIN and COMMIT included) is prepared once per connection and reused by every later
 * transaction, where preparing it per transaction cost about a quarter of a small transaction's
 * time (SQLite parses and plans at prepare). No HikariCP here: an embedded database needs no
 * validation, keep-alive or reconnection, and a proxy closes its statements at every return.
 *
 * <p>Connections are opened lazily, at most {@code size} of them, and kept until {@link #close}
 * (each holds SQLite's page cache and its statements: the SQL texts of {@link SqlKv} are a fixed
 * set, so a connection holds at most a few hundred). Idle ones are reused last-in first-out, so a
 * single thread keeps using the one warm connection.
 *
 * <p>Concurrency: {@code permits} holds one permit per connection that may still be borrowed
 * (idle or not yet opened); a borrower takes a permit, then an idle connection or a new one. A
 * lease belongs to its thread until closed. Invariant: a connection is idle (in {@code idle}),
 * borrowed, or closed; once {@link #close} ran, returned connections are closed, not kept.
 */
final class SqliteConnections implements SqlConnections {
  private final String jdbcUrl;
  private final Properties props;
  private final Semaphore permits;
  private final ConcurrentLinkedDeque<Pooled> idle = new ConcurrentLinkedDeque<>();
  private final LongAdder prepared = new LongAdder();
  private final LongAdder statements = new LongAdder();
  private volatile boolean closed;

  SqliteConnections(String jdbcUrl, Properties props, int size) {
    this.jdbcUrl = jdbcUrl;
    this.props = props;
    this.permits = new Semaphore(size, true);
  }

  @Override
  public Lease borrow() throws SQLException {
    if (closed) {
      throw new SQLException("the engine is closed");
    }
    try {
      if (!permits.tryAcquire(Pools.BORROW_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new SQLTimeoutException("no connection free after " + Pools.BORROW_TIMEOUT.toSeconds() + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted while waiting for a connection", e);
    }
    Pooled p = idle.pollFirst();
    if (p != null) {
      p.leased = true;
      return p;
    }
    try {
      return new Pooled(DriverManager.getConnection(jdbcUrl, props));
    } catch (SQLException | RuntimeException e) {
      permits.release();
      throw e;
    }
  }

  @Override
  public long prepared() {
    return prepared.sum();
  }

  @Override
  public long statements() {
    return statements.sum();
  }

  @Override
  public void close() {
    closed = true;
    drainIdle();
  }

  private void drainIdle() {
    for (Pooled p; (p = idle.pollFirst()) != null; ) {
      p.closeConnection();
    }
  }

  /** A connection with its statements by SQL text; a lease while {@code leased}. */
  private final class Pooled extends StatementCache {
    private boolean leased = true;

    Pooled(Connection conn) {
      super(conn, prepared, statements);
    }

    @Override
    public void execute(String sql) throws SQLException {
      prepare(sql).execute();
    }

    @Override
    public void statementFailed() {
      closeStatements();
    }

    @Override
    public void close() {
      if (!leased) {
        return;
      }
      leased = false;
      idle.offerFirst(this);
      permits.release();
      if (closed) {
        drainIdle(); // close() may have drained before this one came back
      }
    }

    @Override
    public void evict() {
      if (!leased) {
        return;
      }
      leased = false;
      closeConnection();
      permits.release();
    }

    void closeConnection() {
      closeStatements();
      try {
        conn.close();
      } catch (SQLException ignored) {
        // nothing to do about a failed close of an embedded database
      }
    }
  }
}
