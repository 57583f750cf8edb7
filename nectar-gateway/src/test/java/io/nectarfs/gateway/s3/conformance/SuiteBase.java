package io.nectarfs.gateway.s3.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The fixture of the conformance suite: one target per class ({@link #openTarget}), an AWS SDK v2
 * client with today's defaults (path-style; checksums WHEN_SUPPORTED, so uploads are aws-chunked
 * with a CRC32 trailer), a raw signed HTTP client, and a fresh bucket per test (emptied and deleted
 * after it; a fresh prefix of the fixed bucket when the target cannot create buckets).
 *
 * <p>A case the target is known to fail is wrapped in {@link #expect}: for a target listing that
 * {@link Deviation} the case must still fail (it is then reported as aborted with the
 * deviation's text), for any other target it must pass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SuiteBase {
  protected S3Target target;
  protected S3Client s3;
  protected RawS3 raw;
  /** This test's bucket. */
  protected String bucket;
  /** This test's key prefix ("" when the test has its own bucket). */
  protected String base;

  /** The endpoint under test; called once per class. */
  protected abstract S3Target openTarget() throws IOException;

  @BeforeAll
  void startTarget() throws IOException {
    target = openTarget();
    s3 = client(target.accessKey(), target.secretKey());
    raw = new RawS3(target);
  }

  @AfterAll
  void stopTarget() throws IOException {
    if (s3 != null) {
      s3.close();
    }
    if (target != null) {
      target.close();
    }
  }

  /** An SDK client on the target with these credentials ({@link TargetClients#sdk}). */
  protected S3Client client(String accessKey, String secretKey) {
    return TargetClients.sdk(target, accessKey, secretKey);
  }

  /** An SDK client with every default of the SDK (aws-chunked uploads with a CRC32 trailer), whatever the target's deviations. */
  protected S3Client defaultClient() {
    return TargetClients.sdkDefaults(target);
  }

  @BeforeEach
  void freshBucket() {
    if (target.canCreateBuckets()) {
      bucket = newBucketName();
      base = "";
      s3.createBucket(b -> b.bucket(bucket));
    } else {
      bucket = target.fixedBucket();
      base = "t-" + UUID.randomUUID() + "/";
    }
  }

  @AfterEach
  void dropBucket() {
    try {
      ListMultipartUploadsResponse ups = s3.listMultipartUploads(b -> b.bucket(bucket).prefix(base));
      ups.uploads().forEach(u -> s3.abortMultipartUpload(b -> b.bucket(bucket).key(u.key()).uploadId(u.uploadId())));
    } catch (S3Exception ignored) {
      // a bucket the test deleted, or a target without upload listing: nothing to abort
    }
    try {
      // deepest first: a file-system-backed target may refuse to delete a marker "d/" before "d/x"
      for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(base)).contents().stream().toList().reversed()) {
        s3.deleteObject(b -> b.bucket(bucket).key(o.key()));
      }
      if (target.canCreateBuckets()) {
        s3.deleteBucket(b -> b.bucket(bucket));
      }
    } catch (S3Exception e) {
      if (e.statusCode() != 404) {
        throw e;
      }
    }
  }

  protected static String newBucketName() {
    return "conf-" + UUID.randomUUID().toString().substring(0, 18).toLowerCase(Locale.ROOT);
  }

  /** A key of this test ({@link #base} + name). */
  protected String key(String name) {
    return base + name;
  }

  /** The percent-encoded path of a key of this test's bucket, for raw requests. */
  protected String path(String name) {
    StringBuilder sb = new StringBuilder("/").append(bucket).append('/');
    for (byte b : key(name).getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-_.~/".indexOf(c) >= 0) {
        sb.append(c);
      } else {
        sb.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return sb.toString();
  }

  protected PutObjectResponse put(String name, byte[] data) {
    return s3.putObject(b -> b.bucket(bucket).key(key(name)), RequestBody.fromBytes(data));
  }

  protected PutObjectResponse put(String name, String text) {
    return put(name, text.getBytes(StandardCharsets.UTF_8));
  }

  protected byte[] get(String name) {
    return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key(name))).asByteArray();
  }

  protected static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  protected static String md5Hex(byte[] data) {
    return HexFormat.of().formatHex(RawS3.digest("MD5", data));
  }

  /** The quoted ETag S3 gives a single PUT of {@code data}. */
  protected static String etagOf(byte[] data) {
    return "\"" + md5Hex(data) + "\"";
  }

  /** Asserts that {@code call} fails with this status and S3 error code, and returns the exception. */
  protected static S3Exception assertS3Error(ThrowingCallable call, int status, String code) {
    S3Exception e = catchThrowableOfType(S3Exception.class, call);
    assertThat(e).as("expected %s %s", status, code).isNotNull();
    assertThat(e.statusCode()).as(e.getMessage()).isEqualTo(status);
    if (code != null) {
      assertThat(e.awsErrorDetails().errorCode()).as(e.getMessage()).isEqualTo(code);
    }
    return e;
  }

  /** Asserts a raw response is this status with this XML error code. */
  protected static void assertRawError(RawS3.Response r, int status, String code) {
    assertThat(r.status()).as("%s", r).isEqualTo(status);
    assertThat(r.code()).as("%s", r).isEqualTo(code);
  }

  /**
   * Runs a case that {@code d} names: a target that lists {@code d} must still fail it (the test
   * is then aborted with the deviation's description); any other target must pass it.
   */
  protected void expect(Deviation d, Executable body) throws Throwable {
    Deviations.expect(target, d, body);
  }

  protected URI endpoint() {
    return target.endpoint();
  }
}
