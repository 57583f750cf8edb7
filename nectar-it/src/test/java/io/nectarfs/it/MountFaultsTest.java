package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Secrets;
import io.nectarfs.fuse.FuseMount;
import io.nectarfs.fuse.FuseServer;
import io.nectarfs.fuse.MountOptions;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mount never hangs: a killed client is cleaned up by a forced unmount; a dead metadata server gives EIO, then recovers. */
class MountFaultsTest {
  @TempDir Path tmp;

  @Test
  void killedClient_forcedUnmount_thenANewMountWorks() throws Exception {
    MountedVolume.requireFuse();
    Path base = tmp.resolve("vol");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), MountMain.class.getName(), base.toString())
        .redirectErrorStream(true).start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
      String line = r.readLine();
      assertThat(line).startsWith("mounted");
      Path mnt = base.resolve("mnt");
      sh(mnt, "echo before > f && sync");
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      // The mount point is now dead ("Transport endpoint is not connected").
      assertThat(FuseMount.isMounted(mnt)).isTrue();
      FuseMount.unmount(mnt, true, false);
      assertThat(FuseMount.isMounted(mnt)).isFalse();
      try (MountedVolume again = MountedVolume.remount(base)) {
        assertThat(sh(again.mnt, "cat f").trim()).isEqualTo("before");
      }
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void metadataServerDown_givesEio_andRecovers() throws Exception {
    MountedVolume.requireFuse();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path redisDir = Files.createDirectories(tmp.resolve("redis"));
    Process redis = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", redisDir.toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("redis.log").toFile()).start();
    try {
      waitForPort(port);
      String metaUrl = "redis://127.0.0.1:" + port + "/1?timeout=2s&connect-timeout=2s";
      String storeUrl = "file://" + tmp.resolve("data");
      Secrets secrets = new Secrets(Map.of());
      try (TxnKv kv = MetaEngines.registry().open(metaUrl, secrets)) {
        MetaClient.format(kv, Format.builder("down-vol", storeUrl).checksum(false).storageLayout(Format.LAYOUT_NAME).build(), false, Clock.SYSTEM);
      }
      Path mnt = Files.createDirectories(tmp.resolve("mnt"));
      try (Volume volume = Volume.open(metaUrl, VolumeOptions.defaults().withSecrets(secrets).withCache(CacheOptions.memoryOnly(256L << 20)));
          FuseServer server = FuseServer.mount(volume.vfs(), mnt,
              MountOptions.builder().volumeName("down-vol").attrTimeout(Duration.ZERO).entryTimeout(Duration.ZERO).build())) {
        server.awaitInit(Duration.ofSeconds(10));
        sh(mnt, "mkdir d && echo x > d/f");
        sh(Path.of("/"), "kill -STOP " + redis.pid());
        long t0 = System.nanoTime();
        Process ls = new ProcessBuilder("stat", mnt.resolve("d/f").toString()).redirectErrorStream(true).start();
        String out = new String(ls.getInputStream().readAllBytes());
        assertThat(ls.waitFor(30, TimeUnit.SECONDS)).as("stat returns (no hang)").isTrue();
        double secs = (System.nanoTime() - t0) / 1e9;
        assertThat(ls.exitValue()).isNotZero();
        assertThat(out).contains("Input/output error");
        assertThat(secs).as("fails after the timeout, not forever").isLessThan(20);
        sh(Path.of("/"), "kill -CONT " + redis.pid());
        assertThat(sh(mnt, "cat d/f").trim()).isEqualTo("x");
        sh(mnt, "echo y > d/g");
      }
    } finally {
      redis.destroyForcibly();
    }
  }

  private static void waitForPort(int port) throws Exception {
    for (int i = 0; i < 100; i++) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (java.io.IOException e) {
        Thread.sleep(50);
      }
    }
    throw new AssertionError("redis did not start on port " + port);
  }
}
