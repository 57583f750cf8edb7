package io.nectarfs.meta.sql;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Where a {@link SqlKv} gets its connections: {@link HikariConnections} for the servers, {@link
 * SqliteConnections} (which keeps each connection's prepared statements) for SQLite.
 *
 * <p>Contract: {@link #borrow} hands out a connection outside any transaction, in autocommit mode,
 * to one thread until the lease is closed or evicted; it waits at most {@link Pools#BORROW_TIMEOUT}
 * for one to be free and then throws. Implementations are thread-safe.
 */
interface SqlConnections extends AutoCloseable {

  /** A connection for the calling thread until {@link Lease#close} or {@link Lease#evict}. */
  Lease borrow() throws SQLException;

  /** Statements prepared on any connection so far (a count for tests: a warm client prepares none). */
  long prepared();

  /** Statements run so far (each {@link Lease#prepare} or {@link Lease#execute} is one run): a count for tests. */
  long statements();

  /** Closes every idle connection now and every borrowed one when it comes back. Idempotent. */
  @Override
  void close();

  /** One borrowed connection. Not thread-safe: it belongs to the borrowing thread. */
  interface Lease extends AutoCloseable {
    /**
     * A statement of {@code sql} on this connection, valid until the lease ends. The caller never
     * closes it; it must close every result set it opens before the transaction ends.
     */
    PreparedStatement prepare(String sql) throws SQLException;

    /** Runs a statement without parameters or results (BEGIN, COMMIT, ROLLBACK, DDL). */
    void execute(String sql) throws SQLException;

    /**
     * A statement on this connection failed: statements kept across leases are dropped (the
     * SQLite driver finalizes a statement after most errors, which would fail every later use).
     */
    void statementFailed();

    /** Gives the connection back; it must be outside a transaction. A no-op after {@link #evict}. */
    @Override
    void close();

    /** Closes the connection for good (it may still be inside a transaction) and ends the lease. */
    void evict();
  }
}
