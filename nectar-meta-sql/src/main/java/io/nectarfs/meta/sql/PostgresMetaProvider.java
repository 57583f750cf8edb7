package io.nectarfs.meta.sql;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.meta.spi.MetaEngineProvider;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;

/**
 * {@code postgres://user[:password]@host[:port]/database[?options]} (also {@code postgresql://}):
 * PostgreSQL 12 or newer. Options: {@code table-prefix} (default {@code nectar_}), {@code
 * create-database=true}, {@code pool-size} (default 8), and any pgJDBC property such as {@code
 * sslmode=verify-full}. The password may also come from {@code META_PASSWORD[_FILE]}.
 */
public final class PostgresMetaProvider implements MetaEngineProvider {
  static final String USAGE = "postgres://user[:password]@host[:port]/database[?sslmode=...&table-prefix=...]";

  private static final ServerEngine.Spec SPEC = new ServerEngine.Spec() {
    @Override
    public Dialect dialect() {
      return Dialect.POSTGRES;
    }

    @Override
    public int defaultPort() {
      return 5432;
    }

    @Override
    public String usage() {
      return USAGE;
    }

    @Override
    public String jdbcUrl(SqlUrl url, String database) {
      String db = database == null ? "postgres" : database;
      return "jdbc:postgresql://" + url.host() + ":" + url.port() + "/" + URLEncoder.encode(db, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public Map<String, String> driverDefaults() {
      // Seconds. A dead server fails within connectTimeout; a hung one within socketTimeout.
      return Map.of("connectTimeout", "5", "loginTimeout", "10", "socketTimeout", "60", "tcpKeepAlive", "true",
          "ApplicationName", "nectarfs");
    }

    @Override
    public boolean isMissingDatabase(SQLException e) {
      return "3D000".equals(e.getSQLState());
    }

    @Override
    public String createDatabase(String name) {
      return "CREATE DATABASE \"" + name + "\"";
    }

    @Override
    public String initSql() {
      return null;
    }

    @Override
    public String isolation() {
      return null; // chosen per transaction by BEGIN ISOLATION LEVEL ...
    }
  };

  @Override
  public Set<String> schemes() {
    return Set.of("postgres", "postgresql");
  }

  @Override
  public TxnKv open(String url, Secrets secrets) throws IOException {
    return ServerEngine.open(SPEC, url, secrets);
  }
}
