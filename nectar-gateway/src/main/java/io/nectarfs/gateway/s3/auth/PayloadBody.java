package io.nectarfs.gateway.s3.auth;

import io.nectarfs.gateway.s3.S3Error;
import io.nectarfs.gateway.s3.S3Exception;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The {@link VerifiedBody} of every request: reads the (decoded) payload once, feeding MD5, the
 * payload SHA-256 when the request declared one, and the requested checksum from the same buffer;
 * checks all of them, and the length, on the read that reaches the end. Not thread-safe.
 */
final class PayloadBody extends VerifiedBody {
  private final InputStream in;
  private final long declared;
  private final byte[] contentMd5;
  private final byte[] sha256;
  private final ChecksumAlgorithm algorithm;
  private final byte[] expected;
  private final AwsChunkedStream trailerSource;
  private final Digests.Running md5 = Digests.md5();
  private final Digests.Running payloadSha;
  private final Digests.Running checksum;
  private long count;
  private boolean done;
  private S3Exception failed;
  private String md5Hex;
  private Map<ChecksumAlgorithm, String> checksums;

  /**
   * @param declared the decoded length, -1 if unknown
   * @param contentMd5 the Content-MD5 bytes, or null
   * @param sha256 the payload SHA-256 the request declared, or null
   * @param algorithm the checksum to compute, or null
   * @param expected its value from the header, or null (from the trailer, or only computed)
   * @param trailerSource the chunked stream whose trailer carries the value, or null
   */
  PayloadBody(InputStream in, long declared, byte[] contentMd5, byte[] sha256, ChecksumAlgorithm algorithm, byte[] expected,
      AwsChunkedStream trailerSource) {
    this.in = in;
    this.declared = declared;
    this.contentMd5 = contentMd5;
    this.sha256 = sha256;
    this.algorithm = algorithm;
    this.expected = expected;
    this.trailerSource = trailerSource;
    this.payloadSha = sha256 == null ? null : Digests.sha256();
    this.checksum = algorithm == null ? null : Digests.of(algorithm);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (failed != null) {
      throw failed;
    }
    if (done) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    int n;
    try {
      n = in.read(b, off, len);
    } catch (S3Exception e) {
      failed = e;
      throw e;
    }
    if (n < 0) {
      try {
        finish();
      } catch (S3Exception e) {
        failed = e;
        throw e;
      }
      done = true;
      return -1;
    }
    md5.update(b, off, n);
    if (payloadSha != null) {
      payloadSha.update(b, off, n);
    }
    if (checksum != null) {
      checksum.update(b, off, n);
    }
    count += n;
    return n;
  }

  private void finish() throws S3Exception {
    if (declared >= 0 && count != declared) {
      throw S3Error.INCOMPLETE_BODY.exception();
    }
    if (sha256 != null && !MessageDigest.isEqual(sha256, payloadSha.finish())) {
      throw S3Error.X_AMZ_CONTENT_SHA256_MISMATCH.exception();
    }
    byte[] m = md5.finish();
    if (contentMd5 != null && !MessageDigest.isEqual(contentMd5, m)) {
      throw S3Error.BAD_DIGEST.exception("The Content-MD5 you specified did not match what we received.");
    }
    Map<ChecksumAlgorithm, String> sums = new EnumMap<>(ChecksumAlgorithm.class);
    if (algorithm != null) {
      byte[] want = expected;
      if (want == null && trailerSource != null) {
        String v = trailerSource.trailers().get(algorithm.header());
        if (v == null) {
          throw S3Error.INVALID_REQUEST.exception("The trailer " + algorithm.header() + " named in x-amz-trailer was not sent.");
        }
        want = RequestAuth.checksumValue(algorithm, v, "trailing header");
      }
      byte[] got = checksum.finish();
      if (want != null && !MessageDigest.isEqual(want, got)) {
        throw S3Error.BAD_DIGEST.exception("The " + algorithm.s3Name() + " you specified did not match the calculated checksum.");
      }
      sums.put(algorithm, Base64.getEncoder().encodeToString(got));
    }
    md5Hex = HexFormat.of().formatHex(m);
    checksums = Map.copyOf(sums);
  }

  @Override
  public long declaredLength() {
    return declared;
  }

  @Override
  public String md5Hex() {
    if (md5Hex == null) {
      throw new IllegalStateException("the body was not read to its end");
    }
    return md5Hex;
  }

  @Override
  public Map<ChecksumAlgorithm, String> checksums() {
    if (checksums == null) {
      throw new IllegalStateException("the body was not read to its end");
    }
    return checksums;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
