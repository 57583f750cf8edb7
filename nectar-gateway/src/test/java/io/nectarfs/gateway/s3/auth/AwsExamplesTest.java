package io.nectarfs.gateway.s3.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.gateway.s3.S3Error;
import io.nectarfs.gateway.s3.S3Exception;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The worked examples of Amazon S3's Signature V4 documentation (example key, 2013-05-24, us-east-1). */
class AwsExamplesTest {
  static final String AK = "AKIAIOSFODNN7EXAMPLE";
  static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final String EMPTY = ChunkSigning.EMPTY_SHA256;
  static final Authenticator AUTH = Authenticator.sigV4(List.of(new AccessKey(AK, SECRET, 0, 0, new int[0], false)), "us-east-1",
      Sdk.clockAt(Instant.parse("2013-05-24T00:05:00Z")));

  static Map<String, List<String>> headers(String... kv) {
    Map<String, List<String>> h = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      h.put(kv[i], List.of(kv[i + 1]));
    }
    return h;
  }

  static String auth(String signed, String signature) {
    return "AWS4-HMAC-SHA256 Credential=" + AK + "/20130524/us-east-1/s3/aws4_request,SignedHeaders=" + signed + ",Signature=" + signature;
  }

  @Test
  void getObjectWithRange() throws IOException {
    SignedRequest r = new SignedRequest("GET", "/test.txt", "", headers("host", "examplebucket.s3.amazonaws.com", "range", "bytes=0-9",
        "x-amz-content-sha256", EMPTY, "x-amz-date", "20130524T000000Z",
        "authorization", auth("host;range;x-amz-content-sha256;x-amz-date", "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")));
    assertThat(AUTH.authenticate(r).principal().accessKey()).isEqualTo(AK);
  }

  @Test
  void getBucketLifecycle() throws IOException {
    SignedRequest r = new SignedRequest("GET", "/", "lifecycle", headers("host", "examplebucket.s3.amazonaws.com",
        "x-amz-content-sha256", EMPTY, "x-amz-date", "20130524T000000Z",
        "authorization", auth("host;x-amz-content-sha256;x-amz-date", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")));
    assertThat(AUTH.authenticate(r).principal().accessKey()).isEqualTo(AK);
  }

  @Test
  void listObjects() throws IOException {
    SignedRequest r = new SignedRequest("GET", "/", "max-keys=2&prefix=J", headers("host", "examplebucket.s3.amazonaws.com",
        "x-amz-content-sha256", EMPTY, "x-amz-date", "20130524T000000Z",
        "authorization", auth("host;x-amz-content-sha256;x-amz-date", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")));
    assertThat(AUTH.authenticate(r).principal().accessKey()).isEqualTo(AK);
  }

  /** The chunked upload example: 64 KiB and 1 KiB of 'a', signed chunks chained from the seed signature. */
  @Test
  void chunkedUpload() throws IOException {
    byte[] a64 = new byte[65536];
    byte[] a1 = new byte[1024];
    Arrays.fill(a64, (byte) 'a');
    Arrays.fill(a1, (byte) 'a');
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n".getBytes(StandardCharsets.US_ASCII));
    body.writeBytes(a64);
    body.writeBytes("\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n".getBytes(StandardCharsets.US_ASCII));
    body.writeBytes(a1);
    body.writeBytes("\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    byte[] raw = body.toByteArray();
    assertThat(raw).hasSize(66824);
    SignedRequest r = new SignedRequest("PUT", "/examplebucket/chunkObject.txt", "", headers("host", "s3.amazonaws.com",
        "x-amz-date", "20130524T000000Z", "x-amz-storage-class", "REDUCED_REDUNDANCY",
        "x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "content-encoding", "aws-chunked",
        "x-amz-decoded-content-length", "66560", "content-length", "66824",
        "authorization", auth("content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")));
    Authenticated auth = AUTH.authenticate(r);
    try (VerifiedBody b = auth.body(new java.io.ByteArrayInputStream(raw), raw.length)) {
      assertThat(b.readAllBytes()).hasSize(66560).containsOnly((byte) 'a');
    }
    // the second chunk's signature replayed for the first: refused
    byte[] swapped = new String(raw, StandardCharsets.ISO_8859_1)
        .replace("ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648", "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497")
        .getBytes(StandardCharsets.ISO_8859_1);
    VerifiedBody b = AUTH.authenticate(r).body(new java.io.ByteArrayInputStream(swapped), swapped.length);
    assertThatThrownBy(b::readAllBytes).isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.error()).isEqualTo(S3Error.SIGNATURE_DOES_NOT_MATCH));
  }
}
