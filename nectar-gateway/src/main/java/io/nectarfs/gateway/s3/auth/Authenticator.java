package io.nectarfs.gateway.s3.auth;

import io.nectarfs.gateway.s3.S3Exception;

/**
 * Checks an S3 request's AWS Signature V4 (in the Authorization header, or in the query for a
 * presigned URL) against the configured access keys, and tells who sent it.
 *
 * <p>Contract:
 * <ul>
 *   <li>No {@code Authorization} header and no {@code X-Amz-Signature} parameter: the request is
 *       {@link Principal#ANONYMOUS}; the caller decides whether that is allowed.
 *   <li>An unknown key: {@code InvalidAccessKeyId}; a wrong signature: {@code
 *       SignatureDoesNotMatch}; a date more than 15 minutes from the clock: {@code
 *       RequestTimeTooSkewed}; an expired presigned URL: {@code AccessDenied} ("Request has
 *       expired"); a malformed header or query: {@code AuthorizationHeaderMalformed} / {@code
 *       AuthorizationQueryParametersError}; Signature V2: {@code AccessDenied} naming V4.
 *   <li>The body is not read here: {@link Authenticated#body} wraps it so that the payload hash,
 *       each {@code aws-chunked} chunk signature, {@code Content-MD5} and the {@code
 *       x-amz-checksum-*} values (header or trailer) are verified as it is read.
 *   <li>Never logs or returns a secret.
 * </ul>
 * Thread-safe.
 */
public interface Authenticator {
  Authenticated authenticate(SignedRequest request) throws S3Exception;

  /**
   * Signature V4 over these keys.
   *
   * @param region the region requests are signed for (a request signed for another region is
   *     {@code AuthorizationHeaderMalformed}, as S3)
   * @param clock the time presigned URLs and request dates are checked against
   */
  static Authenticator sigV4(java.util.Collection<AccessKey> keys, String region, io.nectarfs.common.Clock clock) {
    return SigV4.create(keys, region, clock);
  }
}
