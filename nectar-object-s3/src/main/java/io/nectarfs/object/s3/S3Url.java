package io.nectarfs.object.s3;

import io.nectarfs.common.Uris;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed S3 storage URL.
 *
 * <pre>
 *   s3://bucket[/prefix][?options]                               AWS S3
 *   http(s)://[ACCESS:SECRET@]host[:port]/bucket[/prefix][?options]  S3-compatible endpoint
 * </pre>
 *
 * <p>Options: {@code region=}, {@code path-style=true|false}, {@code max-connections=N}, {@code
 * connect-timeout=}, {@code request-timeout=} (durations such as {@code 500ms}, {@code 10s}, {@code
 * 2m}), {@code create-bucket=true|false}. The user info, if any, is percent-decoded ("+" stays "+",
 * as AWS secret keys contain it).
 *
 * @param endpoint the endpoint URL ({@code http://host:port}), or null for AWS S3
 * @param bucket the bucket name
 * @param prefix the key prefix inside the bucket, "" or ending with "/"
 * @param accessKey access key from the URL, or null
 * @param secretKey secret key from the URL, or null
 * @param region the region, or null when not given in the URL
 * @param redacted the URL as it may be printed
 */
record S3Url(
    String endpoint,
    String bucket,
    String prefix,
    String accessKey,
    String secretKey,
    String region,
    boolean pathStyle,
    int maxConnections,
    Duration connectTimeout,
    Duration requestTimeout,
    boolean createBucket,
    String redacted) {

  static final int DEFAULT_MAX_CONNECTIONS = 64;
  static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");
  private static final String USAGE =
      "use s3://bucket[/prefix] or http(s)://[ACCESS:SECRET@]host[:port]/bucket[/prefix]";
  private static final String OPTIONS =
      "region, path-style, max-connections, connect-timeout, request-timeout, create-bucket";

  /** The endpoint as shown in messages: {@code host:port}, or "AWS S3 (region)". */
  String shownEndpoint(String effectiveRegion) {
    return endpoint == null ? "AWS S3 (region " + effectiveRegion + ")" : endpoint;
  }

  /**
   * Parses {@code url}.
   *
   * @throws IOException with a one-line message naming the redacted URL and what to fix
   */
  static S3Url parse(String url) throws IOException {
    String shown = redact(url);
    int sep = url.indexOf("://");
    if (sep <= 0) {
      throw bad(shown, "not a URL; " + USAGE);
    }
    String scheme = url.substring(0, sep).toLowerCase(Locale.ROOT);
    if (!scheme.equals("s3") && !scheme.equals("http") && !scheme.equals("https")) {
      throw bad(shown, "scheme '" + scheme + "' is not s3, http or https; " + USAGE);
    }
    String rest = url.substring(sep + 3);
    if (rawSlashInSecret(url)) {
      throw bad(shown, "the secret key contains a reserved character: percent-encode '/' as %2F, '@' as %40, '?' as %3F, '#' as %23");
    }
    if (rest.indexOf('#') >= 0) {
      throw bad(shown, "a '#' fragment is not allowed (percent-encode '#' in secrets as %23); " + USAGE);
    }
    String query = null;
    int q = rest.indexOf('?');
    int slash = rest.indexOf('/');
    // A '?' inside the user info (before '@') is not the query; the authority ends at the first '/'.
    int at = rest.lastIndexOf('@', slash < 0 ? rest.length() - 1 : slash);
    if (q >= 0 && q > at) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
      slash = rest.indexOf('/');
    }
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash + 1);
    String accessKey = null;
    String secretKey = null;
    at = authority.lastIndexOf('@');
    if (at >= 0) {
      String info = authority.substring(0, at);
      authority = authority.substring(at + 1);
      int colon = info.indexOf(':');
      if (colon <= 0 || colon == info.length() - 1) {
        throw bad(shown, "credentials in the URL must be ACCESS:SECRET (percent-encoded)");
      }
      accessKey = decode(info.substring(0, colon), shown);
      secretKey = decode(info.substring(colon + 1), shown);
    }

    String endpoint = null;
    String bucket;
    String prefix;
    if (scheme.equals("s3")) {
      bucket = authority;
      prefix = path;
      if (bucket.isEmpty()) {
        throw bad(shown, "missing bucket name; " + USAGE);
      }
      if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
        throw bad(shown, "'" + bucket + "' is not a valid S3 bucket name (3-63 characters: a-z, 0-9, '.', '-')");
      }
    } else {
      endpoint = scheme + "://" + hostPort(authority, scheme, shown);
      int s = path.indexOf('/');
      bucket = s < 0 ? path : path.substring(0, s);
      prefix = s < 0 ? "" : path.substring(s + 1);
      if (bucket.isEmpty()) {
        throw bad(shown, "missing bucket name after the host; " + USAGE);
      }
    }
    prefix = decode(prefix, shown);
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      prefix = prefix + "/";
    }
    if (prefix.startsWith("/") || prefix.contains("//")) {
      throw bad(shown, "empty path segment in the key prefix");
    }

    String region = null;
    boolean pathStyle = endpoint != null;
    int maxConnections = DEFAULT_MAX_CONNECTIONS;
    Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    boolean createBucket = false;
    if (query != null && !query.isEmpty()) {
      for (String kv : query.split("&")) {
        if (kv.isEmpty()) {
          continue;
        }
        int eq = kv.indexOf('=');
        String k = (eq < 0 ? kv : kv.substring(0, eq)).toLowerCase(Locale.ROOT);
        String v = eq < 0 ? "" : decode(kv.substring(eq + 1), shown);
        switch (k) {
          case "region" -> {
            if (!v.matches("[a-z0-9-]+")) {
              throw bad(shown, "region '" + v + "' is not a region name such as us-east-1");
            }
            region = v;
          }
          case "path-style" -> pathStyle = bool(k, v, shown);
          case "create-bucket" -> createBucket = bool(k, v, shown);
          case "max-connections" -> {
            try {
              maxConnections = Integer.parseInt(v);
            } catch (NumberFormatException e) {
              maxConnections = -1;
            }
            if (maxConnections < 1 || maxConnections > 10_000) {
              throw bad(shown, "max-connections must be a number from 1 to 10000, got '" + v + "'");
            }
          }
          case "connect-timeout" -> connectTimeout = duration(k, v, shown);
          case "request-timeout" -> requestTimeout = duration(k, v, shown);
          default -> throw bad(shown, "unknown option '" + k + "'; the options are " + OPTIONS);
        }
      }
    }
    return new S3Url(endpoint, bucket, prefix, accessKey, secretKey, region, pathStyle, maxConnections,
        connectTimeout, requestTimeout, createBucket, shown);
  }

  private static String hostPort(String authority, String scheme, String shown) throws IOException {
    String host;
    String port = null;
    if (authority.startsWith("[")) {
      int end = authority.indexOf(']');
      if (end < 0) {
        throw bad(shown, "unterminated IPv6 address");
      }
      host = authority.substring(0, end + 1);
      String after = authority.substring(end + 1);
      if (after.startsWith(":")) {
        port = after.substring(1);
      } else if (!after.isEmpty()) {
        throw bad(shown, "unexpected '" + after + "' after the IPv6 address");
      }
    } else {
      int colon = authority.lastIndexOf(':');
      host = colon < 0 ? authority : authority.substring(0, colon);
      port = colon < 0 ? null : authority.substring(colon + 1);
    }
    if (host.isEmpty() || (!host.startsWith("[") && !host.matches("[A-Za-z0-9._-]+"))) {
      throw bad(shown, "missing or invalid host name '" + host + "'; " + USAGE);
    }
    if (port == null) {
      return host;
    }
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      p = -1;
    }
    if (p < 1 || p > 65535) {
      throw bad(shown, "bad port '" + port + "': use a number from 1 to 65535");
    }
    return host + ":" + p;
  }

  private static boolean bool(String k, String v, String shown) throws IOException {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw bad(shown, k + " must be true or false, got '" + v + "'");
    };
  }

  static Duration duration(String k, String v, String shown) throws IOException {
    Matcher m = DURATION.matcher(v.trim());
    if (!m.matches()) {
      throw bad(shown, k + " must be a duration such as 500ms, 10s or 2m, got '" + v + "'");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    Duration d = switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofSeconds(n);
    };
    if (d.isZero()) {
      throw bad(shown, k + " must be positive");
    }
    return d;
  }

  /** Percent-decoding that leaves '+' alone (it is a literal in secrets and key prefixes). */
  private static String decode(String s, String shown) throws IOException {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw bad(shown, "bad percent-encoding (write '%' as %25)");
    }
  }

  /**
   * {@link Uris#redact}, made safe for a secret that was not percent-encoded: when the text before
   * the last '@' (ahead of the query) has "ACCESS:" followed by something that is not a port, all
   * of it up to that '@' is taken as user info.
   */
  static String redact(String url) {
    int sep = url.indexOf("://");
    int firstAt = sep < 0 ? -1 : url.indexOf('@', sep);
    int firstSlash = sep < 0 ? -1 : url.indexOf('/', sep + 3);
    if (sep > 0 && firstAt > 0 && firstSlash >= 0 && firstSlash < firstAt) {
      // '@' only after a '/': either a prefix containing '@' or a secret with a raw '/'.
      int q = url.indexOf('?', sep);
      int at = url.lastIndexOf('@', q < 0 ? url.length() - 1 : q);
      if (at > sep) {
        String info = url.substring(sep + 3, at);
        int colon = info.indexOf(':');
        int slash = info.indexOf('/');
        boolean port = colon >= 0 && (slash < 0 ? info.substring(colon + 1) : info.substring(colon + 1, Math.max(colon + 1, slash))).matches("\\d+");
        if (colon >= 0 && !port && (slash < 0 || colon < slash)) {
          return Uris.redact(url.substring(0, sep + 3) + info.substring(0, colon) + ":****" + url.substring(at));
        }
      }
    }
    return Uris.redact(url);
  }

  /** Whether the user info holds a secret with an unencoded '/' (the authority would end early). */
  private static boolean rawSlashInSecret(String url) {
    int sep = url.indexOf("://");
    int firstAt = sep < 0 ? -1 : url.indexOf('@', sep);
    int firstSlash = sep < 0 ? -1 : url.indexOf('/', sep + 3);
    if (sep <= 0 || firstAt <= 0 || firstSlash < 0 || firstSlash > firstAt) {
      return false;
    }
    int q = url.indexOf('?', sep);
    int at = url.lastIndexOf('@', q < 0 ? url.length() - 1 : q);
    String info = url.substring(sep + 3, at);
    int colon = info.indexOf(':');
    int slash = info.indexOf('/');
    boolean port = colon >= 0 && info.substring(colon + 1, Math.max(colon + 1, slash < 0 ? info.length() : slash)).matches("\\d+");
    return colon >= 0 && !port && (slash < 0 || colon < slash);
  }

  private static IOException bad(String shown, String why) {
    return new IOException("malformed storage URL " + shown + ": " + why);
  }

  /** Never prints the secret key. */
  @Override
  public String toString() {
    return redacted;
  }
}
