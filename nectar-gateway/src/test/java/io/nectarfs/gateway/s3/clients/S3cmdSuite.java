package io.nectarfs.gateway.s3.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * s3cmd (Debian s3cmd 2.3) with Signature V4 and path-style requests, its key in a 0600 config
 * file: put, get, ls, sync (twice: the second transfers nothing) and del.
 */
abstract class S3cmdSuite extends ClientSuite {
  private Path config;

  @BeforeEach
  void config() throws Exception {
    Programs.require(Programs.S3CMD, "s3cmd");
    String hostPort = target.endpoint().getHost() + ":" + target.endpoint().getPort();
    config = Programs.privateFile(tmp.resolve("s3cfg"), """
        [default]
        access_key = %s
        secret_key = %s
        host_base = %s
        host_bucket = %s
        bucket_location = %s
        use_https = False
        signature_v2 = False
        multipart_chunk_size_mb = 5
        progress_meter = False
        """.formatted(target.accessKey(), target.secretKey(), hostPort, hostPort, target.region()));
  }

  private Programs.Run s3cmd(String... args) throws Exception {
    String[] cmd = new String[args.length + 3];
    cmd[0] = Programs.S3CMD;
    cmd[1] = "-c";
    cmd[2] = config.toString();
    System.arraycopy(args, 0, cmd, 3, args.length);
    return Programs.run(tmp, Map.of(), cmd);
  }

  @Test
  void putGetLsSyncDel() throws Exception {
    Path src = tree("src");
    s3cmd("put", src.resolve("top.txt").toString(), "s3://" + bucket + "/one/top.txt").ok();
    s3cmd("put", src.resolve("big.bin").toString(), "s3://" + bucket + "/one/big.bin").ok(); // 6 MiB: multipart
    Path got = tmp.resolve("got.bin");
    s3cmd("get", "s3://" + bucket + "/one/big.bin", got.toString()).ok();
    assertThat(Files.readAllBytes(got)).isEqualTo(Files.readAllBytes(src.resolve("big.bin")));
    assertThat(s3cmd("ls", "s3://" + bucket + "/one/").ok().output()).contains("s3://" + bucket + "/one/top.txt", "s3://" + bucket + "/one/big.bin");
    assertThat(s3cmd("ls").ok().output()).contains("s3://" + bucket);

    s3cmd("sync", src + "/", "s3://" + bucket + "/sync/").ok();
    assertThat(getString("sync/sub dir/ünï/cødé.txt")).isEqualTo("utf-8\n");
    Programs.Run again = s3cmd("sync", src + "/", "s3://" + bucket + "/sync/").ok();
    assertThat(again.output().lines().filter(l -> l.startsWith("upload:"))).as(again.output()).isEmpty();
    Path down = tmp.resolve("down");
    s3cmd("sync", "s3://" + bucket + "/sync/", down + "/").ok();
    assertThat(contents(down)).isEqualTo(contents(src));
    assertThat(s3cmd("ls", "-r", "s3://" + bucket + "/sync/").ok().output().lines().filter(l -> l.contains("s3://"))).hasSize(5);

    s3cmd("del", "s3://" + bucket + "/one/top.txt").ok();
    s3cmd("del", "--recursive", "--force", "s3://" + bucket + "/sync/").ok();
    assertThat(s3.listObjectsV2(b -> b.bucket(bucket)).contents()).extracting(o -> o.key()).containsExactly("one/big.bin");
  }
}
