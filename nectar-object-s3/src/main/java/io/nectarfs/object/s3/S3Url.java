package io.nectarfs.object.s3;

import io.nectarfs.common.Url;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

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
 * 2m}, {@code 1h}: the one grammar of {@link Url}), {@code create-bucket=true|false}, {@code
 * check-upload-id=true|false} (default false: list the open uploads before every part, for servers
 * such as S3Proxy that accept parts of unknown or aborted uploads). The user info, if any, is percent-decoded ("+" stays "+",
 * as AWS secret keys contain it).
 *
 * @param endpoint the endpoint URL ({@code http://host:port}), or null for AWS S3
 * @param bucket the bucket name
 * @param prefix the key prefix inside the bucket, "" or ending with "/"
 * @param accessKey access key from the URL, or null
 * @param secretKey secret key from the URL, or null
 * @param region the region, or null when not given in the URL
 * @param checkUploadId whether uploadPart first checks, with a LIST, that the upload id exists
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
    boolean checkUploadId,
    String redacted) {

  static final int DEFAULT_MAX_CONNECTIONS = 64;
  static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private static final String USAGE =
      "use s3://bucket[/prefix] or http(s)://[ACCESS:SECRET@]host[:port]/bucket[/prefix]";
  private static final List<String> OPTION_NAMES =
      List.of("region", "path-style", "max-connections", "connect-timeout", "request-timeout", "create-bucket", "check-upload-id");

  /** The endpoint as shown in messages: {@code host:port}, or "AWS S3 (region)". */
  String shownEndpoint(String effectiveRegion) {
    return endpoint == null ? "AWS S3 (region " + effectiveRegion + ")" : endpoint;
  }

  /**
   * Parses {@code url} through the one URL parser ({@link Url}).
   *
   * @throws IOException with a one-line message naming the redacted URL and what to fix
   */
  static S3Url parse(String url) throws IOException {
    Url u = Url.parse(url, "malformed storage URL", USAGE);
    String scheme = u.scheme();
    if (!scheme.equals("s3") && !scheme.equals("http") && !scheme.equals("https")) {
      throw u.error("scheme '" + scheme + "' is not s3, http or https; " + USAGE);
    }
    if (u.userInfoHasReserved()) {
      throw u.error("the secret key contains a reserved character: percent-encode '/' as %2F, '@' as %40, '?' as %3F, '#' as %23");
    }
    String accessKey = null;
    String secretKey = null;
    if (u.hasUserInfo()) {
      if (u.user().isEmpty() || u.password() == null || u.password().isEmpty()) {
        throw u.error("credentials in the URL must be ACCESS:SECRET (percent-encoded)");
      }
      accessKey = u.user();
      secretKey = u.password();
    }
    if (u.hosts().size() > 1) {
      throw u.error("one host only; " + USAGE);
    }
    Url.Host host = u.hosts().isEmpty() ? new Url.Host("", 0) : u.hosts().get(0);
    String path = u.path().startsWith("/") ? u.path().substring(1) : u.path();
    String endpoint = null;
    String bucket;
    String prefix;
    if (scheme.equals("s3")) {
      bucket = host.name();
      prefix = path;
      if (bucket.isEmpty()) {
        throw u.error("missing bucket name; " + USAGE);
      }
      if (host.port() != 0 || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
        throw u.error("'" + bucket + "' is not a valid S3 bucket name (3-63 characters: a-z, 0-9, '.', '-')");
      }
    } else {
      String name = host.name();
      if (name.isEmpty() || (name.indexOf(':') < 0 && !name.matches("[A-Za-z0-9._-]+"))) {
        throw u.error("missing or invalid host name '" + name + "'; " + USAGE);
      }
      String shownHost = name.indexOf(':') >= 0 ? "[" + name + "]" : name;
      endpoint = scheme + "://" + shownHost + (host.port() == 0 ? "" : ":" + host.port());
      int s = path.indexOf('/');
      bucket = s < 0 ? path : path.substring(0, s);
      prefix = s < 0 ? "" : path.substring(s + 1);
      if (bucket.isEmpty()) {
        throw u.error("missing bucket name after the host; " + USAGE);
      }
    }
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      prefix = prefix + "/";
    }
    if (prefix.startsWith("/") || prefix.contains("//")) {
      throw u.error("empty path segment in the key prefix");
    }
    u.requireKnown(OPTION_NAMES);
    String region = u.param("region").orElse(null);
    if (region != null && !region.matches("[a-z0-9-]+")) {
      throw u.error("region '" + region + "' is not a region name such as us-east-1");
    }
    return new S3Url(endpoint, bucket, prefix, accessKey, secretKey, region,
        u.flag("path-style", endpoint != null),
        u.intParam("max-connections", DEFAULT_MAX_CONNECTIONS, 1, 10_000),
        u.duration("connect-timeout", DEFAULT_CONNECT_TIMEOUT),
        u.duration("request-timeout", DEFAULT_REQUEST_TIMEOUT),
        u.flag("create-bucket", false),
        u.flag("check-upload-id", false),
        u.redacted());
  }

  /** Never prints the secret key. */
  @Override
  public String toString() {
    return redacted;
  }
}
