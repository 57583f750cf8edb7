package io.nectarfs.gateway.s3.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.gateway.s3.S3Error;
import io.nectarfs.gateway.s3.S3Exception;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.checksums.DefaultChecksumAlgorithm;
import software.amazon.awssdk.http.SdkHttpMethod;

/** Requests signed by the SDK's AwsV4HttpSigner in each payload form, and what tampering gives. */
class SignerCasesTest {
  static final Instant T = Instant.parse("2026-11-30T12:00:00Z");
  static final byte[] BODY = S3ClientSignaturesTest.data(200_000, 11);

  static Sdk.Captured put(Sdk.Sign o) {
    return Sdk.sign(SdkHttpMethod.PUT, "/bkt/a%20b%2Bc~d", Map.of("x-amz-meta-color", "blue  and   red"), BODY, o.at(T));
  }

  static void assertError(ThrowingCallable call, S3Error error) {
    assertThatThrownBy(call).isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.error()).isEqualTo(error));
  }

  static byte[] read(Sdk.Captured c, Instant now) throws IOException {
    Authenticated a = Sdk.authenticator(now).authenticate(c.signed());
    try (VerifiedBody b = a.body(c.raw(), c.contentLength())) {
      return b.readAllBytes();
    }
  }

  @Test
  void everyPayloadFormVerifies() throws IOException {
    assertThat(read(put(Sdk.Sign.header()), T)).isEqualTo(BODY);
    assertThat(read(put(Sdk.Sign.header().chunked(true, null)), T)).isEqualTo(BODY);
    assertThat(read(put(Sdk.Sign.header().chunked(true, DefaultChecksumAlgorithm.CRC32C)), T)).isEqualTo(BODY);
    assertThat(read(put(Sdk.Sign.header().chunked(false, DefaultChecksumAlgorithm.CRC64NVME)), T)).isEqualTo(BODY);
    assertThat(put(Sdk.Sign.header().chunked(true, null)).header("x-amz-content-sha256")).isEqualTo("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
    assertThat(put(Sdk.Sign.header().chunked(true, DefaultChecksumAlgorithm.CRC32C)).header("x-amz-content-sha256"))
        .isEqualTo("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
    assertThat(put(Sdk.Sign.header().chunked(false, DefaultChecksumAlgorithm.CRC64NVME)).header("x-amz-content-sha256"))
        .isEqualTo("STREAMING-UNSIGNED-PAYLOAD-TRAILER");
  }

  @Test
  void oneByteOfTheBodyChanged() {
    Sdk.Captured plain = put(Sdk.Sign.header());
    byte[] bad = plain.body().clone();
    bad[1234] ^= 0x40;
    assertError(() -> read(plain.withBody(bad), T), S3Error.X_AMZ_CONTENT_SHA256_MISMATCH);

    Sdk.Captured chunked = put(Sdk.Sign.header().chunked(true, null));
    byte[] badChunk = chunked.body().clone();
    badChunk[S3ClientSignaturesTest.indexOf(badChunk, BODY, 150_000)] ^= 1;
    assertError(() -> read(chunked.withBody(badChunk), T), S3Error.SIGNATURE_DOES_NOT_MATCH);

    Sdk.Captured unsigned = put(Sdk.Sign.header().chunked(false, DefaultChecksumAlgorithm.CRC64NVME));
    byte[] badUnsigned = unsigned.body().clone();
    badUnsigned[S3ClientSignaturesTest.indexOf(badUnsigned, BODY, 150_000)] ^= 1;
    assertError(() -> read(unsigned.withBody(badUnsigned), T), S3Error.BAD_DIGEST);
  }

  @Test
  void trailerChangedOrItsSignatureChanged() {
    Sdk.Captured c = put(Sdk.Sign.header().chunked(true, DefaultChecksumAlgorithm.CRC32C));
    String text = new String(c.body(), java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = text.indexOf("x-amz-checksum-crc32c:");
    assertThat(at).isPositive();
    String value = text.substring(at + 22, text.indexOf("\r\n", at));
    String other = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4});
    byte[] changed = text.replace("x-amz-checksum-crc32c:" + value, "x-amz-checksum-crc32c:" + other).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    assertError(() -> read(c.withBody(changed).withHeader("content-length", Integer.toString(changed.length)), T), S3Error.SIGNATURE_DOES_NOT_MATCH);
    int sig = text.indexOf("x-amz-trailer-signature:") + 24;
    byte[] badSig = c.body().clone();
    badSig[sig] = (byte) (badSig[sig] == 'a' ? 'b' : 'a');
    assertError(() -> read(c.withBody(badSig), T), S3Error.SIGNATURE_DOES_NOT_MATCH);

    // unsigned trailer: a wrong value is a bad digest
    Sdk.Captured u = put(Sdk.Sign.header().chunked(false, DefaultChecksumAlgorithm.CRC32C));
    String ut = new String(u.body(), java.nio.charset.StandardCharsets.ISO_8859_1);
    int uat = ut.indexOf("x-amz-checksum-crc32c:");
    String uvalue = ut.substring(uat + 22, ut.indexOf("\r\n", uat));
    byte[] uchanged = ut.replace("x-amz-checksum-crc32c:" + uvalue, "x-amz-checksum-crc32c:" + other).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    assertError(() -> read(u.withBody(uchanged).withHeader("content-length", Integer.toString(uchanged.length)), T), S3Error.BAD_DIGEST);
  }

  @Test
  void signedHeaderChangedOrUnsignedAmzHeaderAdded() {
    Sdk.Captured c = put(Sdk.Sign.header());
    assertError(() -> read(c.withHeader("x-amz-meta-color", "green"), T), S3Error.SIGNATURE_DOES_NOT_MATCH);
    // the value is canonicalised (trimmed, inner blanks collapsed) so re-spacing still verifies
    assertThat(catchNothing(() -> read(c.withHeader("x-amz-meta-color", "  blue and red "), T))).isTrue();
    assertError(() -> read(c.withHeader("x-amz-copy-source", "/other/key"), T), S3Error.ACCESS_DENIED);
  }

  static boolean catchNothing(ThrowingCallable c) {
    try {
      c.call();
      return true;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  @Test
  void regionSkewKeyAndVersionErrors() {
    assertThatThrownBy(() -> read(put(Sdk.Sign.header().region("eu-west-1")), T))
        .isInstanceOfSatisfying(S3Exception.class, e -> {
          assertThat(e.error()).isEqualTo(S3Error.AUTHORIZATION_HEADER_MALFORMED);
          assertThat(e.getMessage()).contains("'eu-west-1' is wrong; expecting 'us-east-1'");
        });
    Sdk.Captured c = put(Sdk.Sign.header());
    assertError(() -> read(c, T.plusSeconds(16 * 60)), S3Error.REQUEST_TIME_TOO_SKEWED);
    assertError(() -> read(c, T.minusSeconds(16 * 60)), S3Error.REQUEST_TIME_TOO_SKEWED);
    assertThat(catchNothing(() -> read(c, T.plusSeconds(14 * 60)))).isTrue();
    Authenticator other = Authenticator.sigV4(List.of(new AccessKey("OTHERKEY", "x", 1, 1, new int[0], false)), Sdk.REGION, Sdk.clockAt(T));
    assertError(() -> other.authenticate(c.signed()), S3Error.INVALID_ACCESS_KEY_ID);
    Authenticator wrongSecret = Authenticator.sigV4(List.of(new AccessKey(Sdk.AK, "not-the-secret", 1, 1, new int[0], false)), Sdk.REGION, Sdk.clockAt(T));
    assertError(() -> wrongSecret.authenticate(c.signed()), S3Error.SIGNATURE_DOES_NOT_MATCH);
    assertThatThrownBy(() -> read(c.withHeader("authorization", "AWS " + Sdk.AK + ":c2lnbmF0dXJl"), T))
        .isInstanceOfSatisfying(S3Exception.class, e -> {
          assertThat(e.error()).isEqualTo(S3Error.ACCESS_DENIED);
          assertThat(e.getMessage()).contains("Signature Version 4");
        });
    assertError(() -> read(c.withHeader("x-amz-content-sha256", null), T), S3Error.INVALID_REQUEST);
    assertError(() -> read(c.withHeader("x-amz-content-sha256", "nonsense"), T), S3Error.INVALID_ARGUMENT);
    assertError(() -> read(c.withHeader("x-amz-date", null), T), S3Error.ACCESS_DENIED);
    assertError(() -> read(c.withHeader("authorization", "AWS4-HMAC-SHA256 Credential=x"), T), S3Error.AUTHORIZATION_HEADER_MALFORMED);
  }

  @Test
  void awkwardPathsAndQueries() throws IOException {
    String[] targets = {
      "/bkt/%FF%FEnot-utf8",
      "/bkt/a%2Fb%3Fc",
      "/bkt/x?list-type=2&prefix=a%20b%2Bc%3D&a=2&a=1&a=10&empty=&flag",
      "/bkt/y?uploads",
      "/bkt/z?partNumber=3&uploadId=abc%2Fdef%3D%3D",
      "/bkt/%E6%97%A5%E6%9C%AC/~user/%2A?versionId=null",
    };
    for (String t : targets) {
      Sdk.Captured c = Sdk.sign(SdkHttpMethod.GET, t, Map.of(), null, Sdk.Sign.header().at(T));
      assertThat(Sdk.authenticator(T).authenticate(c.signed()).principal().uid()).as(t).isEqualTo(1000);
      Sdk.Captured p = Sdk.sign(SdkHttpMethod.GET, t, Map.of(), null, Sdk.Sign.header().at(T).presigned());
      assertThat(Sdk.authenticator(T).authenticate(p.signed()).principal().uid()).as(t).isEqualTo(1000);
    }
  }

  @Test
  void presignedBySigner() throws IOException {
    Sdk.Captured c = Sdk.sign(SdkHttpMethod.GET, "/bkt/k%3Dv?versionId=1&x-id=GetObject", Map.of(), null, Sdk.Sign.header().at(T).presigned());
    assertThat(Sdk.authenticator(T).authenticate(c.signed()).principal().uid()).isEqualTo(1000);
    assertError(() -> Sdk.authenticator(T.plusSeconds(601)).authenticate(c.signed()), S3Error.ACCESS_DENIED);
    Sdk.Captured wrongRegion = Sdk.sign(SdkHttpMethod.GET, "/bkt/k", Map.of(), null, Sdk.Sign.header().at(T).region("eu-west-1").presigned());
    assertError(() -> Sdk.authenticator(T).authenticate(wrongRegion.signed()), S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR);
    Sdk.Captured both = c.withHeader("authorization", put(Sdk.Sign.header()).header("authorization"));
    assertError(() -> Sdk.authenticator(T).authenticate(both.signed()), S3Error.INVALID_ARGUMENT);
    Sdk.Captured missing = c.withQuery(c.rawQuery().replaceAll("&?X-Amz-SignedHeaders=[^&]*", ""));
    assertError(() -> Sdk.authenticator(T).authenticate(missing.signed()), S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR);
  }

  @Test
  void anonymousRequestAndItsBody() throws IOException {
    Authenticated a = Sdk.authenticator(T).authenticate(new SignedRequest("PUT", "/bkt/k", "", Map.of("host", List.of("h"))));
    assertThat(a.principal()).isEqualTo(Principal.ANONYMOUS);
    try (VerifiedBody b = a.body(new ByteArrayInputStream(BODY), BODY.length)) {
      assertThat(b.readAllBytes()).isEqualTo(BODY);
      assertThat(b.checksums()).isEmpty();
    }
  }
}
