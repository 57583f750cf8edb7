package io.nectarfs.meta.sql;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Helpers for the tests against a database server: every suite of one run gets its own table
 * ({@code table-prefix=t<run>_<tag>_}), so runs of several checkouts or test classes against one
 * server never share a volume.
 *
 * <p>{@link #prefixed} is the one place where a tag becomes a table name, and it records every tag
 * it was given per server; {@link #dropTables} drops exactly those tables and then asks the
 * server's catalog which tables of this run are left (none, when cleanup is complete).
 * Thread-safe: the record is a concurrent set.
 */
final class ServerTests {
  static final String RUN = "t" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
  private static final Map<String, Set<String>> TAGS = new ConcurrentHashMap<>();

  private ServerTests() {}

  static String withOption(String url, String option) {
    return url + (url.contains("?") ? "&" : "?") + option;
  }

  /** The URL of the table of {@code tag} on the server of {@code url}; the tag is recorded for {@link #dropTables}. */
  static String prefixed(String url, String tag) {
    TAGS.computeIfAbsent(url, u -> ConcurrentHashMap.newKeySet()).add(tag);
    return withOption(url, "table-prefix=" + tablePrefix(tag));
  }

  private static String tablePrefix(String tag) {
    return RUN + "_" + tag.toLowerCase(Locale.ROOT) + "_";
  }

  static TxnKv open(String url) throws IOException {
    return open(url, Map.of());
  }

  static TxnKv open(String url, Map<String, String> env) throws IOException {
    return MetaEngines.registry().open(url, new Secrets(env));
  }

  /**
   * Drops the table of every tag {@link #prefixed} was given for {@code url} and returns the tables
   * of this run that the server still has (to be asserted empty). Nothing when the service is not
   * configured.
   */
  static List<String> dropTables(String url) throws Exception {
    if (url == null || url.isBlank()) {
      return List.of();
    }
    for (String tag : Set.copyOf(TAGS.getOrDefault(url, Set.of()))) {
      try (TxnKv kv = open(withOption(url, "table-prefix=" + tablePrefix(tag)))) {
        ((SqlKv) kv).drop();
      }
    }
    return tablesOfThisRun(url);
  }

  /** The tables on the server of {@code url} whose names start with this run's prefix (from the catalog). */
  static List<String> tablesOfThisRun(String url) throws IOException, SQLException {
    SqlUrl u = SqlUrl.server(url, 0, "");
    String driver = u.scheme().startsWith("postgres") ? "postgresql" : "mariadb";
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:" + driver + "://" + u.host() + ":" + u.port() + "/" + u.database(), u.user(), u.password());
        ResultSet rs = c.getMetaData().getTables(driver.equals("mariadb") ? u.database() : null, null, "%", new String[] {"TABLE"})) {
      while (rs.next()) {
        String name = rs.getString("TABLE_NAME");
        if (name.toLowerCase(Locale.ROOT).startsWith(RUN + "_")) {
          out.add(name);
        }
      }
    }
    return out;
  }

  /** The URL with another user info and database (null: keep), built from the parsed one. */
  static String variant(String url, String userInfo, String database) throws IOException {
    SqlUrl u = SqlUrl.server(url, 0, "");
    String info = userInfo != null ? userInfo : u.user() + (u.password() != null ? ":" + u.password() : "");
    return u.scheme() + "://" + info + "@" + u.host() + ":" + u.port() + "/" + (database != null ? database : u.database());
  }
}
