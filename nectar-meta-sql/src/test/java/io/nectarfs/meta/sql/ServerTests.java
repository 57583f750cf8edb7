package io.nectarfs.meta.sql;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Helpers for the tests against a database server: every test class of one run gets its own
 * tables ({@code table-prefix=t<run>_<class>_}), so runs of several checkouts or test classes
 * against one server never share a volume; the classes drop their tables afterwards.
 */
final class ServerTests {
  static final String RUN = "t" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);

  private ServerTests() {}

  static String withOption(String url, String option) {
    return url + (url.contains("?") ? "&" : "?") + option;
  }

  static String prefixed(String url, String tag) {
    return withOption(url, "table-prefix=" + RUN + "_" + tag.toLowerCase(java.util.Locale.ROOT) + "_");
  }

  static TxnKv open(String url) throws IOException {
    return open(url, Map.of());
  }

  static TxnKv open(String url, Map<String, String> env) throws IOException {
    return MetaEngines.registry().open(url, new Secrets(env));
  }

  /** Drops the tables of the given test classes (best effort: the service may be gone). */
  static void dropTables(String url, String... tags) {
    if (url == null || url.isBlank()) {
      return;
    }
    for (String tag : tags) {
      try (TxnKv kv = open(prefixed(url, tag))) {
        ((SqlKv) kv).drop();
      } catch (IOException | RuntimeException ignored) {
        // leave it; the table names are unique per run
      }
    }
  }

  /** The URL with another user info and database (null: keep), built from the parsed one. */
  static String variant(String url, String userInfo, String database) throws IOException {
    SqlUrl u = SqlUrl.server(url, 0, "");
    String info = userInfo != null ? userInfo : u.user() + (u.password() != null ? ":" + u.password() : "");
    return u.scheme() + "://" + info + "@" + u.host() + ":" + u.port() + "/" + (database != null ? database : u.database());
  }
}
