package io.nectarfs.gateway.s3.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.gateway.s3.S3Error;
import io.nectarfs.gateway.s3.S3Exception;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.presigner.model.GetObjectPresignRequest;
import software.amazon.awssdk.services.s3.presigner.model.PutObjectPresignRequest;
import software.amazon.awssdk.services.s3.presigner.model.PresignedGetObjectRequest;

/** Requests as the real S3 client (SDK v2) sends them, verified by the gateway's Authenticator. */
class S3ClientSignaturesTest {
  static byte[] data(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static VerifiedBody readAll(Authenticator a, Sdk.Captured c, byte[] expect) throws IOException {
    Authenticated auth = a.authenticate(c.signed());
    assertThat(auth.principal().accessKey()).isEqualTo(Sdk.AK);
    assertThat(auth.principal().uid()).isEqualTo(1000);
    VerifiedBody body = auth.body(c.raw(), c.contentLength());
    byte[] got;
    try (InputStream in = body) {
      got = in.readAllBytes();
    }
    assertThat(got).isEqualTo(expect);
    assertThat(body.md5Hex()).isEqualTo(HexFormat.of().formatHex(md5(expect)));
    return body;
  }

  static byte[] md5(byte[] b) {
    try {
      return MessageDigest.getInstance("MD5").digest(b);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"plain.txt", "a b/c d", "a+b", "tilde~x", "é/ü-日本", "k=v&x", "dir/", "sp%20ce", "a//b", "*.(x)!'", "semi;colon,comma"})
  void putWithKeysThatNeedEncoding(String key) throws IOException {
    for (String endpoint : List.of(Sdk.ENDPOINT, Sdk.HTTPS)) {
      byte[] body = data(10_000, key.hashCode());
      List<Sdk.Captured> sent = Sdk.client(endpoint, s3 -> s3.putObject(PutObjectRequest.builder().bucket("bkt").key(key).build(), RequestBody.fromBytes(body)));
      Sdk.Captured c = sent.getFirst();
      VerifiedBody v = readAll(Sdk.authenticator(Instant.now()), c, body);
      // current SDKs ask for a CRC32 of every upload (trailer or header): it is returned verified
      assertThat(v.checksums()).isNotEmpty();
    }
  }

  @Test
  void sdkSendsSignedChunksOverHttpAndUnsignedTrailersOverHttps() {
    byte[] body = data(10_000, 1);
    Sdk.Captured http = Sdk.client(s3 -> s3.putObject(b -> b.bucket("bkt").key("k"), RequestBody.fromBytes(body))).getFirst();
    Sdk.Captured https = Sdk.client(Sdk.HTTPS, s3 -> s3.putObject(b -> b.bucket("bkt").key("k"), RequestBody.fromBytes(body))).getFirst();
    assertThat(http.header("x-amz-content-sha256")).isEqualTo("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
    assertThat(https.header("x-amz-content-sha256")).isEqualTo("STREAMING-UNSIGNED-PAYLOAD-TRAILER");
  }

  @ParameterizedTest
  @EnumSource(value = ChecksumAlgorithm.class, names = {"CRC32", "CRC32_C", "CRC64_NVME", "SHA1", "SHA256"})
  void putWithEachChecksum(ChecksumAlgorithm alg) throws IOException {
    byte[] body = data(300_000, 7);
    Sdk.Captured c = Sdk.client(s3 -> s3.putObject(PutObjectRequest.builder().bucket("bkt").key("k").checksumAlgorithm(alg).build(),
        RequestBody.fromBytes(body))).getFirst();
    VerifiedBody v = readAll(Sdk.authenticator(Instant.now()), c, body);
    assertThat(v.checksums()).hasSize(1);
    assertThat(v.checksums().keySet().iterator().next().s3Name()).isEqualTo(alg.toString());
  }

  @Test
  void getAndListWithQueries() throws IOException {
    List<Sdk.Captured> sent = Sdk.client(s3 -> {
      s3.getObject(GetObjectRequest.builder().bucket("bkt").key("a b+c").range("bytes=0-9").build());
      s3.listObjectsV2(r -> r.bucket("bkt").prefix("a b+c/é=").delimiter("/").startAfter("x y").maxKeys(10).fetchOwner(true));
      s3.listObjects(r -> r.bucket("bkt").prefix("").marker("m~n").encodingType("url"));
      s3.listBuckets();
      s3.headBucket(r -> r.bucket("bkt"));
      s3.deleteObjects(r -> r.bucket("bkt").delete(d -> d.objects(o -> o.key("x"), o -> o.key("y z"))));
    });
    Authenticator a = Sdk.authenticator(Instant.now());
    for (Sdk.Captured c : sent) {
      Authenticated auth = a.authenticate(c.signed());
      try (VerifiedBody b = auth.body(c.raw(), c.contentLength())) {
        assertThat(b.readAllBytes()).isEqualTo(c.body());
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {Sdk.ENDPOINT, Sdk.HTTPS})
  void tamperedHeaderOrBodyIsRejected(String endpoint) throws IOException {
    byte[] body = data(50_000, 3);
    S3Error expected = endpoint.equals(Sdk.HTTPS) ? S3Error.BAD_DIGEST : S3Error.SIGNATURE_DOES_NOT_MATCH;
    Sdk.Captured c = Sdk.client(endpoint, s3 -> s3.putObject(PutObjectRequest.builder().bucket("bkt").key("k").contentType("text/plain").build(),
        RequestBody.fromBytes(body))).getFirst();
    Authenticator a = Sdk.authenticator(Instant.now());
    assertThatThrownBy(() -> a.authenticate(c.withHeader("content-type", "text/html").signed()))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.error()).isEqualTo(S3Error.SIGNATURE_DOES_NOT_MATCH));
    assertThatThrownBy(() -> a.authenticate(c.withPath("/bkt/K").signed()))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.error()).isEqualTo(S3Error.SIGNATURE_DOES_NOT_MATCH));
    byte[] bad = c.body().clone();
    int at = indexOf(bad, body, 25_000);
    bad[at] ^= 1;
    Authenticated auth = a.authenticate(c.signed());
    VerifiedBody v = auth.body(new java.io.ByteArrayInputStream(bad), c.contentLength());
    assertThatThrownBy(v::readAllBytes)
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.error()).isEqualTo(expected));
  }

  /** The position in the encoded body of the data byte at {@code offset} (the body is framed). */
  static int indexOf(byte[] encoded, byte[] data, int offset) {
    byte[] probe = java.util.Arrays.copyOfRange(data, offset, offset + 32);
    for (int i = 0; i + probe.length <= encoded.length; i++) {
      if (java.util.Arrays.equals(encoded, i, i + probe.length, probe, 0, probe.length)) {
        return i;
      }
    }
    throw new AssertionError("data not found in the encoded body");
  }

  @Test
  void presignedGetAndPut() throws IOException {
    Instant now = Instant.now();
    try (var p = Sdk.presigner()) {
      PresignedGetObjectRequest get = p.presignGetObject(GetObjectPresignRequest.builder().signatureDuration(Duration.ofMinutes(5))
          .getObjectRequest(r -> r.bucket("bkt").key("a b+c/é")).build());
      Sdk.Captured c = Sdk.capture(get.httpRequest(), new byte[0]);
      assertThat(Sdk.authenticator(now).authenticate(c.signed()).principal().accessKey()).isEqualTo(Sdk.AK);
      // expired with the clock six minutes later
      assertThatThrownBy(() -> Sdk.authenticator(now.plusSeconds(6 * 60)).authenticate(c.signed()))
          .isInstanceOfSatisfying(S3Exception.class, e -> {
            assertThat(e.error()).isEqualTo(S3Error.ACCESS_DENIED);
            assertThat(e.getMessage()).isEqualTo("Request has expired");
          });
      // signed in the future beyond the skew
      assertThatThrownBy(() -> Sdk.authenticator(now.minusSeconds(20 * 60)).authenticate(c.signed()))
          .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.error()).isEqualTo(S3Error.ACCESS_DENIED));
      // a changed key or an added parameter
      assertThatThrownBy(() -> Sdk.authenticator(now).authenticate(c.withPath("/bkt/other").signed()))
          .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.error()).isEqualTo(S3Error.SIGNATURE_DOES_NOT_MATCH));
      assertThatThrownBy(() -> Sdk.authenticator(now).authenticate(c.withQuery(c.rawQuery() + "&versionId=1").signed()))
          .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.error()).isEqualTo(S3Error.SIGNATURE_DOES_NOT_MATCH));

      byte[] body = data(1000, 5);
      var put = p.presignPutObject(PutObjectPresignRequest.builder().signatureDuration(Duration.ofMinutes(5))
          .putObjectRequest(r -> r.bucket("bkt").key("up load")).build());
      Sdk.Captured pc = Sdk.capture(put.httpRequest(), body).withHeader("content-length", Integer.toString(body.length));
      readAll(Sdk.authenticator(now), pc, body);
    }
  }

  @Test
  void expiresLongerThanAWeekIsRefused() {
    try (var p = Sdk.presigner()) {
      var get = p.presignGetObject(GetObjectPresignRequest.builder().signatureDuration(Duration.ofMinutes(5))
          .getObjectRequest(r -> r.bucket("bkt").key("k")).build());
      Sdk.Captured c = Sdk.capture(get.httpRequest(), new byte[0]);
      Sdk.Captured longer = c.withQuery(c.rawQuery().replaceAll("X-Amz-Expires=\\d+", "X-Amz-Expires=604801"));
      assertThatThrownBy(() -> Sdk.authenticator(Instant.now()).authenticate(longer.signed()))
          .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.error()).isEqualTo(S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR));
    }
  }
}
