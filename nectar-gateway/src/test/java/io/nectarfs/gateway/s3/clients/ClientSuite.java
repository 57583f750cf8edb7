package io.nectarfs.gateway.s3.clients;

import io.nectarfs.gateway.s3.conformance.Deviation;
import io.nectarfs.gateway.s3.conformance.Deviations;
import io.nectarfs.gateway.s3.conformance.S3Target;
import io.nectarfs.gateway.s3.conformance.TargetClients;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The fixture of a real-client test: one target per class ({@link #openTarget}), a fresh bucket
 * per test made with the SDK (emptied and deleted after it), a private temporary directory, and
 * a local tree of awkward names to copy around.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ClientSuite {
  protected S3Target target;
  protected S3Client s3;
  protected String bucket;
  @TempDir protected Path tmp;

  protected abstract S3Target openTarget() throws IOException;

  @BeforeAll
  void startTarget() throws IOException {
    target = openTarget();
    s3 = TargetClients.sdk(target);
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

  @BeforeEach
  void freshBucket() {
    bucket = "cli-" + UUID.randomUUID().toString().substring(0, 18).toLowerCase(Locale.ROOT);
    s3.createBucket(b -> b.bucket(bucket));
  }

  @AfterEach
  void dropBucket() {
    s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()
        .forEach(u -> s3.abortMultipartUpload(b -> b.bucket(bucket).key(u.key()).uploadId(u.uploadId())));
    for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream().toList().reversed()) {
      s3.deleteObject(b -> b.bucket(bucket).key(o.key()));
    }
    s3.deleteBucket(b -> b.bucket(bucket));
  }

  /** See {@link Deviations#expect}. */
  protected void expect(Deviation d, org.junit.jupiter.api.function.Executable body) throws Throwable {
    Deviations.expect(target, d, body);
  }

  /** The endpoint as {@code http://host:port}. */
  protected String endpoint() {
    return target.endpoint().toString();
  }

  /** The target's key in the standard AWS environment variables (for the aws CLI and boto3). */
  protected Map<String, String> awsEnv() {
    return Map.of("AWS_ACCESS_KEY_ID", target.accessKey(), "AWS_SECRET_ACCESS_KEY", target.secretKey(),
        "AWS_DEFAULT_REGION", target.region(), "AWS_EC2_METADATA_DISABLED", "true");
  }

  /** A local tree: nested directories, a space, UTF-8, an empty file and a 6 MiB file. */
  protected Path tree(String name) throws IOException {
    Path root = Files.createDirectories(tmp.resolve(name));
    Files.createDirectories(root.resolve("sub dir/ünï"));
    Files.writeString(root.resolve("top.txt"), "top\n");
    Files.writeString(root.resolve("sub dir/a b.txt"), "a b\n");
    Files.writeString(root.resolve("sub dir/ünï/cødé.txt"), "utf-8\n");
    Files.write(root.resolve("sub dir/empty"), new byte[0]);
    byte[] big = new byte[6 << 20];
    new Random(5).nextBytes(big);
    Files.write(root.resolve("big.bin"), big);
    return root;
  }

  /** Relative path → content of every regular file under {@code root}. */
  protected static Map<String, String> contents(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        byte[] b = Files.readAllBytes(p);
        out.put(root.relativize(p).toString(), b.length + ":" + java.util.HexFormat.of().formatHex(md5(b)));
      }
    }
    return out;
  }

  protected static byte[] md5(byte[] b) {
    try {
      return java.security.MessageDigest.getInstance("MD5").digest(b);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  protected String getString(String key) {
    return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asString(StandardCharsets.UTF_8);
  }
}
