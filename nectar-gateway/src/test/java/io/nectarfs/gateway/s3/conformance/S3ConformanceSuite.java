package io.nectarfs.gateway.s3.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The S3 conformance suite: every operation of issue #15 with S3's status codes and XML error
 * bodies, through the AWS SDK v2 and through raw signed requests. A subclass names the endpoint
 * ({@link #openTarget}); the same cases run against S3Proxy (to show they are S3's expectations)
 * and against the gateway (which must pass them all). The cases live in the superclasses by
 * topic: {@link ObjectCases}, {@link ListingCases}, {@link MultipartCopyCases}; this class holds
 * authentication: presigned URLs, bad signatures, unknown keys, clock skew, anonymous requests.
 */
public abstract class S3ConformanceSuite extends MultipartCopyCases {
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private S3Presigner presigner() {
    return S3Presigner.builder().endpointOverride(target.endpoint()).region(Region.of(target.region()))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(target.accessKey(), target.secretKey())))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
  }

  @Test
  void sdkDefaults_awsChunkedUploadWithCrc32Trailer_isAccepted() throws Throwable {
    byte[] data = random(200_000, 5);
    expect(Deviation.AWS_CHUNKED_TRAILER, () -> {
      try (S3Client sdk = defaultClient()) {
        var r = sdk.putObject(b -> b.bucket(bucket).key(key("chunked")), RequestBody.fromBytes(data));
        assertThat(r.eTag()).isEqualTo(etagOf(data));
        assertThat(r.checksumCRC32()).isNotNull();
        assertThat(sdk.getObjectAsBytes(b -> b.bucket(bucket).key(key("chunked"))).asByteArray()).isEqualTo(data);
      }
    });
  }

  @Test
  void virtualHostAddressing_putGetListHead() throws Exception {
    String domain = target.virtualHostDomain();
    org.junit.jupiter.api.Assumptions.assumeTrue(domain != null, target.name() + " is not set up for virtual-host addressing");
    String host = bucket + "." + domain;
    String objectPath = path("vh file.txt").substring(bucket.length() + 1);
    RawS3.Response put = raw.request("PUT", objectPath).virtualHost(host).body("virtual").send();
    assertThat(put.status()).as("%s", put).isEqualTo(200);
    assertThat(get("vh file.txt")).asString(StandardCharsets.UTF_8).isEqualTo("virtual");
    RawS3.Response got = raw.request("GET", objectPath).virtualHost(host).send();
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.text()).isEqualTo("virtual");
    RawS3.Response list = raw.request("GET", "/").virtualHost(host).query("list-type", "2").query("prefix", base).send();
    assertThat(list.status()).as("%s", list).isEqualTo(200);
    assertThat(list.texts("Key")).containsExactly(key("vh file.txt"));
    assertThat(raw.request("HEAD", "/").virtualHost(host).send().status()).isEqualTo(200);
    assertRawError(raw.request("GET", "/missing").virtualHost(host).send(), 404, "NoSuchKey");
  }

  @Test
  void readOnlyKey_reads_butEveryChangeIsAccessDenied() throws Exception {
    String[] reader = target.readOnlyKey();
    org.junit.jupiter.api.Assumptions.assumeTrue(reader != null, target.name() + " has no read-only key");
    put("ro", "read me");
    try (S3Client ro = client(reader[0], reader[1])) {
      assertThat(ro.getObjectAsBytes(b -> b.bucket(bucket).key(key("ro"))).asUtf8String()).isEqualTo("read me");
      assertThat(ro.listObjectsV2(b -> b.bucket(bucket).prefix(base)).contents()).hasSize(1);
      assertS3Error(() -> ro.putObject(b -> b.bucket(bucket).key(key("w")), RequestBody.fromString("w")), 403, "AccessDenied");
      assertS3Error(() -> ro.deleteObject(b -> b.bucket(bucket).key(key("ro"))), 403, "AccessDenied");
      assertS3Error(() -> ro.copyObject(b -> b.sourceBucket(bucket).sourceKey(key("ro")).destinationBucket(bucket).destinationKey(key("c"))),
          403, "AccessDenied");
      assertS3Error(() -> ro.createMultipartUpload(b -> b.bucket(bucket).key(key("m"))), 403, "AccessDenied");
      assertS3Error(() -> ro.createBucket(b -> b.bucket(newBucketName())), 403, "AccessDenied");
      assertS3Error(() -> ro.deleteBucket(b -> b.bucket(bucket)), 403, "AccessDenied");
    }
    assertThat(get("ro")).asString(StandardCharsets.UTF_8).isEqualTo("read me");
    assertS3Error(() -> s3.headObject(b -> b.bucket(bucket).key(key("w"))), 404, null);
  }

  @Test
  void presignedGetAndPut_work_withThePlainJdkClient() throws Exception {
    put("pre", "presigned body");
    try (S3Presigner p = presigner()) {
      URI get = p.presignGetObject(b -> b.signatureDuration(Duration.ofMinutes(5)).getObjectRequest(g -> g.bucket(bucket).key(key("pre"))))
          .url().toURI();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(get).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("presigned body");
      URI put = p.presignPutObject(b -> b.signatureDuration(Duration.ofMinutes(5)).putObjectRequest(o -> o.bucket(bucket).key(key("up"))))
          .url().toURI();
      HttpResponse<String> w = http.send(HttpRequest.newBuilder(put).PUT(HttpRequest.BodyPublishers.ofString("uploaded")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(w.statusCode()).as(w.body()).isEqualTo(200);
      assertThat(get("up")).asString(StandardCharsets.UTF_8).isEqualTo("uploaded");
      // a presigned URL whose query was tampered with no longer matches
      URI tampered = URI.create(get.toString().replace("X-Amz-Expires=300", "X-Amz-Expires=301"));
      HttpResponse<String> t = http.send(HttpRequest.newBuilder(tampered).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(t.statusCode()).isEqualTo(403);
      assertThat(t.body()).contains("<Code>SignatureDoesNotMatch</Code>");
    }
  }

  @Test
  void presignedUrl_expired_isAccessDenied() throws Exception {
    put("old", "x");
    // signed two hours ago for one minute: expired for an hour and 59 minutes, no sleeping
    Clock past = Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC);
    URI url = raw.request("GET", path("old")).clock(past).presign(Duration.ofMinutes(1));
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
    assertThat(r.body()).contains("<Code>AccessDenied</Code>");
    assertThat(r.body()).containsIgnoringCase("expired");
  }

  @Test
  void badSignature_isSignatureDoesNotMatch() throws Exception {
    RawS3.Response r = raw.request("GET", "/" + bucket).query("list-type", "2").key(target.accessKey(), target.secretKey() + "x").send();
    assertRawError(r, 403, "SignatureDoesNotMatch");
    try (S3Client wrong = client(target.accessKey(), "not-the-secret")) {
      assertS3Error(() -> wrong.listObjectsV2(b -> b.bucket(bucket)), 403, "SignatureDoesNotMatch");
      assertS3Error(() -> wrong.putObject(b -> b.bucket(bucket).key(key("w")), RequestBody.fromString("w")),
          403, "SignatureDoesNotMatch");
    }
    assertS3Error(() -> s3.headObject(b -> b.bucket(bucket).key(key("w"))), 404, null);
  }

  @Test
  void unknownAccessKey_isInvalidAccessKeyId() throws Exception {
    RawS3.Response r = raw.request("GET", "/" + bucket).key("AKIANOSUCHKEY0000000", "whatever").send();
    assertRawError(r, 403, "InvalidAccessKeyId");
  }

  @Test
  void clockSkewOf20Minutes_isRequestTimeTooSkewed() throws Exception {
    Clock ahead = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(20));
    Clock behind = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-20));
    assertRawError(raw.request("GET", "/" + bucket).clock(ahead).send(), 403, "RequestTimeTooSkewed");
    assertRawError(raw.request("GET", "/" + bucket).clock(behind).send(), 403, "RequestTimeTooSkewed");
    // 5 minutes is within S3's 15
    Clock near = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(5));
    assertThat(raw.request("GET", "/" + bucket).clock(near).send().status()).isEqualTo(200);
  }

  @Test
  void anonymousRequest_onAPrivateBucket_isAccessDenied() throws Exception {
    put("priv", "secret data");
    RawS3.Response r = raw.request("GET", path("priv")).anonymous().send();
    assertRawError(r, 403, "AccessDenied");
    assertThat(r.text()).doesNotContain("secret data");
    assertRawError(raw.request("PUT", path("anon")).anonymous().body("x").send(), 403, "AccessDenied");
  }

  @Test
  void errorBody_isS3Xml_withCodeMessageAndResource() throws Throwable {
    RawS3.Response r = raw.request("GET", path("no-such-key")).send();
    assertRawError(r, 404, "NoSuchKey");
    assertThat(r.header("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/xml"));
    assertThat(r.texts("Message")).singleElement().asString().isNotBlank();
    assertThat(r.header("x-amz-request-id")).isPresent();
    expect(Deviation.ERROR_RESOURCE, () -> assertThat(r.texts("Key")).containsExactly(key("no-such-key")));
  }

  @Test
  void unknownBucket_rawGet_isNoSuchBucketNamingIt() throws Throwable {
    String other = newBucketName();
    RawS3.Response r = raw.request("GET", "/" + other).query("list-type", "2").send();
    assertRawError(r, 404, "NoSuchBucket");
    expect(Deviation.ERROR_RESOURCE, () -> assertThat(r.texts("BucketName")).containsExactly(other));
  }
}
