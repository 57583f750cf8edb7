package io.nectarfs.common;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one parser of storage and metadata URLs: an immutable, parsed {@code
 * scheme://[user[:password]@]host[:port][,host[:port]...][/path][?name=value&...]}, or a path URL
 * {@code scheme:///absolute/path[?params]} ({@link #parsePath}). Engines give the parameters their
 * own meaning, but parse and read them only through this class, so every URL has the same syntax,
 * the same duration grammar and the same error shape.
 *
 * <p>Syntax rules:
 *
 * <ul>
 *   <li>User, password, host, path and parameters are percent-decoded ('+' stays '+': AWS secret
 *       keys hold it). A bad escape is an error.
 *   <li>The user info ends at the last '@' before the query, so that a password with an unencoded
 *       '@' or '/' still parses; when that text has a '/', '?' or '#' and no ':' before it (or a
 *       {@code host:port} before it), the '@' belongs to the path ({@code s3://bucket/a@b}).
 *       {@link #userInfoHasReserved()} tells engines that want such characters percent-encoded.
 *   <li>Hosts: {@code name}, {@code name:port}, {@code [v6]}, {@code [v6]:port}, Go-style {@code
 *       tcp(host:port)}, several separated by ','. A port is 1..65535.
 *   <li>A '#' outside the user info is refused (a fragment means nothing here).
 *   <li>Durations: a whole number with unit {@code ms}, {@code s}, {@code m} or {@code h} ({@code
 *       500ms}, {@code 3s}, {@code 2m}, {@code 1h}); a bare number is seconds. Positive, under 24
 *       days. Sizes: a whole number of bytes or with K, M, G, T (powers of 1024; {@code KiB} and
 *       {@code KB} spellings too). Booleans: true/false, 1/0, yes/no; a bare {@code ?name} is true.
 * </ul>
 *
 * <p>Every error is one {@link IOException} line: {@code <label> <redacted URL>: <what to fix>}.
 * The password is never part of {@link #toString()}, {@link #redacted()} or an error.
 */
public final class Url {
  /** One host of the authority; {@code port} is 0 when the URL gives none. */
  public record Host(String name, int port) {
    /** {@code name:port} with brackets around IPv6 names, using {@code dflt} when no port was given. */
    public String address(int dflt) {
      return (name.indexOf(':') >= 0 ? "[" + name + "]" : name) + ":" + (port == 0 ? dflt : port);
    }
  }

  private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)?");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,15})([KMGT]?)(i?B)?", Pattern.CASE_INSENSITIVE);
  private static final Duration MAX_DURATION = Duration.ofMillis(Integer.MAX_VALUE);

  private final String scheme;
  private final String label;
  private final String redacted;
  private final String user;
  private final String password;
  private final boolean userInfo;
  private final boolean reservedInUserInfo;
  private final List<Host> hosts;
  private final String path;
  private final Map<String, String> params;
  private final String query;

  private Url(String scheme, String label, String redacted, String user, String password, boolean userInfo, boolean reserved,
      List<Host> hosts, String path, Map<String, String> params, String query) {
    this.scheme = scheme;
    this.label = label;
    this.redacted = redacted;
    this.user = user;
    this.password = password;
    this.userInfo = userInfo;
    this.reservedInUserInfo = reserved;
    this.hosts = List.copyOf(hosts);
    this.path = path;
    this.params = Collections.unmodifiableMap(params);
    this.query = query;
  }

  /**
   * Parses an authority URL.
   *
   * @param label the start of every error, e.g. "bad Redis URL"
   * @param usage appended to syntax errors ("; use ..."), or null
   */
  public static Url parse(String raw, String label, String usage) throws IOException {
    String shown = Uris.redact(raw);
    String scheme = Uris.scheme(raw);
    if (scheme == null) {
      throw new IOException(label + " " + shown + ": not a URL" + use(usage));
    }
    String rest = raw.substring(raw.indexOf("://") + 3);
    String info = null;
    int at = userInfoEnd(scheme, rest);
    if (at >= 0) {
      info = rest.substring(0, at);
      rest = rest.substring(at + 1);
    }
    if (rest.indexOf('#') >= 0) {
      throw new IOException(label + " " + shown + ": a '#' fragment is not allowed (percent-encode '#' as %23)" + use(usage));
    }
    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String rawPath = slash < 0 ? "" : rest.substring(slash);
    String user = null;
    String password = null;
    if (info != null) {
      int colon = info.indexOf(':');
      user = decode(colon < 0 ? info : info.substring(0, colon), label, shown);
      password = colon < 0 ? null : decode(info.substring(colon + 1), label, shown);
    }
    List<Host> hosts = new ArrayList<>();
    if (!authority.isEmpty()) {
      for (String h : authority.split(",", -1)) {
        Host one = host(h, label, shown, usage);
        if (one.name().isEmpty() && authority.indexOf(',') >= 0) {
          throw new IOException(label + " " + shown + ": an empty host in the host list" + use(usage));
        }
        hosts.add(one);
      }
    }
    return new Url(scheme, label, shown, user, password, info != null, info != null && Uris.firstOf(info, "/?#@") >= 0, hosts,
        decode(rawPath, label, shown), params(query, label, shown), query);
  }

  /**
   * Where the user info of {@code rest} (the URL after {@code scheme://}) ends: the index of its
   * '@', or -1 when there is none. -2 when the text is ambiguous: {@code a:12/34@b} may be a
   * password "12/34" or host a, port 12 and a path holding '@'.
   */
  static int userInfoEnd(String scheme, String rest) {
    int firstAt = rest.indexOf('@');
    if (firstAt < 0 || (rest.startsWith("/") && !Uris.BARE_PASSWORD_SCHEMES.contains(scheme))) {
      return -1;
    }
    int q = rest.indexOf('?', firstAt);
    int at = rest.lastIndexOf('@', q < 0 ? rest.length() - 1 : q - 1);
    String candidate = rest.substring(0, at);
    if (!Uris.isUserInfo(scheme, candidate)) {
      return -1;
    }
    int reserved = Uris.firstOf(candidate, "/?#");
    if (reserved >= 0 && candidate.substring(0, reserved).matches("[^:@]*:\\d{1,5}")) {
      return -2; // host:port first: parsed as a path, refused where it is stored
    }
    return at;
  }

  /** Parses {@code scheme://PATH[?params]}: everything before the query is the (decoded) path. */
  public static Url parsePath(String raw, String label, String usage) throws IOException {
    String shown = Uris.redact(raw);
    String scheme = Uris.scheme(raw);
    if (scheme == null) {
      throw new IOException(label + " " + shown + ": not a URL" + use(usage));
    }
    String rest = raw.substring(raw.indexOf("://") + 3);
    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    if (rest.indexOf('#') >= 0) {
      throw new IOException(label + " " + shown + ": a '#' fragment is not allowed (percent-encode '#' as %23)" + use(usage));
    }
    return new Url(scheme, label, shown, null, null, false, false, List.of(), decode(rest, label, shown), params(query, label, shown), query);
  }

  /** The lower-case scheme. */
  public String scheme() {
    return scheme;
  }

  /** Whether the URL has user info (an '@' before the host). */
  public boolean hasUserInfo() {
    return userInfo;
  }

  /** Whether the raw user info holds an unencoded '/', '?', '#' or '@'. */
  public boolean userInfoHasReserved() {
    return reservedInUserInfo;
  }

  /** The decoded user (text before ':' in the user info; the whole user info without ':'), or null. */
  public String user() {
    return user;
  }

  /** The decoded password (after the first ':' of the user info), or null. Never print it. */
  public String password() {
    return password;
  }

  /** The hosts in order; empty when the authority is empty. */
  public List<Host> hosts() {
    return hosts;
  }

  /** The decoded path with its leading '/', or "" ({@link #parsePath}: everything before '?'). */
  public String path() {
    return path;
  }

  /** The decoded parameters in URL order, names as written. */
  public Map<String, String> params() {
    return params;
  }

  /** The raw query (without '?'), or "". */
  public String query() {
    return query;
  }

  /** The URL as it may be printed ({@link Uris#redact}). */
  public String redacted() {
    return redacted;
  }

  /** An error about this URL: {@code <label> <redacted URL>: <why>}. */
  public IOException error(String why) {
    return new IOException(label + " " + redacted + ": " + why);
  }

  /** Refuses parameters not in {@code known} (compared ignoring case), naming the first unknown one. */
  public void requireKnown(Collection<String> known) throws IOException {
    TreeSet<String> k = new TreeSet<>();
    known.forEach(n -> k.add(n.toLowerCase(Locale.ROOT)));
    for (String name : params.keySet()) {
      if (!k.contains(name.toLowerCase(Locale.ROOT))) {
        throw error("unknown option '" + name + "'; the options are " + String.join(", ", k));
      }
    }
  }

  /** The value of a parameter (name compared ignoring case; the last one wins). */
  public Optional<String> param(String name) {
    String v = null;
    for (Map.Entry<String, String> e : params.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        v = e.getValue();
      }
    }
    return Optional.ofNullable(v);
  }

  /** A boolean parameter; a bare {@code ?name} is true. */
  public boolean flag(String name, boolean dflt) throws IOException {
    Optional<String> v = param(name);
    if (v.isEmpty()) {
      return dflt;
    }
    return switch (v.get().toLowerCase(Locale.ROOT)) {
      case "", "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw error(name + " must be true or false, not '" + v.get() + "'");
    };
  }

  /** An integer parameter in {@code [min, max]}. */
  public int intParam(String name, int dflt, int min, int max) throws IOException {
    Optional<String> v = param(name);
    if (v.isEmpty()) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.get());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw error(name + " must be a number from " + min + " to " + max + ", not '" + v.get() + "'");
  }

  /** A duration parameter in the one grammar ({@code 500ms}, {@code 3s}, {@code 2m}, {@code 1h}; bare: seconds). */
  public Duration duration(String name, Duration dflt) throws IOException {
    Optional<String> v = param(name);
    if (v.isEmpty()) {
      return dflt;
    }
    Duration d = parseDuration(v.get());
    if (d == null) {
      throw error(name + " must be a duration such as 500ms, 3s, 2m or 1h, not '" + v.get() + "'");
    }
    if (d.isZero() || d.compareTo(MAX_DURATION) > 0) {
      throw error(name + " must be positive and under 24 days, not '" + v.get() + "'");
    }
    return d;
  }

  /** A size parameter in bytes ({@code 4096}, {@code 64K}, {@code 4MiB}, {@code 1G}). */
  public long size(String name, long dflt) throws IOException {
    Optional<String> v = param(name);
    if (v.isEmpty()) {
      return dflt;
    }
    Matcher m = SIZE.matcher(v.get());
    if (!m.matches()) {
      throw error(name + " must be a size such as 4096, 64K, 4M or 1G, not '" + v.get() + "'");
    }
    int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
      case "K" -> 10;
      case "M" -> 20;
      case "G" -> 30;
      case "T" -> 40;
      default -> 0;
    };
    long n = Long.parseLong(m.group(1));
    if (n > (Long.MAX_VALUE >> shift)) {
      throw error(name + " is too large: '" + v.get() + "'");
    }
    return n << shift;
  }

  /** The one duration grammar; null when {@code s} does not follow it. */
  public static Duration parseDuration(String s) {
    Matcher m = DURATION.matcher(s.trim());
    if (!m.matches()) {
      return null;
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2) == null ? "s" : m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofSeconds(n);
    };
  }

  /** Never the password. */
  @Override
  public String toString() {
    return redacted;
  }

  private static String use(String usage) {
    return usage == null || usage.isEmpty() ? "" : "; " + usage;
  }

  private static Host host(String h, String label, String shown, String usage) throws IOException {
    if (h.startsWith("tcp(") && h.endsWith(")")) {
      h = h.substring(4, h.length() - 1);
    } else if (h.startsWith("(") && h.endsWith(")")) {
      h = h.substring(1, h.length() - 1);
    }
    String name = h;
    String port = null;
    if (h.startsWith("[")) {
      int close = h.indexOf(']');
      if (close < 0) {
        throw new IOException(label + " " + shown + ": unclosed '[' in the IPv6 host" + use(usage));
      }
      name = h.substring(1, close);
      String after = h.substring(close + 1);
      if (after.startsWith(":")) {
        port = after.substring(1);
      } else if (!after.isEmpty()) {
        throw new IOException(label + " " + shown + ": unexpected '" + after + "' after the IPv6 host" + use(usage));
      }
    } else {
      int colon = h.lastIndexOf(':');
      if (colon >= 0) {
        name = h.substring(0, colon);
        port = h.substring(colon + 1);
      }
    }
    int p = 0;
    if (port != null) {
      p = port.matches("\\d{1,5}") ? Integer.parseInt(port) : -1;
      if (p < 1 || p > 65535) {
        throw new IOException(label + " " + shown + ": bad port '" + port + "': use a number from 1 to 65535");
      }
    }
    return new Host(decode(name, label, shown), p);
  }

  private static Map<String, String> params(String query, String label, String shown) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      m.put(decode(eq < 0 ? pair : pair.substring(0, eq), label, shown), eq < 0 ? "" : decode(pair.substring(eq + 1), label, shown));
    }
    return m;
  }

  /** Percent-decoding as UTF-8; '+' stays '+'. */
  private static String decode(String s, String label, String shown) throws IOException {
    String d = decodeOrNull(s);
    if (d == null) {
      throw new IOException(label + " " + shown + ": bad percent-encoding (write '%' as %25)");
    }
    return d;
  }

  /** Decoding for the redactor: never throws, keeps a bad escape as written. */
  static String decodeQuietly(String s) {
    String d = decodeOrNull(s);
    return d == null ? s : d;
  }

  private static String decodeOrNull(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '%') {
        if (i + 2 >= b.length || Character.digit(b[i + 1], 16) < 0 || Character.digit(b[i + 2], 16) < 0) {
          return null;
        }
        out.write(Character.digit(b[i + 1], 16) * 16 + Character.digit(b[i + 2], 16));
        i += 2;
      } else {
        out.write(b[i]);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
