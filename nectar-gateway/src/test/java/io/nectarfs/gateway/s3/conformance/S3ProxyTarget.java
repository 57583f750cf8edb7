package io.nectarfs.gateway.s3.conformance;

import io.nectarfs.testkit.TestServices;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;

/**
 * The independent S3 server of {@code scripts/services.sh} (S3Proxy 2.6 on the filesystem
 * provider), read from {@code NECTAR_TEST_S3}: it shows that the suite's expectations are S3's,
 * not the gateway's. Its deviations from AWS are listed here and in docs/s3-conformance.md.
 */
public final class S3ProxyTarget implements S3Target {
  /** What S3Proxy 2.6.0 (filesystem-nio2) does differently from AWS, found by running the suite. */
  static final Set<Deviation> DEVIATIONS = EnumSet.of(Deviation.AWS_CHUNKED_TRAILER, Deviation.CHECKSUMS,
      Deviation.BUCKET_NAMES, Deviation.TAGGING, Deviation.CONDITIONAL_PUT, Deviation.CONDITION_PRECEDENCE,
      Deviation.MALFORMED_XML, Deviation.DIRECTORY_MARKER, Deviation.LIST_PARTS_PAGING, Deviation.ABORTED_UPLOAD,
      Deviation.PART_ORDER, Deviation.ERROR_RESOURCE, Deviation.RANGE_SYNTAX, Deviation.MULTIPART_ETAG,
      Deviation.LIST_PAGING_ACROSS_LEVELS, Deviation.SIGNED_CONTENT_TYPE, Deviation.KEY_LENGTH, Deviation.CHUNK_SIGNATURE);

  private final URI endpoint;
  private final String accessKey;
  private final String secretKey;

  private S3ProxyTarget(URI endpoint, String accessKey, String secretKey) {
    this.endpoint = endpoint;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  /** From {@code NECTAR_TEST_S3} ({@code http://AK:SK@host:port/bucket}); skips (fails in CI) when unset. */
  public static S3ProxyTarget fromEnvironment() {
    URI u = URI.create(TestServices.require(TestServices.S3));
    String info = u.getRawUserInfo();
    int colon = info.indexOf(':');
    return new S3ProxyTarget(URI.create(u.getScheme() + "://" + u.getHost() + ":" + u.getPort()),
        URLDecoder.decode(info.substring(0, colon), StandardCharsets.UTF_8),
        URLDecoder.decode(info.substring(colon + 1), StandardCharsets.UTF_8));
  }

  @Override
  public String name() {
    return "s3proxy";
  }

  @Override
  public URI endpoint() {
    return endpoint;
  }

  @Override
  public String region() {
    return "us-east-1";
  }

  @Override
  public String accessKey() {
    return accessKey;
  }

  @Override
  public String secretKey() {
    return secretKey;
  }

  @Override
  public boolean canCreateBuckets() {
    return true;
  }

  @Override
  public String fixedBucket() {
    return null;
  }

  @Override
  public Set<Deviation> deviations() {
    return DEVIATIONS;
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "s3proxy at " + endpoint;
  }
}
