package io.nectarfs.gateway.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.fs.FileHandle;
import io.nectarfs.gateway.s3.auth.AccessKey;
import io.nectarfs.gateway.s3.auth.Authenticator;
import io.nectarfs.meta.Format;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.FormatRequest;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import io.nectarfs.volume.Volumes;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The whole gateway: real Signature V4 ({@link Authenticator#sigV4}), the volume-backed store over
 * an in-memory volume, and the AWS SDK with its defaults (aws-chunked bodies with trailing
 * checksums). Runs once the auth and store parts are merged.
 */
class S3EndToEndTest {
  Volume volume;
  S3Gateway gateway;
  S3Client s3;

  @BeforeEach
  void start() throws Exception {
    String url = "mem://s3-e2e-" + UUID.randomUUID();
    Secrets none = new Secrets(Map.of());
    Volumes.format(url, Format.builder("s3e2e", url).blockSize(1 << 20).createdMillis(System.currentTimeMillis()).build(),
        FormatRequest.defaults().withSecrets(none));
    volume = Volume.open(url, VolumeOptions.defaults().withSecrets(none).withCache(CacheOptions.memoryOnly(64L << 20)).withClientName("s3-e2e"));
    Authenticator auth = Authenticator.sigV4(List.of(new AccessKey("AKIDE2E", "e2e-secret-key", 0, 0, new int[0], false),
        new AccessKey("AKIDRO", "ro-secret-key", 0, 0, new int[0], true)), "us-east-1", Clock.SYSTEM);
    gateway = S3Gateway.start(volume.fileSystem(), S3Gateway.Options.of(new InetSocketAddress("127.0.0.1", 0), auth));
    s3 = client("AKIDE2E", "e2e-secret-key");
  }

  private S3Client client(String id, String secret) {
    return S3Client.builder().endpointOverride(URI.create(gateway.url())).region(Region.US_EAST_1).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret)))
        .httpClientBuilder(ApacheHttpClient.builder()).build();
  }

  @AfterEach
  void stop() throws Exception {
    s3.close();
    gateway.close();
    volume.close();
  }

  @Test
  void sdkDefaultsRoundTrip() {
    s3.createBucket(b -> b.bucket("e2e"));
    s3.putObject(b -> b.bucket("e2e").key("dir/a b+c.txt").checksumAlgorithm(software.amazon.awssdk.services.s3.model.ChecksumAlgorithm.CRC32_C).metadata(Map.of("k", "v")),
        RequestBody.fromString("hello"));
    var g = s3.getObjectAsBytes(b -> b.bucket("e2e").key("dir/a b+c.txt").checksumMode(ChecksumMode.ENABLED));
    assertThat(g.asUtf8String()).isEqualTo("hello");
    assertThat(g.response().metadata()).containsEntry("k", "v");
    assertThat(g.response().checksumCRC32C()).isNotNull();
    assertThat(s3.listObjectsV2(b -> b.bucket("e2e").prefix("dir/")).contents()).extracting(S3Object::key).containsExactly("dir/a b+c.txt");
    assertThat(s3.listObjectsV2(b -> b.bucket("e2e").delimiter("/")).commonPrefixes()).extracting(p -> p.prefix()).containsExactly("dir/");
    s3.copyObject(b -> b.sourceBucket("e2e").sourceKey("dir/a b+c.txt").destinationBucket("e2e").destinationKey("copy"));
    assertThat(s3.getObjectAsBytes(b -> b.bucket("e2e").key("copy")).asUtf8String()).isEqualTo("hello");
    s3.deleteObject(b -> b.bucket("e2e").key("copy"));
    assertThatThrownBy(() -> s3.headObject(b -> b.bucket("e2e").key("copy"))).isInstanceOf(S3Exception.class);
  }

  @Test
  void multipartOfTwoLargeParts() {
    s3.createBucket(b -> b.bucket("mpu"));
    byte[] part = new byte[5 << 20];
    new Random(1).nextBytes(part);
    String id = s3.createMultipartUpload(b -> b.bucket("mpu").key("big")).uploadId();
    String e1 = s3.uploadPart(b -> b.bucket("mpu").key("big").uploadId(id).partNumber(1), RequestBody.fromBytes(part)).eTag();
    String e2 = s3.uploadPart(b -> b.bucket("mpu").key("big").uploadId(id).partNumber(2), RequestBody.fromString("tail")).eTag();
    var done = s3.completeMultipartUpload(b -> b.bucket("mpu").key("big").uploadId(id)
        .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(e1).build(), CompletedPart.builder().partNumber(2).eTag(e2).build())));
    assertThat(done.eTag()).endsWith("-2\"");
    byte[] all = s3.getObjectAsBytes(b -> b.bucket("mpu").key("big")).asByteArray();
    assertThat(all).hasSize(part.length + 4);
    assertThat(s3.getObjectAsBytes(b -> b.bucket("mpu").key("big").range("bytes=-4")).asUtf8String()).isEqualTo("tail");
  }

  @Test
  void filesOfTheVolumeAreObjectsAndSignaturesAreChecked() throws Exception {
    s3.createBucket(b -> b.bucket("mixed"));
    try (FileHandle h = volume.fileSystem().create(Ctx.ROOT, "/mixed/from-mount.txt", 0644, false); OutputStream o = h.outputStream()) {
      o.write("written on the mount".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(s3.getObjectAsBytes(b -> b.bucket("mixed").key("from-mount.txt")).asUtf8String()).isEqualTo("written on the mount");

    try (S3Client wrong = client("AKIDE2E", "not-the-secret")) {
      assertThatThrownBy(() -> wrong.listBuckets()).isInstanceOfSatisfying(S3Exception.class,
          e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("SignatureDoesNotMatch"));
    }
    try (S3Client ro = client("AKIDRO", "ro-secret-key")) {
      assertThat(ro.getObjectAsBytes(b -> b.bucket("mixed").key("from-mount.txt")).asUtf8String()).isEqualTo("written on the mount");
      assertThatThrownBy(() -> ro.putObject(b -> b.bucket("mixed").key("x"), RequestBody.fromString("x")))
          .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied"));
    }
    try (S3Presigner p = S3Presigner.builder().endpointOverride(URI.create(gateway.url())).region(Region.US_EAST_1)
        .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDE2E", "e2e-secret-key"))).build()) {
      URI u = p.presignGetObject(b -> b.signatureDuration(Duration.ofMinutes(5)).getObjectRequest(g -> g.bucket("mixed").key("from-mount.txt")))
          .url().toURI();
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("written on the mount");
    }
  }
}
