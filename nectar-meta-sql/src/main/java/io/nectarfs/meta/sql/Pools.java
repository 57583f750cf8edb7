package io.nectarfs.meta.sql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/** Connection set-up shared by the dialects: the first connection, the table, the pool. */
final class Pools {
  /** How long a transaction waits for a pooled connection before failing. */
  static final Duration BORROW_TIMEOUT = Duration.ofSeconds(10);
  static final int DEFAULT_SIZE = 8;

  private Pools() {}

  /** Opens one connection outside the pool, so that set-up errors come back at once, unretried. */
  static Connection connect(String jdbcUrl, Properties props) throws SQLException {
    return DriverManager.getConnection(jdbcUrl, props);
  }

  /** Creates the volume's table unless it exists (concurrent creators may race: then it exists). */
  static void createTable(Connection c, Dialect d, String table, SqlUrl url) throws IOException {
    try (Statement s = c.createStatement()) {
      s.execute(d.createTable(table));
    } catch (SQLException e) {
      try (Statement s = c.createStatement()) {
        s.executeQuery("SELECT 1 FROM " + table + " WHERE 1 = 0").close();
      } catch (SQLException again) {
        throw new IOException(Failures.scrub(url, "cannot create table " + table + " in " + url.describe() + ": " + Failures.firstLine(e)), e);
      }
    }
  }

  /** A small pool that connects lazily (the first connection was checked already). */
  static HikariDataSource pool(Dialect d, String jdbcUrl, Properties props, int size, String initSql, String isolation) {
    HikariConfig cfg = new HikariConfig();
    cfg.setPoolName("nectar-" + d.scheme);
    cfg.setJdbcUrl(jdbcUrl);
    Properties p = new Properties();
    p.putAll(props);
    Object user = p.remove("user");
    Object password = p.remove("password");
    if (user != null) {
      cfg.setUsername(user.toString());
    }
    if (password != null) {
      cfg.setPassword(password.toString());
    }
    cfg.setDataSourceProperties(p);
    cfg.setMaximumPoolSize(size);
    cfg.setMinimumIdle(1);
    cfg.setAutoCommit(true);
    cfg.setConnectionTimeout(BORROW_TIMEOUT.toMillis());
    cfg.setValidationTimeout(Duration.ofSeconds(5).toMillis());
    cfg.setInitializationFailTimeout(-1);
    if (initSql != null) {
      cfg.setConnectionInitSql(initSql);
    }
    if (isolation != null) {
      cfg.setTransactionIsolation(isolation);
    }
    return new HikariDataSource(cfg);
  }
}
