package io.nectarfs.meta.sql;

import io.nectarfs.common.Uris;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
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
    String query) {

  private static final Pattern TABLE_PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,40}");
  private static final Pattern DATABASE = Pattern.compile("[A-Za-z0-9_$-]{1,64}");

  /** Parses a server URL; {@code usage} is the syntax shown in errors. */
  static SqlUrl server(String url, int defaultPort, String usage) throws IOException {
    String scheme = Uris.scheme(url);
    String rest = url.substring(url.indexOf("://") + 3);
    // The user info ends at the last '@', so that an unencoded '@' in the password still parses.
    int at = rest.lastIndexOf('@');
    String userInfo = at >= 0 ? rest.substring(0, at) : "";
    String hostPart = rest.substring(at + 1);
    String query = "";
    int q = hostPart.indexOf('?');
    if (q >= 0) {
      query = hostPart.substring(q + 1);
      hostPart = hostPart.substring(0, q);
    }
    int slash = hostPart.indexOf('/');
    String hostPort = slash >= 0 ? hostPart.substring(0, slash) : hostPart;
    String db = slash >= 0 ? hostPart.substring(slash + 1) : "";
    while (db.endsWith("/")) {
      db = db.substring(0, db.length() - 1);
    }
    // Go-style DSNs ("user:pw@tcp(host:3306)/db", as JuiceFS documents) are accepted too.
    if (hostPort.startsWith("tcp(") && hostPort.endsWith(")")) {
      hostPort = hostPort.substring(4, hostPort.length() - 1);
    } else if (hostPort.startsWith("(") && hostPort.endsWith(")")) {
      hostPort = hostPort.substring(1, hostPort.length() - 1);
    }
    String host = hostPort;
    int port = defaultPort;
    int colon = hostPort.startsWith("[") ? hostPort.indexOf(':', hostPort.indexOf(']')) : hostPort.lastIndexOf(':');
    if (colon >= 0) {
      host = hostPort.substring(0, colon);
      String p = hostPort.substring(colon + 1);
      try {
        port = Integer.parseInt(p);
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port <= 0 || port > 65535) {
        throw bad(url, "port '" + p + "' is not a number from 1 to 65535", usage);
      }
    }
    if (host.isEmpty()) {
      throw bad(url, "no host", usage);
    }
    int c = userInfo.indexOf(':');
    String user = decode(url, c >= 0 ? userInfo.substring(0, c) : userInfo, usage);
    String password = c >= 0 ? decode(url, userInfo.substring(c + 1), usage) : null;
    if (user.isEmpty()) {
      throw bad(url, "no user", usage);
    }
    db = decode(url, db, usage);
    if (db.isEmpty()) {
      throw bad(url, "no database", usage);
    }
    return new SqlUrl(scheme, user, password, host, port, db, null, options(url, query, usage), query);
  }

  /** Parses {@code sqlite3:///abs/path.db?options}; a relative path is refused (naming the absolute one). */
  static SqlUrl file(String url, String usage) throws IOException {
    String scheme = Uris.scheme(url);
    String rest = url.substring(url.indexOf("://") + 3);
    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    String path = decode(url, rest, usage);
    if (path.isEmpty() || path.endsWith("/")) {
      throw bad(url, "no database file", usage);
    }
    if (!path.startsWith("/")) {
      // A relative path would depend on the working directory of every command and mount.
      throw new IOException("invalid metadata URL " + redact(url) + ": the database path must be absolute; use " + scheme + "://"
          + java.nio.file.Path.of(path).toAbsolutePath().normalize());
    }
    return new SqlUrl(scheme, null, null, null, 0, null, path, options(url, query, usage), query);
  }

  /** This URL with the given password (from a secret) when it had none. */
  SqlUrl withPassword(String pw) {
    return new SqlUrl(scheme, user, pw, host, port, database, path, options, query);
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
    String v = options.get(name);
    if (v == null || v.isEmpty()) {
      return v != null;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new IOException("option " + name + "=" + v + " in " + describe() + " is not true or false");
    };
  }

  int intOption(String name, int dflt, int min, int max) throws IOException {
    String v = options.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IOException("option " + name + "=" + v + " in " + describe() + " must be a number from " + min + " to " + max);
  }

  /** Redacts a raw URL that may not parse: everything before the last '@' loses its password. */
  static String redact(String url) {
    int s = url.indexOf("://");
    int at = url.lastIndexOf('@');
    if (s >= 0 && at > s) {
      String info = url.substring(s + 3, at);
      int c = info.indexOf(':');
      String head = url.substring(0, s + 3) + (c >= 0 ? info.substring(0, c) + ":****" : info) + "@";
      // Uris.redact would mask a bare user as well; the password is gone already.
      return head + Uris.redact("x://" + url.substring(at + 1)).substring(4);
    }
    return Uris.redact(url);
  }

  private static Map<String, String> options(String url, String query, String usage) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    if (query.isEmpty()) {
      return m;
    }
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = decode(url, eq >= 0 ? pair.substring(0, eq) : pair, usage);
      String v = eq >= 0 ? decode(url, pair.substring(eq + 1), usage) : "";
      m.put(k, v);
    }
    return m;
  }

  private static IOException bad(String url, String what, String usage) {
    return new IOException("invalid metadata URL " + redact(url) + ": " + what + "; use " + usage);
  }

  /** Percent-decoding (no '+' for space: that is form encoding, not URL syntax). */
  private static String decode(String url, String s, String usage) throws IOException {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '%') {
        if (i + 2 >= b.length || Character.digit(b[i + 1], 16) < 0 || Character.digit(b[i + 2], 16) < 0) {
          throw bad(url, "bad percent-encoding", usage);
        }
        out.write(Character.digit(b[i + 1], 16) * 16 + Character.digit(b[i + 2], 16));
        i += 2;
      } else {
        out.write(b[i]);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
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
