package io.nectarfs.meta.sql;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.LongAdder;

/**
 * The connections of a server engine (PostgreSQL, MySQL) through HikariCP, which validates,
 * reconnects and retires them. Statements are prepared once per lease (one transaction) and closed
 * with it: the drivers keep what is worth keeping across leases themselves (PostgreSQL's driver
 * reuses a server-side prepared statement per connection after a few executions; MariaDB's prepares
 * on the client). Thread-safe as HikariCP is; a lease belongs to one thread.
 */
final class HikariConnections implements SqlConnections {
  private final HikariDataSource pool;
  private final LongAdder prepared = new LongAdder();
  private final LongAdder statements = new LongAdder();

  HikariConnections(HikariDataSource pool) {
    this.pool = pool;
  }

  @Override
  public Lease borrow() throws SQLException {
    return new HikariLease(pool.getConnection());
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
    pool.close();
  }

  private final class HikariLease extends StatementCache {
    private boolean ended;

    HikariLease(Connection conn) {
      super(conn, prepared, statements);
    }

    @Override
    public void execute(String sql) throws SQLException {
      statements.increment();
      try (Statement s = conn.createStatement()) {
        s.execute(sql);
      }
    }

    @Override
    public void statementFailed() {
      // statements live for this lease only; HikariCP evicts a connection whose error means it is broken
    }

    @Override
    public void close() {
      if (ended) {
        return;
      }
      ended = true;
      closeStatements();
      try {
        conn.close();
      } catch (SQLException ignored) {
        // returning to the pool does not fail in a way we could act on
      }
    }

    @Override
    public void evict() {
      if (ended) {
        return;
      }
      ended = true;
      closeStatements();
      pool.evictConnection(conn);
    }
  }
}
