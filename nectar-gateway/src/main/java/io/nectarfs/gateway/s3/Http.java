package io.nectarfs.gateway.s3;

import io.nectarfs.gateway.http.HttpDates;
import io.nectarfs.gateway.s3.auth.ChecksumAlgorithm;
import io.nectarfs.gateway.s3.store.BucketStore.ObjectInfo;
import io.nectarfs.gateway.s3.store.ObjectMeta;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jetty.http.HttpField;

/**
 * S3's header conventions: dates (RFC 1123 in headers, ISO 8601 with milliseconds in XML), quoted
 * ETags, the metadata a PUT stores (Content-* headers and {@code x-amz-meta-*}) and its return on
 * GET/HEAD, byte ranges and the conditional headers with S3's precedence.
 */
final class Http {
  private Http() {}

  static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  static String httpDate(Instant t) {
    return HttpDates.format(t);
  }

  static String iso(Instant t) {
    return ISO.format(t);
  }

  /** An HTTP date as epoch seconds, or null when it does not parse (then the condition is ignored, RFC 9110). */
  static Long parseDate(String h) {
    if (h == null) {
      return null;
    }
    try {
      return ZonedDateTime.parse(h.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
    } catch (RuntimeException e) {
      return null;
    }
  }

  static String quote(String etag) {
    return etag == null ? null : "\"" + etag + "\"";
  }

  static String unquote(String etag) {
    if (etag == null) {
      return null;
    }
    String e = etag.trim();
    if (e.startsWith("W/")) {
      e = e.substring(2);
    }
    return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"") ? e.substring(1, e.length() - 1) : e;
  }

  /** The metadata a PutObject, CreateMultipartUpload or CopyObject (REPLACE) stores, from its headers. */
  static ObjectMeta metaFrom(S3Call c) throws S3Exception {
    Map<String, String> user = new TreeMap<>();
    int size = 0;
    for (HttpField f : c.request.getHeaders()) {
      String n = f.getLowerCaseName();
      if (n.startsWith("x-amz-meta-")) {
        String name = n.substring("x-amz-meta-".length());
        user.merge(name, f.getValue(), (a, b) -> a + "," + b);
        size += name.length() + f.getValue().length();
      }
    }
    if (size > 2048) {
      throw S3Error.INVALID_ARGUMENT.exception("Your metadata headers exceed the maximum allowed metadata size.");
    }
    String encoding = c.header("Content-Encoding");
    if (encoding != null) {
      // aws-chunked is the transfer's, not the object's (S3 drops it)
      encoding = String.join(",", java.util.Arrays.stream(encoding.split(",")).map(String::trim)
          .filter(s -> !s.isEmpty() && !s.equalsIgnoreCase("aws-chunked")).toList());
      if (encoding.isEmpty()) {
        encoding = null;
      }
    }
    return new ObjectMeta(null, c.header("Content-Type"), encoding, c.header("Content-Disposition"), c.header("Content-Language"),
        c.header("Cache-Control"), c.header("Expires"), user, Map.of());
  }

  /**
   * The headers of a GET/HEAD of {@code o}: ETag, Last-Modified, the stored Content-* and
   * x-amz-meta-*, response-* overrides, and (asked for, and the whole object sent) its checksums:
   * S3 leaves them out of a ranged answer, whose bytes they do not describe (clients that validate
   * them would fail).
   */
  static void objectHeaders(S3Call c, ObjectInfo o, boolean whole) {
    ObjectMeta m = o.meta() == null ? ObjectMeta.EMPTY : o.meta();
    c.header("ETag", quote(o.etag()));
    c.header("Last-Modified", httpDate(o.modified()));
    c.header("Accept-Ranges", "bytes");
    c.header("Content-Type", override(c, "response-content-type", m.contentType() == null ? "binary/octet-stream" : m.contentType()));
    c.header("Content-Encoding", override(c, "response-content-encoding", m.contentEncoding()));
    c.header("Content-Disposition", override(c, "response-content-disposition", m.contentDisposition()));
    c.header("Content-Language", override(c, "response-content-language", m.contentLanguage()));
    c.header("Cache-Control", override(c, "response-cache-control", m.cacheControl()));
    c.header("Expires", override(c, "response-expires", m.expires()));
    for (Map.Entry<String, String> e : m.userMeta().entrySet()) {
      c.header("x-amz-meta-" + e.getKey(), e.getValue());
    }
    if (whole && "ENABLED".equalsIgnoreCase(c.header("x-amz-checksum-mode"))) {
      checksumHeaders(c, m.checksums());
    }
  }

  static void checksumHeaders(S3Call c, Map<ChecksumAlgorithm, String> sums) {
    for (Map.Entry<ChecksumAlgorithm, String> e : sums.entrySet()) {
      c.header(e.getKey().header(), e.getValue());
      c.header("x-amz-checksum-type", e.getValue().indexOf('-') >= 0 ? "COMPOSITE" : "FULL_OBJECT");
    }
  }

  private static String override(S3Call c, String param, String stored) {
    String o = c.param(param);
    return o != null ? o : stored;
  }

  /**
   * A single byte range {@code bytes=a-b}, {@code a-} or {@code -n} as [first, last]; null to send
   * the whole object (no Range, several ranges, another unit, a malformed one: S3 ignores them);
   * InvalidRange when it is unsatisfiable (the caller adds {@code Content-Range: bytes *&#47;size}).
   */
  static long[] range(String header, long size) throws S3Exception {
    if (header == null) {
      return null;
    }
    String h = header.trim();
    if (!h.startsWith("bytes=") || h.indexOf(',') >= 0) {
      return null;
    }
    String spec = h.substring(6).trim();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    String a = spec.substring(0, dash).trim();
    String b = spec.substring(dash + 1).trim();
    long first;
    long last;
    try {
      if (a.isEmpty()) {
        long n = Long.parseLong(b);
        if (n <= 0 || size == 0) {
          throw unsatisfiable(size);
        }
        return new long[] {Math.max(0, size - n), size - 1};
      }
      first = Long.parseLong(a);
      last = b.isEmpty() ? Long.MAX_VALUE : Long.parseLong(b);
    } catch (NumberFormatException e) {
      return null;
    }
    if (first < 0 || last < first) {
      return null;
    }
    if (first >= size) {
      throw unsatisfiable(size);
    }
    return new long[] {first, Math.min(last, size - 1)};
  }

  private static S3Exception unsatisfiable(long size) {
    return S3Error.INVALID_RANGE.exception();
  }

  /**
   * GET/HEAD conditions in S3's (RFC 9110's) order: If-Match, else If-Unmodified-Since, false →
   * 412; If-None-Match, else If-Modified-Since, false → 304 (thrown as NOT_MODIFIED).
   */
  static void checkRead(S3Call c, ObjectInfo o) throws S3Exception {
    check(o, c.header("If-Match"), c.header("If-None-Match"), c.header("If-Modified-Since"), c.header("If-Unmodified-Since"), S3Error.NOT_MODIFIED);
  }

  /** x-amz-copy-source-if-* against the source: every failure is PreconditionFailed. */
  static void checkCopySource(S3Call c, ObjectInfo src) throws S3Exception {
    check(src, c.header("x-amz-copy-source-if-match"), c.header("x-amz-copy-source-if-none-match"),
        c.header("x-amz-copy-source-if-modified-since"), c.header("x-amz-copy-source-if-unmodified-since"), S3Error.PRECONDITION_FAILED);
  }

  private static void check(ObjectInfo o, String im, String inm, String ims, String ius, S3Error notModified) throws S3Exception {
    long mtime = o.modified().getEpochSecond();
    if (im != null) {
      if (!matches(im, o.etag())) {
        throw S3Error.PRECONDITION_FAILED.exception();
      }
    } else if (ius != null) {
      Long t = parseDate(ius);
      if (t != null && mtime > t) {
        throw S3Error.PRECONDITION_FAILED.exception();
      }
    }
    if (inm != null) {
      if (matches(inm, o.etag())) {
        throw notModified.exception();
      }
    } else if (ims != null) {
      Long t = parseDate(ims);
      if (t != null && mtime <= t) {
        throw notModified.exception();
      }
    }
  }

  static boolean matches(String header, String etag) {
    for (String part : header.split(",")) {
      String p = part.trim();
      if (p.equals("*") || etag != null && unquote(p).equals(etag)) {
        return true;
      }
    }
    return false;
  }
}
