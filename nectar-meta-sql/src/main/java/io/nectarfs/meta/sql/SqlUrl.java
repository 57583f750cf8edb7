package io.nectarfs.meta.sql;

import io.nectarfs.common.Uris;
import io.nectarfs.common.Url;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A parsed metadata URL: {@code scheme://user[:password]@host[:port]/database?options} for
 * servers, {@code sqlite3:///absolute/path.db?options} for SQLite (the path must be absolute). User,
 * password and database may be percent-encoded. Options are {@code name=value} pairs.
 *
 * <p>The password never leaves this record except to the driver: {@link #describe()} prints
 * {@code user:****}, and every error message is built from {@link #redact(String)}.
 */
record SqlUrl(
    String scheme, String user, String password, String host, int port, String database, String path, Map<String, String> options,
    String query,
    Url url) {

  private static final String LABEL = "invalid metadata URL";

  private static final Pattern TABLE_PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,40}");
  private static final Pattern DATABASE = Pattern.compile("[A-Za-z0-9_$-]{1,64}");

  /** Parses a server URL through the one URL parser; {@code usage} is the syntax shown in errors. */
  static SqlUrl server(String raw, int defaultPort, String usage) throws IOException {
    Url url = Url.parse(raw, LABEL, usage);
    if (url.hosts().isEmpty() || url.hosts().get(0).name().isEmpty()) {
      throw bad(url, "no host", usage);
    }
    if (url.hosts().size() > 1) {
      throw bad(url, "one host only", usage);
    }
    Url.Host h = url.hosts().get(0);
    String user = url.user() == null ? "" : url.user();
    if (user.isEmpty()) {
      throw bad(url, "no user", usage);
    }
    String db = url.path();
    while (db.startsWith("/") || db.endsWith("/")) {
      db = db.startsWith("/") ? db.substring(1) : db.substring(0, db.length() - 1);
    }
    if (db.isEmpty()) {
      throw bad(url, "no database", usage);
    }
    String host = h.name().indexOf(':') >= 0 ? "[" + h.name() + "]" : h.name(); // as JDBC URLs write IPv6
    return new SqlUrl(url.scheme(), user, url.password(), host, h.port() == 0 ? defaultPort : h.port(), db, null, url.params(),
        url.query(), url);
  }

  /** Parses {@code sqlite3:///abs/path.db?options}; a relative path is refused (naming the absolute one). */
  static SqlUrl file(String raw, String usage) throws IOException {
    Url url = Url.parsePath(raw, LABEL, usage);
    String path = url.path();
    if (path.isEmpty() || path.endsWith("/")) {
      throw bad(url, "no database file", usage);
    }
    if (!path.startsWith("/")) {
      // A relative path would depend on the working directory of every command and mount.
      throw url.error("the database path must be absolute; use " + url.scheme() + "://"
          + java.nio.file.Path.of(path).toAbsolutePath().normalize());
    }
    return new SqlUrl(url.scheme(), null, null, null, 0, null, path, url.params(), url.query(), url);
  }

  /** This URL with the given password (from a secret) when it had none. */
  SqlUrl withPassword(String pw) {
    return new SqlUrl(scheme, user, pw, host, port, database, path, options, query, url);
  }

  /** The address for messages: the password (if any) as {@code ****}, secret options redacted. */
  String describe() {
    String q = query.isEmpty() ? "" : Uris.redact("x://h?" + query).substring("x://h".length());
    if (path != null) {
      return scheme + "://" + path + q;
    }
    String userInfo = encode(user) + (password != null ? ":****" : "");
    return scheme + "://" + userInfo + "@" + host + ":" + port + "/" + encode(database) + q;
  }

  /** The table of this volume: {@code <table-prefix>kv}, by default {@code nectar_kv}. */
  String table() throws IOException {
    String prefix = options.getOrDefault("table-prefix", "nectar_");
    if (!prefix.isEmpty() && !TABLE_PREFIX.matcher(prefix).matches()) {
      throw new IOException("table-prefix '" + prefix + "' in " + describe()
          + " is not valid: use up to 41 letters, digits and '_', not starting with a digit");
    }
    return prefix.toLowerCase(Locale.ROOT) + "kv";
  }

  /** The database name, checked so that it can appear in CREATE DATABASE. */
  String checkedDatabase() throws IOException {
    if (!DATABASE.matcher(database).matches()) {
      throw new IOException("cannot create database '" + database + "' of " + describe() + ": use letters, digits, '_', '$' and '-' only");
    }
    return database;
  }

  boolean flag(String name) throws IOException {
    return url.flag(name, false);
  }

  int intOption(String name, int dflt, int min, int max) throws IOException {
    return url.intParam(name, dflt, min, max);
  }

  /** A duration option in the one grammar of {@link Url}. */
  java.time.Duration duration(String name, java.time.Duration dflt) throws IOException {
    return url.duration(name, dflt);
  }

  /** Redacts a raw URL that may not parse ({@link Uris#redact}). */
  static String redact(String url) {
    return Uris.redact(url);
  }

  private static IOException bad(Url url, String what, String usage) {
    return url.error(what + "; use " + usage);
  }

  private static String encode(String s) {
    StringBuilder sb = new StringBuilder();
    for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~'
          || c == '$') {
        sb.append((char) c);
      } else {
        sb.append('%').append(String.format("%02X", c & 0xff));
      }
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return describe();
  }
}
