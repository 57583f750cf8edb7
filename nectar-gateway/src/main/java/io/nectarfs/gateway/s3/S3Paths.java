package io.nectarfs.gateway.s3;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which bucket and key a request names, from its Host header and raw path, decoded exactly once
 * here (Jetty passes the path through untouched): path style {@code /bucket/key} and virtual-host
 * style {@code bucket.DOMAIN/key}. A key is everything after the bucket's '/', byte for byte
 * after percent-decoding ('+' stays '+', "//" stays "//"), so every S3 key round-trips.
 */
final class S3Paths {
  private S3Paths() {}

  /** @param bucket null for the service (ListBuckets); @param key null for a bucket request */
  record Target(String bucket, String key) {}

  static Target target(String host, String rawPath, Set<String> domains) throws S3Exception {
    if (rawPath == null || !rawPath.startsWith("/")) {
      throw S3Error.INVALID_REQUEST.exception("the request path must start with /");
    }
    String vhost = virtualBucket(host, domains);
    if (vhost != null) {
      String key = rawPath.length() > 1 ? decode(rawPath.substring(1), false) : null;
      return new Target(vhost, key);
    }
    String rest = rawPath.substring(1);
    if (rest.isEmpty()) {
      return new Target(null, null);
    }
    int slash = rest.indexOf('/');
    String bucket = decode(slash < 0 ? rest : rest.substring(0, slash), false);
    String key = slash < 0 || slash == rest.length() - 1 ? null : decode(rest.substring(slash + 1), false);
    return new Target(bucket, key);
  }

  private static String virtualBucket(String host, Set<String> domains) {
    if (host == null || domains.isEmpty()) {
      return null;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      return null; // an IPv6 literal
    }
    int colon = h.lastIndexOf(':');
    if (colon >= 0) {
      h = h.substring(0, colon);
    }
    for (String d : domains) {
      String dom = d.toLowerCase(Locale.ROOT);
      if (h.length() > dom.length() + 1 && h.endsWith("." + dom)) {
        return h.substring(0, h.length() - dom.length() - 1);
      }
    }
    return null;
  }

  /** The parameters of a raw query, decoded ('+' is a space, as S3 reads a query); the first value of a repeated one. */
  static Map<String, String> query(String raw) throws S3Exception {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return q;
    }
    for (String part : raw.split("&")) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String name = decode(eq < 0 ? part : part.substring(0, eq), true);
      String value = eq < 0 ? "" : decode(part.substring(eq + 1), true);
      q.putIfAbsent(name, value);
    }
    return q;
  }

  /** Percent-decodes into UTF-8; {@code plusIsSpace} for query components. */
  static String decode(String s, boolean plusIsSpace) throws S3Exception {
    if (s.indexOf('%') < 0 && (!plusIsSpace || s.indexOf('+') < 0)) {
      return s;
    }
    byte[] in = s.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
    for (int i = 0; i < in.length; i++) {
      byte b = in[i];
      if (b == '%') {
        int hi = i + 2 < in.length ? Character.digit(in[i + 1], 16) : -1;
        int lo = hi >= 0 ? Character.digit(in[i + 2], 16) : -1;
        if (lo < 0) {
          throw S3Error.INVALID_REQUEST.exception("malformed percent escape in the request URI");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else if (b == '+' && plusIsSpace) {
        out.write(' ');
      } else {
        out.write(b);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * S3's {@code encoding-type=url} form of a key or prefix: every byte but the unreserved ones
   * ({@code A-Z a-z 0-9 - _ . ~}) and '/' as %XX (upper-case hex); a space as "+" as S3 does.
   */
  static String urlEncode(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(b.length + 8);
    for (byte x : b) {
      int c = x & 0xff;
      if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
        sb.append((char) c);
      } else if (c == ' ') {
        sb.append('+');
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return sb.toString();
  }
}
