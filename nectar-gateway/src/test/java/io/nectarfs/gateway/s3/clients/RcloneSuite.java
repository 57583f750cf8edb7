package io.nectarfs.gateway.s3.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.gateway.s3.conformance.Deviation;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * rclone (Debian rclone 1.60) with its S3 backend configured through RCLONE_CONFIG_* variables:
 * sync, check, lsf, and {@code rclone mount} of the bucket (root and /dev/fuse) reading a file
 * through the mount.
 */
abstract class RcloneSuite extends ClientSuite {
  private Map<String, String> env;

  @BeforeEach
  void config() throws Exception {
    Programs.require(Programs.RCLONE, "rclone");
    env = new HashMap<>();
    // an empty config file: rclone otherwise prints a NOTICE among the listed names
    java.nio.file.Path conf = java.nio.file.Files.createFile(tmp.resolve("rclone.conf"),
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    env.put("RCLONE_CONFIG", conf.toString());
    env.put("RCLONE_CONFIG_T_TYPE", "s3");
    env.put("RCLONE_CONFIG_T_PROVIDER", "Other");
    env.put("RCLONE_CONFIG_T_ENDPOINT", endpoint());
    env.put("RCLONE_CONFIG_T_REGION", target.region());
    env.put("RCLONE_CONFIG_T_ACCESS_KEY_ID", target.accessKey());
    env.put("RCLONE_CONFIG_T_SECRET_ACCESS_KEY", target.secretKey());
    env.put("RCLONE_CONFIG_T_FORCE_PATH_STYLE", "true");
    env.put("RCLONE_CONFIG_T_CHUNK_SIZE", "5Mi");
    env.put("RCLONE_CONFIG_T_UPLOAD_CUTOFF", "5Mi");
  }

  private Programs.Run rclone(String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = Programs.RCLONE;
    System.arraycopy(args, 0, cmd, 1, args.length);
    return Programs.run(tmp, env, cmd);
  }

  @Test
  void syncCheckLsf() throws Throwable {
    expect(Deviation.SIGNED_CONTENT_TYPE, this::syncCheckLsfCase);
  }

  private void syncCheckLsfCase() throws Exception {
    Path src = tree("src");
    rclone("sync", src.toString(), "t:" + bucket + "/r").ok();
    Programs.Run check = rclone("check", src.toString(), "t:" + bucket + "/r").ok();
    assertThat(check.output()).contains("0 differences found");
    assertThat(rclone("lsf", "-R", "t:" + bucket + "/r").ok().output().lines().toList())
        .containsExactlyInAnyOrder("big.bin", "sub dir/", "sub dir/a b.txt", "sub dir/empty", "sub dir/ünï/", "sub dir/ünï/cødé.txt", "top.txt");
    // a change and a deletion are synced; a second sync transfers nothing
    Files.writeString(src.resolve("top.txt"), "changed\n");
    Files.delete(src.resolve("sub dir/empty"));
    rclone("sync", src.toString(), "t:" + bucket + "/r").ok();
    assertThat(getString("r/top.txt")).isEqualTo("changed\n");
    assertThat(rclone("lsf", "t:" + bucket + "/r/sub dir").ok().output().lines().toList()).doesNotContain("empty");
    Programs.Run again = rclone("sync", "-v", src.toString(), "t:" + bucket + "/r").ok();
    assertThat(again.output()).doesNotContain("Copied");
    assertThat(rclone("check", src.toString(), "t:" + bucket + "/r").ok().output()).contains("0 differences found");
  }

  @Test
  void mount_readsAFileThroughFuse() throws Throwable {
    boolean fuse = Files.exists(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name"));
    if (!fuse) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError("CI=true and rclone mount needs root and /dev/fuse");
      }
      Assumptions.abort("rclone mount needs root and /dev/fuse");
    }
    byte[] data = new byte[3 << 20];
    new java.util.Random(4).nextBytes(data);
    s3.putObject(b -> b.bucket(bucket).key("m/data.bin"), RequestBody.fromBytes(data));
    s3.putObject(b -> b.bucket(bucket).key("m/hello.txt"), RequestBody.fromString("through fuse\n"));
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Path log = tmp.resolve("mount.log");
    ProcessBuilder pb = new ProcessBuilder(List.of(Programs.RCLONE, "mount", "t:" + bucket, mnt.toString(), "--read-only", "--dir-cache-time", "1s"))
        .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("RCLONE_"));
    pb.environment().put("HOME", tmp.toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    try {
      Path hello = mnt.resolve("m/hello.txt");
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!Files.exists(hello) && p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(50); // polling a condition with a deadline, not a guess
      }
      assertThat(Files.exists(hello)).as("mounted within 60 s; log:\n%s", Files.readString(log, StandardCharsets.UTF_8)).isTrue();
      assertThat(Files.readString(hello)).isEqualTo("through fuse\n");
      assertThat(Files.readAllBytes(mnt.resolve("m/data.bin"))).isEqualTo(data);
      assertThat(Files.size(mnt.resolve("m/data.bin"))).isEqualTo(data.length);
    } finally {
      Programs.run(tmp, Map.of(), "fusermount3", "-u", mnt.toString());
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
      Programs.run(tmp, Map.of(), "umount", "-l", mnt.toString());
    }
  }
}
