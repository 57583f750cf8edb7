package io.nectarfs.gateway.s3.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.gateway.s3.S3Error;
import io.nectarfs.gateway.s3.S3Exception;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.checksums.DefaultChecksumAlgorithm;
import software.amazon.awssdk.checksums.SdkChecksum;

/** The digests, and the checksum and Content-MD5 headers of a body. */
class ChecksumsTest {
  @Test
  void crc64NvmeCheckValue() {
    Crc64Nvme c = new Crc64Nvme();
    byte[] b = "123456789".getBytes(StandardCharsets.US_ASCII);
    c.update(b, 0, b.length);
    assertThat(c.getValue()).isEqualTo(0xae8b14860a799888L);
  }

  /** Against the SDK's own CRC64NVME (the AWS CRT), on every length up to 300 and odd splits of large arrays. */
  @Test
  void crc64NvmeEqualsTheSdks() {
    Random rnd = new Random(42);
    for (int len = 0; len < 300; len++) {
      byte[] b = new byte[len];
      rnd.nextBytes(b);
      assertThat(ours(b, 1 + rnd.nextInt(17))).as("length %d", len).isEqualTo(sdk(b));
    }
    byte[] big = new byte[3_000_001];
    rnd.nextBytes(big);
    assertThat(ours(big, 65_537)).isEqualTo(sdk(big));
  }

  static long ours(byte[] b, int step) {
    Crc64Nvme c = new Crc64Nvme();
    for (int i = 0; i < b.length; i += step) {
      c.update(b, i, Math.min(step, b.length - i));
    }
    return c.getValue();
  }

  static long sdk(byte[] b) {
    SdkChecksum c = SdkChecksum.forAlgorithm(DefaultChecksumAlgorithm.CRC64NVME);
    c.update(b, 0, b.length);
    return c.getValue();
  }

  static SignedRequest anonymous(String... kv) {
    Map<String, List<String>> h = new LinkedHashMap<>();
    h.put("host", List.of("h"));
    for (int i = 0; i < kv.length; i += 2) {
      h.put(kv[i], List.of(kv[i + 1]));
    }
    return new SignedRequest("PUT", "/b/k", "", h);
  }

  static VerifiedBody body(byte[] b, String... headers) throws IOException {
    Authenticated a = Sdk.authenticator(java.time.Instant.now()).authenticate(anonymous(headers));
    return a.body(new ByteArrayInputStream(b), b.length);
  }

  static S3Error error(byte[] b, String... headers) {
    try (VerifiedBody v = body(b, headers)) {
      v.readAllBytes();
      return null;
    } catch (S3Exception e) {
      return e.error();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  @Test
  void contentMd5() throws Exception {
    byte[] data = "hello, world".getBytes(StandardCharsets.UTF_8);
    byte[] md5 = MessageDigest.getInstance("MD5").digest(data);
    assertThat(error(data, "content-md5", b64(md5))).isNull();
    md5[0] ^= 1;
    assertThat(error(data, "content-md5", b64(md5))).isEqualTo(S3Error.BAD_DIGEST);
    assertThatThrownBy(() -> body(data, "content-md5", "not base64!"))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.error()).isEqualTo(S3Error.INVALID_DIGEST));
    assertThatThrownBy(() -> body(data, "content-md5", b64(new byte[15])))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.error()).isEqualTo(S3Error.INVALID_DIGEST));
  }

  @Test
  void checksumHeaders() throws Exception {
    byte[] data = new byte[100_000];
    new Random(1).nextBytes(data);
    Map<ChecksumAlgorithm, byte[]> sums = Map.of(
        ChecksumAlgorithm.CRC32, sdkBytes(DefaultChecksumAlgorithm.CRC32, data),
        ChecksumAlgorithm.CRC32C, sdkBytes(DefaultChecksumAlgorithm.CRC32C, data),
        ChecksumAlgorithm.CRC64NVME, sdkBytes(DefaultChecksumAlgorithm.CRC64NVME, data),
        ChecksumAlgorithm.SHA1, MessageDigest.getInstance("SHA-1").digest(data),
        ChecksumAlgorithm.SHA256, MessageDigest.getInstance("SHA-256").digest(data));
    for (var e : sums.entrySet()) {
      try (VerifiedBody v = body(data, e.getKey().header(), b64(e.getValue()))) {
        v.readAllBytes();
        assertThat(v.checksums()).containsExactly(Map.entry(e.getKey(), b64(e.getValue())));
      }
      byte[] wrong = e.getValue().clone();
      wrong[wrong.length - 1] ^= 1;
      assertThat(error(data, e.getKey().header(), b64(wrong))).isEqualTo(S3Error.BAD_DIGEST);
      assertThatThrownBy(() -> body(data, e.getKey().header(), b64(new byte[3])))
          .isInstanceOfSatisfying(S3Exception.class, x -> assertThat(x.error()).isEqualTo(S3Error.INVALID_REQUEST));
      // x-amz-sdk-checksum-algorithm alone: computed and returned
      try (VerifiedBody v = body(data, "x-amz-sdk-checksum-algorithm", e.getKey().s3Name().toLowerCase(java.util.Locale.ROOT))) {
        v.readAllBytes();
        assertThat(v.checksums()).containsExactly(Map.entry(e.getKey(), b64(e.getValue())));
      }
    }
    assertThatThrownBy(() -> body(data, "x-amz-checksum-crc32", b64(new byte[4]), "x-amz-checksum-sha1", b64(new byte[20])))
        .isInstanceOfSatisfying(S3Exception.class, x -> assertThat(x.error()).isEqualTo(S3Error.INVALID_REQUEST));
    assertThatThrownBy(() -> body(data, "x-amz-sdk-checksum-algorithm", "MD4"))
        .isInstanceOfSatisfying(S3Exception.class, x -> assertThat(x.error()).isEqualTo(S3Error.INVALID_ARGUMENT));
    assertThatThrownBy(() -> body(data, "x-amz-sdk-checksum-algorithm", "SHA1", "x-amz-checksum-crc32", b64(new byte[4])))
        .isInstanceOfSatisfying(S3Exception.class, x -> assertThat(x.error()).isEqualTo(S3Error.INVALID_REQUEST));
  }

  static byte[] sdkBytes(software.amazon.awssdk.checksums.spi.ChecksumAlgorithm a, byte[] data) {
    SdkChecksum c = SdkChecksum.forAlgorithm(a);
    c.update(data, 0, data.length);
    return c.getChecksumBytes();
  }

  @Test
  void shortOrLongBodies() throws IOException {
    byte[] data = new byte[1000];
    Authenticated a = Sdk.authenticator(java.time.Instant.now()).authenticate(anonymous());
    VerifiedBody shortBody = a.body(new ByteArrayInputStream(data, 0, 999), 1000);
    assertThatThrownBy(shortBody::readAllBytes).isInstanceOfSatisfying(S3Exception.class, x -> assertThat(x.error()).isEqualTo(S3Error.INCOMPLETE_BODY));
    // bytes beyond Content-Length are not part of the object
    try (VerifiedBody longer = a.body(new ByteArrayInputStream(new byte[2000]), 1000)) {
      assertThat(longer.readAllBytes()).hasSize(1000);
      assertThat(longer.declaredLength()).isEqualTo(1000);
    }
    assertThatThrownBy(() -> body(data, "x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"))
        .isInstanceOfSatisfying(S3Exception.class, x -> assertThat(x.error()).isEqualTo(S3Error.MISSING_CONTENT_LENGTH));
    assertThatThrownBy(() -> Sdk.authenticator(java.time.Instant.now()).authenticate(anonymous("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")))
        .isInstanceOfSatisfying(S3Exception.class, x -> assertThat(x.error()).isEqualTo(S3Error.ACCESS_DENIED));
  }
}
