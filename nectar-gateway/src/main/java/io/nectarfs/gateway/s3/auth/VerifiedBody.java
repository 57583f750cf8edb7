package io.nectarfs.gateway.s3.auth;

import java.io.InputStream;
import java.util.Map;

/**
 * A request payload that verifies itself. Reading it returns the decoded object bytes; the read
 * that reaches the end throws {@link io.nectarfs.gateway.s3.S3Exception} ({@code BadDigest}, {@code
 * XAmzContentSHA256Mismatch}, {@code SignatureDoesNotMatch} for a chunk, {@code IncompleteBody})
 * instead of returning -1 when a declared digest or length does not match, so that a writer that
 * copies it to a temporary file never commits a bad object.
 *
 * <p>Not thread-safe (one reader, as any InputStream).
 */
public abstract class VerifiedBody extends InputStream {
  /** The decoded length the request declared (x-amz-decoded-content-length or Content-Length), -1 if unknown. */
  public abstract long declaredLength();

  /** After the end was read: the lower-case hex MD5 of the decoded bytes (the ETag of a single PUT). */
  public abstract String md5Hex();

  /**
   * After the end was read: the checksums the request asked for (x-amz-checksum-ALG as a header or
   * a trailer, or x-amz-sdk-checksum-algorithm alone), each verified, as algorithm → base64 value.
   * Empty when none was asked for.
   */
  public abstract Map<ChecksumAlgorithm, String> checksums();
}
