package io.nectarfs.gateway.s3.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nectarfs.gateway.s3.conformance.Deviation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The aws CLI (Debian awscli 2.9): {@code s3 cp --recursive} of a tree, {@code s3 sync} twice
 * (the second copies nothing), a file above a small multipart threshold, {@code s3api}
 * head-object and list-objects-v2, and {@code s3 presign} fetched with the JDK client. The key
 * is in the environment; the config file holds only the region and the transfer settings.
 */
abstract class AwsCliSuite extends ClientSuite {
  private Map<String, String> env;

  @BeforeEach
  void config() throws Exception {
    Programs.require(Programs.AWS, "awscli");
    Path config = Programs.privateFile(tmp.resolve("aws-config"), """
        [default]
        region = %s
        s3 =
          addressing_style = path
          multipart_threshold = 5MB
          multipart_chunksize = 5MB
        """.formatted(target.region()));
    env = new HashMap<>(awsEnv());
    env.put("AWS_CONFIG_FILE", config.toString());
    env.put("AWS_SHARED_CREDENTIALS_FILE", tmp.resolve("no-credentials").toString());
    env.put("AWS_PAGER", "");
  }

  private Programs.Run aws(String... args) throws Exception {
    String[] cmd = new String[args.length + 3];
    cmd[0] = Programs.AWS;
    cmd[1] = "--endpoint-url";
    cmd[2] = endpoint();
    System.arraycopy(args, 0, cmd, 3, args.length);
    return Programs.run(tmp, env, cmd);
  }

  @Test
  void cpRecursive_thenSyncTwice_secondCopiesNothing() throws Exception {
    Path src = tree("src");
    aws("s3", "cp", "--recursive", "--no-progress", src.toString(), "s3://" + bucket + "/cp/").ok();
    Path back = tmp.resolve("back");
    aws("s3", "cp", "--recursive", "--no-progress", "s3://" + bucket + "/cp/", back.toString()).ok();
    assertThat(contents(back)).isEqualTo(contents(src));

    Programs.Run first = aws("s3", "sync", "--no-progress", src.toString(), "s3://" + bucket + "/sync/").ok();
    assertThat(first.output().lines().filter(l -> l.startsWith("upload:"))).hasSize(contents(src).size());
    Programs.Run second = aws("s3", "sync", "--no-progress", src.toString(), "s3://" + bucket + "/sync/").ok();
    assertThat(second.output().lines().filter(l -> l.startsWith("upload:"))).as(second.output()).isEmpty();
    Path down = tmp.resolve("down");
    aws("s3", "sync", "--no-progress", "s3://" + bucket + "/sync/", down.toString()).ok();
    assertThat(contents(down)).isEqualTo(contents(src));
    Programs.Run again = aws("s3", "sync", "--no-progress", "s3://" + bucket + "/sync/", down.toString()).ok();
    assertThat(again.output().lines().filter(l -> l.startsWith("download:"))).as(again.output()).isEmpty();
  }

  @Test
  void cpAboveTheMultipartThreshold_isAMultipartObject() throws Throwable {
    byte[] data = new byte[(12 << 20) + 17];
    new Random(9).nextBytes(data);
    Path f = Files.write(tmp.resolve("large.bin"), data);
    aws("s3", "cp", "--no-progress", f.toString(), "s3://" + bucket + "/large.bin").ok();
    JsonNode head = new ObjectMapper().readTree(aws("s3api", "head-object", "--bucket", bucket, "--key", "large.bin").ok().output());
    assertThat(head.get("ContentLength").asLong()).isEqualTo(data.length);
    Path back = tmp.resolve("large.back");
    aws("s3", "cp", "--no-progress", "s3://" + bucket + "/large.bin", back.toString()).ok();
    assertThat(Files.readAllBytes(back)).isEqualTo(data);
    expect(Deviation.MULTIPART_ETAG, () -> assertThat(head.get("ETag").asText()).as("three 5 MB parts").endsWith("-3\""));
  }

  @Test
  void s3api_listObjectsV2_andHeadObject() throws Throwable {
    Path src = tree("src");
    aws("s3", "cp", "--recursive", "--no-progress", src.toString(), "s3://" + bucket + "/t/").ok();
    ObjectMapper json = new ObjectMapper();
    JsonNode list = json.readTree(aws("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "t/", "--delimiter", "/").ok().output());
    assertThat(list.get("Contents")).extracting(n -> n.get("Key").asText()).containsExactly("t/big.bin", "t/top.txt");
    assertThat(list.get("CommonPrefixes")).extracting(n -> n.get("Prefix").asText()).containsExactly("t/sub dir/");
    JsonNode all = json.readTree(aws("s3api", "list-objects-v2", "--bucket", bucket, "--page-size", "2").ok().output());
    expect(Deviation.LIST_PAGING_ACROSS_LEVELS, () -> assertThat(all.get("Contents")).extracting(n -> n.get("Key").asText())
        .containsExactly("t/big.bin", "t/sub dir/a b.txt", "t/sub dir/empty", "t/sub dir/ünï/cødé.txt", "t/top.txt"));
    JsonNode head = json.readTree(aws("s3api", "head-object", "--bucket", bucket, "--key", "t/sub dir/ünï/cødé.txt").ok().output());
    assertThat(head.get("ContentLength").asLong()).isEqualTo(6);
    Programs.Run missing = aws("s3api", "head-object", "--bucket", bucket, "--key", "t/nope");
    assertThat(missing.exit()).isNotZero();
    assertThat(missing.output()).contains("404");
  }

  @Test
  void presign_thenFetchWithTheJdkClient() throws Exception {
    s3.putObject(b -> b.bucket(bucket).key("p/shared file.txt"), RequestBody.fromString("shared"));
    String url = aws("s3", "presign", "s3://" + bucket + "/p/shared file.txt", "--expires-in", "300").ok().output().strip();
    HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
        .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("shared");
  }
}
