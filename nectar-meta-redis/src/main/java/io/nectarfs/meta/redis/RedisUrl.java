package io.nectarfs.meta.redis;

import io.nectarfs.common.Uris;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed Redis metadata URL.
 *
 * <pre>
 *   redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?options]     plain TCP (default port 6379, DB 0)
 *   rediss://[[USER]:PASSWORD@]HOST[:PORT][/DB][?options]    TLS, certificates checked by the JDK
 * </pre>
 *
 * <p>The user info is percent-decoded. Without a password in the URL, {@code META_PASSWORD} (or
 * {@code META_PASSWORD_FILE}) supplies it. Options:
 *
 * <ul>
 *   <li>{@code prefix=NAME}: the volume's name inside the database; every Redis key of the volume
 *       starts with the hash tag <code>{NAME}</code> (default: the DB number), so several volumes
 *       can share one database and Redis Cluster keeps a volume in one slot. NAME is made of
 *       letters, digits, '.', '_' and '-'.
 *   <li>{@code connect-timeout=3s}, {@code timeout=10s} (per command), durations like {@code
 *       500ms}, {@code 5s}, {@code 1m}.
 *   <li>{@code max-connections=32}: pooled connections; a transaction holds one while it runs.
 * </ul>
 *
 * @param user ACL user name, or null for the default user
 * @param password the password from the URL, or null
 * @param redacted the URL as it may be printed
 */
record RedisUrl(
    boolean tls,
    String host,
    int port,
    int db,
    String user,
    String password,
    String prefix,
    Duration connectTimeout,
    Duration timeout,
    int maxConnections,
    String redacted) {

  static final int DEFAULT_PORT = 6379;
  static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  static final int DEFAULT_MAX_CONNECTIONS = 32;

  private static final String USAGE = "use redis://[[user]:password@]host[:port][/db][?prefix=name] (rediss:// for TLS)";
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)?");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /** The hash tag every key of the volume starts with, e.g. <code>{1}</code> or <code>{vol}</code>. */
  String tag() {
    return "{" + prefix + "}";
  }

  /** {@code host:port/db}, for log lines that need no scheme. */
  String address() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port + "/" + db;
  }

  /**
   * Parses {@code url}.
   *
   * @throws IOException a one-line message naming the redacted URL and what to fix
   */
  static RedisUrl parse(String url) throws IOException {
    int sep = url.indexOf("://");
    String scheme = sep <= 0 ? "" : url.substring(0, sep).toLowerCase(Locale.ROOT);
    if (!scheme.equals("redis") && !scheme.equals("rediss")) {
      throw bad(Uris.redact(url), "not a redis:// or rediss:// URL; " + USAGE);
    }
    String rest = url.substring(sep + 3);
    // The user info ends at the last '@' (the rest of the URL has no '@'), so that the password
    // never leaks into a message, however it is written.
    int at = rest.lastIndexOf('@');
    String info = at < 0 ? null : rest.substring(0, at);
    rest = at < 0 ? rest : rest.substring(at + 1);
    String shown = Uris.redact(info == null ? url : scheme + "://" + redactInfo(info) + "@" + rest);
    if (info != null && (info.indexOf('/') >= 0 || info.indexOf('?') >= 0 || info.indexOf('#') >= 0 || info.indexOf('@') >= 0)) {
      throw bad(shown, "the user or password contains a reserved character: percent-encode '/' as %2F, '?' as %3F, '#' as %23, '@' as %40");
    }
    if (rest.indexOf('#') >= 0) {
      throw bad(shown, "a '#' fragment is not allowed; " + USAGE);
    }
    String query = null;
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash + 1);

    String user = null;
    String password = null;
    if (info != null) {
      int colon = info.indexOf(':');
      String u = colon < 0 ? "" : info.substring(0, colon);
      // redis://secret@host (no colon) is the old password-only form, as redis-cli reads it.
      String p = colon < 0 ? info : info.substring(colon + 1);
      user = u.isEmpty() ? null : decode(u, shown);
      password = p.isEmpty() ? null : decode(p, shown);
    }

    String host;
    int port = DEFAULT_PORT;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        throw bad(shown, "unclosed '[' in the IPv6 host; " + USAGE);
      }
      host = authority.substring(1, close);
      String after = authority.substring(close + 1);
      if (!after.isEmpty()) {
        if (!after.startsWith(":")) {
          throw bad(shown, "unexpected '" + after + "' after the host; " + USAGE);
        }
        port = port(after.substring(1), shown);
      }
    } else {
      int colon = authority.lastIndexOf(':');
      host = colon < 0 ? authority : authority.substring(0, colon);
      if (colon >= 0) {
        port = port(authority.substring(colon + 1), shown);
      }
    }
    if (host.isEmpty()) {
      throw bad(shown, "the host is missing; " + USAGE);
    }

    int db = 0;
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (!path.isEmpty()) {
      if (!path.matches("\\d{1,5}")) {
        throw bad(shown, "the path must be a database number, not '" + path + "'; " + USAGE);
      }
      db = Integer.parseInt(path);
    }

    String prefix = Integer.toString(db);
    Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    Duration timeout = DEFAULT_TIMEOUT;
    int maxConnections = DEFAULT_MAX_CONNECTIONS;
    if (query != null && !query.isEmpty()) {
      for (String kv : query.split("&")) {
        if (kv.isEmpty()) {
          continue;
        }
        int eq = kv.indexOf('=');
        String k = (eq < 0 ? kv : kv.substring(0, eq)).toLowerCase(Locale.ROOT);
        String v = eq < 0 ? "" : decode(kv.substring(eq + 1), shown);
        switch (k) {
          case "prefix" -> {
            if (!NAME.matcher(v).matches()) {
              throw bad(shown, "prefix must be 1-64 letters, digits, '.', '_' or '-', not '" + v + "'");
            }
            prefix = v;
          }
          case "connect-timeout" -> connectTimeout = duration(k, v, shown);
          case "timeout" -> timeout = duration(k, v, shown);
          case "max-connections" -> {
            if (!v.matches("\\d{1,4}") || Integer.parseInt(v) < 1) {
              throw bad(shown, "max-connections must be a number from 1 to 9999, not '" + v + "'");
            }
            maxConnections = Integer.parseInt(v);
          }
          default -> throw bad(shown, "unknown option '" + k + "'; known are prefix, connect-timeout, timeout, max-connections");
        }
      }
    }
    return new RedisUrl(scheme.equals("rediss"), host, port, db, user, password, prefix, connectTimeout, timeout, maxConnections, shown);
  }

  /** Never prints the password, even in a debugger or a failed assertion. */
  @Override
  public String toString() {
    return redacted;
  }

  private static String redactInfo(String info) {
    int colon = info.indexOf(':');
    if (info.isEmpty()) {
      return "";
    }
    return colon < 0 ? "****" : info.substring(0, colon) + ":****";
  }

  private static int port(String s, String shown) throws IOException {
    if (!s.matches("\\d{1,5}") || Integer.parseInt(s) < 1 || Integer.parseInt(s) > 65535) {
      throw bad(shown, "the port must be a number from 1 to 65535, not '" + s + "'");
    }
    return Integer.parseInt(s);
  }

  private static Duration duration(String key, String v, String shown) throws IOException {
    Matcher m = DURATION.matcher(v);
    if (!m.matches()) {
      throw bad(shown, key + " must be a duration such as 500ms, 5s or 1m, not '" + v + "'");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    Duration d = switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofSeconds(n);
    };
    if (d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
      throw bad(shown, key + " must be positive and under 24 days, not '" + v + "'");
    }
    return d;
  }

  private static String decode(String s, String shown) throws IOException {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw bad(shown, "bad percent-encoding in the URL");
    }
  }

  private static IOException bad(String shown, String what) {
    return new IOException("bad Redis URL " + shown + ": " + what);
  }
}
