package io.nectarfs.meta.sql;

import com.zaxxer.hikari.HikariDataSource;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/** Opening a client-server engine (PostgreSQL, MySQL): URL, password, database, table, pool. */
final class ServerEngine {
  /** Options this module reads; every other URL option goes to the JDBC driver as a property. */
  static final Set<String> OWN_OPTIONS = Set.of("table-prefix", "create-database", "pool-size");

  /** What a dialect contributes. */
  interface Spec {
    Dialect dialect();

    int defaultPort();

    String usage();

    /** The JDBC URL of {@code database} (null: the server without a database, for CREATE DATABASE). */
    String jdbcUrl(SqlUrl url, String database);

    /** Driver properties besides user and password (timeouts). */
    Map<String, String> driverDefaults();

    boolean isMissingDatabase(SQLException e);

    String createDatabase(String name);

    /** Run on every new pooled connection (may be null). */
    String initSql();

    /** JDBC isolation constant name for pooled connections (may be null). */
    String isolation();
  }

  private ServerEngine() {}

  static TxnKv open(Spec spec, String raw, Secrets secrets) throws IOException {
    SqlUrl url = SqlUrl.server(raw, spec.defaultPort(), spec.usage());
    if (url.password() == null) {
      Optional<String> pw = secrets.get("META_PASSWORD");
      if (pw.isPresent()) {
        url = url.withPassword(pw.get());
      }
    }
    String table = url.table();
    int size = url.intOption("pool-size", Pools.DEFAULT_SIZE, 1, 256);
    boolean createDatabase = url.flag("create-database");
    Properties props = new Properties();
    props.putAll(spec.driverDefaults());
    url.options().forEach((k, v) -> {
      if (!OWN_OPTIONS.contains(k)) {
        props.setProperty(k, v);
      }
    });
    props.setProperty("user", url.user());
    if (url.password() != null) {
      props.setProperty("password", url.password());
    }
    String jdbc = spec.jdbcUrl(url, url.database());
    try (Connection c = firstConnection(spec, url, jdbc, props, createDatabase)) {
      Pools.createTable(c, spec.dialect(), table, url);
    } catch (SQLException e) {
      throw Failures.connect(url, e);
    }
    HikariDataSource pool = Pools.pool(spec.dialect(), jdbc, props, size, spec.initSql(), spec.isolation());
    if (spec.dialect() == Dialect.POSTGRES) {
      PgNotifier notifier = new PgNotifier(jdbc, props, pool, table);
      return new NotifyingSqlKv(spec.dialect(), new HikariConnections(pool), table, url, null, () -> {}, notifier, notifier);
    }
    // MySQL has no notification channel: lock waiters poll with backoff (see Locks).
    return new SqlKv(spec.dialect(), new HikariConnections(pool), table, url, null, () -> {});
  }

  private static Connection firstConnection(Spec spec, SqlUrl url, String jdbc, Properties props, boolean createDatabase)
      throws IOException {
    try {
      return Pools.connect(jdbc, props);
    } catch (SQLException e) {
      if (!createDatabase || !spec.isMissingDatabase(e)) {
        throw Failures.connect(url, e);
      }
    }
    String name = url.checkedDatabase();
    try (Connection admin = Pools.connect(spec.jdbcUrl(url, null), props); Statement s = admin.createStatement()) {
      s.execute(spec.createDatabase(name));
    } catch (SQLException e) {
      if (!spec.isMissingDatabase(e)) {
        // A concurrent creator may have won; the connection below tells.
        try {
          return Pools.connect(jdbc, props);
        } catch (SQLException again) {
          throw new IOException(Failures.scrub(url, "cannot create database '" + name + "' on " + url.describe() + ": " + Failures.firstLine(e)), e);
        }
      }
      throw Failures.connect(url, e);
    }
    try {
      return Pools.connect(jdbc, props);
    } catch (SQLException e) {
      throw Failures.connect(url, e);
    }
  }
}
