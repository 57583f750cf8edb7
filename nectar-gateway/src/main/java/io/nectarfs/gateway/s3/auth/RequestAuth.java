package io.nectarfs.gateway.s3.auth;

import io.nectarfs.gateway.s3.S3Error;
import io.nectarfs.gateway.s3.S3Exception;
import java.io.InputStream;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/**
 * An authenticated request: its principal, and the body rules its headers declare (payload form,
 * Content-MD5, one x-amz-checksum-* as header, trailer or only requested). Immutable.
 */
final class RequestAuth implements Authenticated {
  private final Principal principal;
  private final SignedRequest request;
  private final PayloadMode mode;
  private final String payloadSha256;
  private final ChunkSigning chunks;

  /**
   * @param payloadSha256 the hex SHA-256 the body must have ({@link PayloadMode#SHA256}), else null
   * @param chunks the rolling chunk signatures of a signed aws-chunked body, else null
   */
  RequestAuth(Principal principal, SignedRequest request, PayloadMode mode, String payloadSha256, ChunkSigning chunks) {
    this.principal = principal;
    this.request = request;
    this.mode = mode;
    this.payloadSha256 = payloadSha256;
    this.chunks = chunks;
  }

  @Override
  public Principal principal() {
    return principal;
  }

  @Override
  public VerifiedBody body(InputStream raw, long contentLength) throws S3Exception {
    byte[] md5 = null;
    String cm = request.header("content-md5");
    if (cm != null) {
      try {
        md5 = Base64.getDecoder().decode(cm.trim());
      } catch (IllegalArgumentException e) {
        throw S3Error.INVALID_DIGEST.exception();
      }
      if (md5.length != 16) {
        throw S3Error.INVALID_DIGEST.exception();
      }
    }
    ChecksumAlgorithm algorithm = null;
    byte[] expected = null;
    for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
      String v = request.header(a.header());
      if (v != null) {
        if (algorithm != null) {
          throw multipleChecksums();
        }
        algorithm = a;
        expected = checksumValue(a, v, "header");
      }
    }
    boolean fromTrailer = false;
    String trailer = request.header("x-amz-trailer");
    if (trailer != null && !trailer.isBlank()) {
      if (!mode.trailer()) {
        throw S3Error.INVALID_REQUEST.exception("x-amz-trailer needs a trailing x-amz-content-sha256 (" + SigV4.STREAMING_UNSIGNED_TRAILER + " or "
            + SigV4.STREAMING_SIGNED_TRAILER + ").");
      }
      for (String name : trailer.split(",")) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.isEmpty()) {
          continue;
        }
        ChecksumAlgorithm a = byHeader(n);
        if (a == null) {
          throw S3Error.INVALID_REQUEST.exception("The value specified in the x-amz-trailer header is not supported");
        }
        if (algorithm != null) {
          throw multipleChecksums();
        }
        algorithm = a;
        fromTrailer = true;
      }
    }
    String sdk = request.header("x-amz-sdk-checksum-algorithm");
    if (sdk != null) {
      ChecksumAlgorithm a = byName(sdk.trim());
      if (a == null) {
        throw S3Error.INVALID_ARGUMENT.exception(
            "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
      }
      if (algorithm != null && algorithm != a) {
        throw S3Error.INVALID_REQUEST.exception("Value for x-amz-sdk-checksum-algorithm header is invalid.");
      }
      algorithm = a;
    }
    byte[] sha = null;
    if (payloadSha256 != null) {
      sha = HexFormat.of().parseHex(payloadSha256.toLowerCase(Locale.ROOT));
    }
    if (!mode.chunked()) {
      InputStream in = contentLength >= 0 ? new LimitedStream(raw, contentLength) : raw;
      return new PayloadBody(in, contentLength, md5, sha, algorithm, expected, null);
    }
    String d = request.header("x-amz-decoded-content-length");
    if (d == null) {
      throw S3Error.MISSING_CONTENT_LENGTH.exception("You must provide the x-amz-decoded-content-length header with an aws-chunked body.");
    }
    long declared;
    try {
      declared = Long.parseLong(d.trim());
    } catch (NumberFormatException e) {
      declared = -1;
    }
    if (declared < 0) {
      throw S3Error.INVALID_ARGUMENT.exception("x-amz-decoded-content-length must be a non-negative number.");
    }
    InputStream in = contentLength >= 0 ? new LimitedStream(raw, contentLength) : raw;
    AwsChunkedStream decoded = new AwsChunkedStream(in, chunks, mode.trailer(), declared);
    return new PayloadBody(decoded, declared, md5, sha, algorithm, expected, fromTrailer ? decoded : null);
  }

  /** A checksum value (base64 of the digest's bytes), or InvalidRequest naming where it came from. */
  static byte[] checksumValue(ChecksumAlgorithm a, String v, String where) throws S3Exception {
    byte[] b;
    try {
      b = Base64.getDecoder().decode(v.trim());
    } catch (IllegalArgumentException e) {
      b = null;
    }
    if (b == null || b.length != Digests.length(a)) {
      throw S3Error.INVALID_REQUEST.exception("Value for " + a.header() + " " + where + " is invalid.");
    }
    return b;
  }

  private static ChecksumAlgorithm byHeader(String header) {
    for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
      if (a.header().equals(header)) {
        return a;
      }
    }
    return null;
  }

  private static ChecksumAlgorithm byName(String name) {
    for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
      if (a.s3Name().equalsIgnoreCase(name)) {
        return a;
      }
    }
    return null;
  }

  private static S3Exception multipleChecksums() {
    return S3Error.INVALID_REQUEST.exception("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
  }
}
