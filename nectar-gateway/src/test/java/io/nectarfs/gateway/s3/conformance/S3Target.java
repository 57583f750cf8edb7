package io.nectarfs.gateway.s3.conformance;

import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * An S3 endpoint the conformance suite and the real-client tests run against: where it is, the
 * key to sign with, and where it knowingly differs from AWS S3.
 *
 * <p>Contract: {@link #endpoint} answers path-style requests signed for {@link #region} with
 * {@link #accessKey}/{@link #secretKey}; when {@link #canCreateBuckets} is true every test
 * creates (and deletes) its own bucket, else it works under a fresh prefix of {@link
 * #fixedBucket}. {@link #deviations} lists the cases where the target is known to answer
 * differently from AWS; the suite checks that each listed deviation is still real (a fixed one
 * fails the test, so the list cannot go stale) and that every other case behaves as AWS. The
 * secret is test data and never goes on a command line (clients get it through files or the
 * environment).
 */
public interface S3Target extends AutoCloseable {
  /** A short name for messages ("s3proxy", "gateway"). */
  String name();

  /** The endpoint, e.g. {@code http://127.0.0.1:9199} (no path). */
  URI endpoint();

  String region();

  String accessKey();

  String secretKey();

  /** Whether CreateBucket/DeleteBucket work with this key. */
  boolean canCreateBuckets();

  /** The bucket to use when buckets cannot be created; null when they can. */
  String fixedBucket();

  /**
   * The domain of virtual-host addressing ({@code BUCKET.DOMAIN} in the Host header, resolved by
   * nobody: the suite connects to {@link #endpoint}), or null when the target is not set up for it.
   */
  default String virtualHostDomain() {
    return null;
  }

  /** A second key that may only read: {id, secret}, or null when the target has none. */
  default String[] readOnlyKey() {
    return null;
  }

  /** The known differences from AWS S3 (empty: behaves as AWS everywhere the suite looks). */
  Set<Deviation> deviations();

  @Override
  void close() throws IOException;
}
