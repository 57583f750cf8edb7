package io.nectarfs.meta.redis;

import io.nectarfs.common.Uris;
import io.nectarfs.common.Url;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
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
 *       500ms}, {@code 5s}, {@code 1m}, {@code 1h} (the one grammar of {@link Url}).
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
   * Parses {@code url} through the one URL parser ({@link Url}).
   *
   * @throws IOException a one-line message naming the redacted URL and what to fix
   */
  static RedisUrl parse(String url) throws IOException {
    String scheme = Uris.scheme(url);
    if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
      throw new IOException("bad Redis URL " + Uris.redact(url) + ": not a redis:// or rediss:// URL; " + USAGE);
    }
    Url u = Url.parse(url, "bad Redis URL", USAGE);
    if (u.userInfoHasReserved()) {
      throw u.error("the user or password contains a reserved character: percent-encode '/' as %2F, '?' as %3F, '#' as %23, '@' as %40");
    }
    String user = null;
    String password = null;
    if (u.hasUserInfo()) {
      // redis://secret@host (no colon) is the old password-only form, as redis-cli reads it.
      String p = u.password() == null ? u.user() : u.password();
      String name = u.password() == null ? "" : u.user();
      user = name.isEmpty() ? null : name;
      password = p.isEmpty() ? null : p;
    }
    if (u.hosts().size() > 1) {
      throw u.error("one host only (Redis Cluster and Sentinel are not supported); " + USAGE);
    }
    if (u.hosts().isEmpty() || u.hosts().get(0).name().isEmpty()) {
      throw u.error("the host is missing; " + USAGE);
    }
    Url.Host host = u.hosts().get(0);
    String path = u.path();
    while (path.startsWith("/") || path.endsWith("/")) {
      path = path.startsWith("/") ? path.substring(1) : path.substring(0, path.length() - 1);
    }
    int db = 0;
    if (!path.isEmpty()) {
      if (!path.matches("\\d{1,5}")) {
        throw u.error("the path must be a database number, not '" + path + "'; " + USAGE);
      }
      db = Integer.parseInt(path);
    }
    u.requireKnown(List.of("prefix", "connect-timeout", "timeout", "max-connections"));
    String prefix = u.param("prefix").orElse(Integer.toString(db));
    if (!NAME.matcher(prefix).matches()) {
      throw u.error("prefix must be 1-64 letters, digits, '.', '_' or '-', not '" + prefix + "'");
    }
    return new RedisUrl(u.scheme().equals("rediss"), host.name(), host.port() == 0 ? DEFAULT_PORT : host.port(), db, user, password,
        prefix, u.duration("connect-timeout", DEFAULT_CONNECT_TIMEOUT), u.duration("timeout", DEFAULT_TIMEOUT),
        u.intParam("max-connections", DEFAULT_MAX_CONNECTIONS, 1, 9999), u.redacted());
  }

  /** Never prints the password, even in a debugger or a failed assertion. */
  @Override
  public String toString() {
    return redacted;
  }
}
