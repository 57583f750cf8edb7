package io.nectarfs.meta.sql;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.meta.spi.MetaEngineProvider;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;

/**
 * {@code mysql://user[:password]@host[:port]/database[?options]}: MySQL 8 and MariaDB 10.6 or
 * newer (InnoDB), through the MariaDB driver. The Go-style form {@code user:pw@tcp(host:port)/db}
 * is accepted as well. Options: {@code table-prefix} (default {@code nectar_}), {@code
 * create-database=true}, {@code pool-size} (default 8), and any MariaDB Connector/J option such as
 * {@code sslMode=verify-full}. The password may also come from {@code META_PASSWORD[_FILE]}.
 */
public final class MysqlMetaProvider implements MetaEngineProvider {
  static final String USAGE = "mysql://user[:password]@host[:port]/database[?table-prefix=...]";

  private static final ServerEngine.Spec SPEC = new ServerEngine.Spec() {
    @Override
    public Dialect dialect() {
      return Dialect.MYSQL;
    }

    @Override
    public int defaultPort() {
      return 3306;
    }

    @Override
    public String usage() {
      return USAGE;
    }

    @Override
    public String jdbcUrl(SqlUrl url, String database) {
      return "jdbc:mariadb://" + url.host() + ":" + url.port() + "/" + (database == null ? "" : database);
    }

    @Override
    public Map<String, String> driverDefaults() {
      // Milliseconds. A dead server fails within connectTimeout; a hung one within socketTimeout.
      return Map.of("connectTimeout", "5000", "socketTimeout", "60000", "tcpKeepAlive", "true");
    }

    @Override
    public boolean isMissingDatabase(SQLException e) {
      return e.getErrorCode() == 1049;
    }

    @Override
    public String createDatabase(String name) {
      return "CREATE DATABASE IF NOT EXISTS `" + name + "`";
    }

    @Override
    public String initSql() {
      // A lock wait longer than this is reported as a conflict (1205) and the transaction retried.
      return "SET SESSION innodb_lock_wait_timeout = 10";
    }

    @Override
    public String isolation() {
      // Locking reads take next-key (gap) locks only at REPEATABLE READ or above: never run
      // below it, whatever the server's default.
      return "TRANSACTION_REPEATABLE_READ";
    }
  };

  @Override
  public Set<String> schemes() {
    return Set.of("mysql");
  }

  @Override
  public TxnKv open(String url, Secrets secrets) throws IOException {
    return ServerEngine.open(SPEC, url, secrets);
  }
}
