package io.nectarfs.meta.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What both kinds of {@link SqlConnections.Lease} share: a connection and the statements prepared
 * on it, by SQL text, each use counted in its engine's counters ({@link SqlConnections#prepared},
 * {@link SqlConnections#statements}). How long the statements live is the subclass's choice (one
 * lease for HikariCP, the connection's life for SQLite). Not thread-safe: a lease has one thread.
 */
abstract class StatementCache implements SqlConnections.Lease {
  final Connection conn;
  private final Map<String, PreparedStatement> cache = new HashMap<>();
  private final LongAdder preparedCount;
  private final LongAdder runCount;

  StatementCache(Connection conn, LongAdder preparedCount, LongAdder runCount) {
    this.conn = conn;
    this.preparedCount = preparedCount;
    this.runCount = runCount;
  }

  @Override
  public PreparedStatement prepare(String sql) throws SQLException {
    runCount.increment();
    PreparedStatement ps = cache.get(sql);
    if (ps == null) {
      ps = conn.prepareStatement(sql);
      preparedCount.increment();
      cache.put(sql, ps);
    }
    return ps;
  }

  /** Closes every kept statement; a failed close is ignored (the connection goes back or away anyway). */
  final void closeStatements() {
    for (PreparedStatement ps : cache.values()) {
      try {
        ps.close();
      } catch (SQLException ignored) {
        // a statement the driver already finalized, or a connection on its way out
      }
    }
    cache.clear();
  }
}
