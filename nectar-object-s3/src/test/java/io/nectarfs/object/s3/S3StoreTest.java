package io.nectarfs.object.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.nectarfs.common.Secrets;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import io.nectarfs.object.TransientStoreException;
import io.nectarfs.testkit.TestServices;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** S3-specific behaviour against the S3 server of scripts/services.sh: errors, secrets, options. */
class S3StoreTest {
  private static final Secrets NO_ENV = new Secrets(Map.of());
  private final ObjectStores registry = ObjectStores.registry();

  private String url;
  private S3Url parsed;
  /** host:port of the test server. */
  private String hostPort;
  private String key;

  @BeforeEach
  void setUp() throws IOException {
    url = TestServices.require(TestServices.S3);
    parsed = S3Url.parse(url);
    hostPort = parsed.endpoint().substring(parsed.endpoint().indexOf("://") + 3);
    key = "s3test-" + UUID.randomUUID() + "/obj";
  }

  private ObjectStore open(String u, Secrets secrets) throws IOException {
    return registry.open(u, StoreOptions.raw(), secrets);
  }

  /** The test URL with other credentials, bucket or options. */
  private String url(String accessKey, String secretKey, String bucket, String query) {
    String userinfo = accessKey == null ? "" : accessKey + ":" + secretKey + "@";
    return "http://" + userinfo + hostPort + "/" + bucket + (query == null ? "" : "?" + query);
  }

  private static void assertOneLineWithout(Throwable t, String secret) {
    assertThat(t).isNotNull();
    assertThat(t.getMessage()).doesNotContain("\n").doesNotContain("\r");
    for (Throwable c = t; c != null; c = c.getCause()) {
      assertThat(String.valueOf(c.getMessage())).as("message of %s", c.getClass().getName()).doesNotContain(secret);
      assertThat(c.toString()).doesNotContain(secret);
    }
  }

  @Test
  void registry_servesS3Schemes() {
    assertThat(registry.schemes()).contains("s3", "http", "https");
  }

  @Test
  void badCredentials_giveOneLineErrorAboutTheAccessKey() throws IOException {
    String secret = "Wrong+Secret/" + UUID.randomUUID();
    try (ObjectStore s = open(url(parsed.accessKey(), secret.replace("/", "%2F").replace("+", "%2B"), parsed.bucket(), null), NO_ENV)) {
      Throwable t = catchThrowable(() -> s.put(key, new byte[10]));
      assertThat(t).isInstanceOf(IOException.class).isNotInstanceOf(TransientStoreException.class)
          .hasMessageContaining("access denied by http://" + hostPort)
          .hasMessageContaining("access key")
          .hasMessageContaining("NECTAR_S3_ACCESS_KEY");
      assertOneLineWithout(t, secret);
      assertOneLineWithout(catchThrowable(() -> s.getBytes(key)), secret);
      assertOneLineWithout(catchThrowable(() -> s.list("", "", "", 10)), secret);
      assertThat(s.describe()).doesNotContain(secret);
    }
    Throwable unknownKey;
    try (ObjectStore s = open(url("NOSUCHACCESSKEY", "plain" + secret.replace("/", "%2F"), parsed.bucket(), null), NO_ENV)) {
      unknownKey = catchThrowable(() -> s.put(key, new byte[10]));
    }
    assertThat(unknownKey).hasMessageContaining("access denied").hasMessageContaining("access key");
    assertOneLineWithout(unknownKey, secret);
  }

  @Test
  void missingBucket_givesOneLineErrorNamingTheBucket() throws IOException {
    String bucket = "nectar-missing-" + UUID.randomUUID().toString().substring(0, 8);
    try (ObjectStore s = open(url(parsed.accessKey(), parsed.secretKey(), bucket, null), NO_ENV)) {
      for (Throwable t : List.of(
          catchThrowable(() -> s.put(key, new byte[3])),
          catchThrowable(() -> s.list("", "", "/", 10)),
          catchThrowable(() -> s.getBytes(key)))) {
        assertThat(t).isInstanceOf(IOException.class).isNotInstanceOf(NoSuchFileException.class)
            .hasMessageContaining("bucket '" + bucket + "' does not exist at http://" + hostPort)
            .hasMessageContaining("create it first");
        assertOneLineWithout(t, parsed.secretKey());
      }
    }
  }

  @Test
  void nothingListening_isTransientAndNamesTheEndpoint() throws IOException {
    try (ObjectStore s = open("http://AK:" + parsed.secretKey() + "@127.0.0.1:1/bucket?connect-timeout=2s", NO_ENV)) {
      Throwable t = catchThrowable(() -> s.put(key, new byte[3]));
      assertThat(t).isInstanceOf(TransientStoreException.class)
          .hasMessage("cannot connect to 127.0.0.1:1 (connection refused): is the S3 server running?");
      assertOneLineWithout(t, parsed.secretKey());
      assertThat(catchThrowable(() -> s.head(key))).isInstanceOf(TransientStoreException.class).hasMessageContaining("127.0.0.1:1");
    }
  }

  @Test
  void unknownHost_isPermanentAndNamesTheHost() throws IOException {
    try (ObjectStore s = open("http://AK:SK@nectar-no-such-host.invalid:9000/bucket?connect-timeout=2s", NO_ENV)) {
      Throwable t = catchThrowable(() -> s.put(key, new byte[3]));
      assertThat(t).isInstanceOf(IOException.class).isNotInstanceOf(TransientStoreException.class)
          .hasMessageContaining("nectar-no-such-host.invalid:9000").hasMessageContaining("unknown host");
      assertOneLineWithout(t, "SK@");
    }
  }

  @Test
  void malformedUrls_giveOneLineErrorsWithoutSecrets() {
    String secret = "TopSecret" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put("http://AK:" + secret + "@127.0.0.1:9199", "missing bucket name");
    cases.put("http://AK:" + secret + "@127.0.0.1:9199/", "missing bucket name");
    cases.put("s3://", "missing bucket name");
    cases.put("http://AK:" + secret + "@127.0.0.1:99999/b", "bad port '99999'");
    cases.put("http://AK:" + secret + "@127.0.0.1:http/b", "bad port 'http'");
    cases.put("http://AK:" + secret + "@127.0.0.1:9199/b?colour=blue", "unknown option 'colour'");
    cases.put("http://AK:" + secret + "@127.0.0.1:9199/b?connect-timeout=soon", "connect-timeout must be a duration");
    cases.put("http://AK:" + secret + "@127.0.0.1:9199/b?max-connections=0", "max-connections");
    cases.put("http://AK:" + secret + "@127.0.0.1:9199/b?path-style=maybe", "path-style must be true or false");
    cases.put("http://AK:" + secret + "@127.0.0.1:9199/b#part", "fragment");
    cases.put("http://:" + secret + "@127.0.0.1:9199/b", "ACCESS:SECRET");
    cases.put("http://AK:" + secret + "@/b", "host name");
    cases.put("s3://Not_A_Bucket/x", "not a valid S3 bucket name");
    cases.put("http://AK:x/" + secret + "@127.0.0.1:9199/b", "percent-encode '/' as %2F");
    cases.put("s3x://AK:" + secret + "@host/b", "unknown storage scheme 's3x'");
    cases.put("s3:/bucket", "not a storage URL");
    for (var c : cases.entrySet()) {
      Throwable t = catchThrowable(() -> open(c.getKey(), NO_ENV).close());
      assertThat(t).as(c.getKey()).isInstanceOf(IOException.class).hasMessageContaining(c.getValue());
      assertOneLineWithout(t, secret);
    }
  }

  @Test
  void urlOptions_areParsed() throws IOException {
    S3Url u = S3Url.parse("https://AK%2Fx:se%2Fc+ret@minio.example:9000/bkt/some/prefix?region=eu-west-3"
        + "&path-style=false&max-connections=7&connect-timeout=1500ms&request-timeout=2m&create-bucket=true");
    assertThat(u.endpoint()).isEqualTo("https://minio.example:9000");
    assertThat(u.bucket()).isEqualTo("bkt");
    assertThat(u.prefix()).isEqualTo("some/prefix/");
    assertThat(u.accessKey()).isEqualTo("AK/x");
    assertThat(u.secretKey()).as("'+' is literal").isEqualTo("se/c+ret");
    assertThat(u.region()).isEqualTo("eu-west-3");
    assertThat(u.pathStyle()).isFalse();
    assertThat(u.maxConnections()).isEqualTo(7);
    assertThat(u.connectTimeout()).hasMillis(1500);
    assertThat(u.requestTimeout()).hasSeconds(120);
    assertThat(u.createBucket()).isTrue();
    assertThat(u.toString()).doesNotContain("se%2Fc").contains("****");

    S3Url aws = S3Url.parse("s3://my-bucket");
    assertThat(aws.endpoint()).isNull();
    assertThat(aws.pathStyle()).as("virtual-host style on AWS").isFalse();
    assertThat(aws.prefix()).isEmpty();
    assertThat(S3Url.parse("http://h/b").pathStyle()).as("path style on endpoints").isTrue();
    assertThat(S3Url.parse("http://[::1]:9000/b").endpoint()).isEqualTo("http://[::1]:9000");
  }

  @Test
  void secrets_neverInDescribeOrErrors() throws IOException {
    String secret = parsed.secretKey();
    try (ObjectStore s = open(url, NO_ENV)) {
      assertThat(s.describe()).doesNotContain(secret).contains(parsed.bucket());
      assertThat(s.toString()).doesNotContain(secret);
      Throwable missing = catchThrowable(() -> s.getBytes(key));
      assertThat(missing).isInstanceOf(NoSuchFileException.class).hasMessage(key);
      assertOneLineWithout(missing, secret);
      assertOneLineWithout(catchThrowable(() -> s.head(key)), secret);
      assertOneLineWithout(catchThrowable(() -> s.capability(io.nectarfs.object.CopyCapable.class).orElseThrow().copy(key, key + "2")), secret);
    }
    // Credentials from the environment (and from files named by _FILE) work and are not shown.
    String noCreds = url(null, null, parsed.bucket(), null);
    try (ObjectStore s = open(noCreds, new Secrets(Map.of("NECTAR_S3_ACCESS_KEY", parsed.accessKey(), "NECTAR_S3_SECRET_KEY", secret)))) {
      s.put(key, "env".getBytes(StandardCharsets.UTF_8));
      assertThat(s.getBytes(key)).asString().isEqualTo("env");
      assertThat(s.describe()).doesNotContain(secret);
      s.delete(key);
    }
    Throwable half = catchThrowable(() -> open(noCreds, new Secrets(Map.of("NECTAR_S3_SECRET_KEY", secret))));
    assertThat(half).hasMessageContaining("NECTAR_S3_ACCESS_KEY is not");
    assertOneLineWithout(half, secret);
  }

  @Test
  void credentials_fromFileVariantsAndCredentialsFile(@TempDir Path dir) throws IOException {
    Path sk = dir.resolve("sk");
    Files.writeString(sk, parsed.secretKey() + "\n");
    String noCreds = url(null, null, parsed.bucket(), null);
    try (ObjectStore s = open(noCreds, new Secrets(Map.of("NECTAR_S3_ACCESS_KEY", parsed.accessKey(), "NECTAR_S3_SECRET_KEY_FILE", sk.toString())))) {
      s.put(key, new byte[] {1});
      s.delete(key);
    }
    Path ini = dir.resolve("credentials");
    Files.writeString(ini, "[default]\naws_access_key_id = " + parsed.accessKey() + "\naws_secret_access_key = " + parsed.secretKey() + "\n");
    try (ObjectStore s = open(noCreds, new Secrets(Map.of("NECTAR_S3_CREDENTIALS_FILE", ini.toString())))) {
      s.put(key, new byte[] {2});
      assertThat(s.getBytes(key)).containsExactly(2);
      s.delete(key);
    }
    Throwable t = catchThrowable(() -> open(noCreds, new Secrets(Map.of("NECTAR_S3_CREDENTIALS_FILE", dir.resolve("nope").toString()))));
    assertThat(t).hasMessageContaining("cannot read NECTAR_S3_CREDENTIALS_FILE");
  }

  @Test
  void createBucket_createsAMissingBucketOnOpen() throws IOException {
    String bucket = "nectar-created-" + UUID.randomUUID().toString().substring(0, 8);
    String u = url(parsed.accessKey(), parsed.secretKey(), bucket, "create-bucket=true");
    try (ObjectStore s = open(u, NO_ENV)) {
      s.put("k", "v".getBytes(StandardCharsets.UTF_8));
      assertThat(s.listKeys("")).containsExactly("k");
      s.delete("k");
    }
    try (ObjectStore s = open(u, NO_ENV)) { // already there: fine
      assertThat(s.listKeys("")).isEmpty();
    }
    assertThatThrownBy(() -> open(url(parsed.accessKey(), "wrong", bucket + "-x", "create-bucket=true"), NO_ENV))
        .hasMessageContaining("access denied");
  }

  @Test
  void prefixInUrl_isAppliedAndHidden() throws IOException {
    String prefix = "pfx-" + UUID.randomUUID().toString().substring(0, 8);
    try (ObjectStore scoped = open(url(parsed.accessKey(), parsed.secretKey(), parsed.bucket() + "/" + prefix, null), NO_ENV);
        ObjectStore whole = open(url, NO_ENV)) {
      scoped.put("a/b", new byte[] {7});
      assertThat(scoped.listKeys("")).containsExactly("a/b");
      assertThat(scoped.list("", "", "/", 10).commonPrefixes()).containsExactly("a/");
      assertThat(whole.getBytes(prefix + "/a/b")).containsExactly(7);
      scoped.delete("a/b");
      assertThat(whole.listKeys(prefix + "/")).isEmpty();
    }
  }

  @Test
  void concurrentPuts_shareASmallPool() throws Exception {
    String prefix = "pool-" + UUID.randomUUID().toString().substring(0, 8) + "/";
    try (ObjectStore s = open(url + "?max-connections=2", NO_ENV);
        ExecutorService ex = Executors.newFixedThreadPool(16)) {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int id = t;
        fs.add(ex.submit(() -> {
          for (int i = 0; i < 5; i++) {
            byte[] d = (id + "-" + i).repeat(1000).getBytes(StandardCharsets.UTF_8);
            s.put(prefix + id + "-" + i, d);
            assertThat(s.getBytes(prefix + id + "-" + i)).isEqualTo(d);
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      List<String> keys = s.listKeys(prefix);
      assertThat(keys).hasSize(80);
      for (String k : keys) {
        s.delete(k);
      }
    }
  }
}
