package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nectar stats} on a real mount: around a known workload ({@code --run}) it reports exactly
 * the creates, mkdirs, unlinks and bytes the workload did (not the totals since mounting); {@code --once --json} prints one
 * object; a directory that is not a mount is one line and exit code 1.
 */
class StatsMountTest {
  @TempDir Path tmp;

  private static String nectar() {
    return "NECTAR_NO_BUILD=1 " + Path.of(System.getProperty("user.dir")).getParent().resolve("nectar");
  }

  private static int run(Path dir, String command, StringBuilder out) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", command).directory(dir.toFile()).start();
    out.append(new String(p.getInputStream().readAllBytes()));
    out.append("\nSTDERR:").append(new String(p.getErrorStream().readAllBytes()));
    return p.waitFor();
  }

  @Test
  void aroundAKnownWorkload_reportsExactlyItsCountsAndBytes() throws Exception {
    MountedVolume.requireFuse();
    String n = nectar();
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    sh(tmp, n + " format " + meta + " stats-vol --storage file://" + tmp.resolve("data") + " --trash-days 0");
    String mounted = sh(tmp, n + " mount -d " + meta + " " + mnt + " --direct-io --no-metrics --cache-dir " + tmp.resolve("cache")
        + " --log " + tmp.resolve("mount.log"));
    assertThat(mounted).contains("mounted at " + mnt);
    try {
      sh(mnt, "head -c 1000 /dev/zero > before && mkdir before.d && rm before"); // not in the interval
      String workload = "cd " + mnt + " && mkdir d && for i in 1 2 3 4 5 6 7; do head -c 12345 /dev/urandom > d/f$i; done"
          + " && cat d/f1 > /dev/null && rm d/f2 d/f3";
      String json = sh(tmp, n + " stats " + mnt + " --json --run '" + workload + "' 2>/dev/null").strip();
      assertThat(json.lines()).hasSize(1);
      assertThat(json).startsWith("{").endsWith("}")
          .contains("\"written_bytes\":" + 7 * 12345 + ",", "\"read_bytes\":12345,")
          .containsPattern("\"vfs\":\\{[^}]*\"by_op\":\\{[^}]*\"create\":7[,}]")
          .containsPattern("\"vfs\":\\{[^}]*\"by_op\":\\{[^}]*\"mkdir\":1[,}]")
          .containsPattern("\"vfs\":\\{[^}]*\"by_op\":\\{[^}]*\"unlink\":2[,}]")
          .containsPattern("\"fuse\":\\{[^}]*\"by_op\":\\{[^}]*\"create\":7[,}]")
          .containsPattern("\"fuse\":\\{[^}]*\"by_op\":\\{[^}]*\"unlink\":2[,}]");

      String once = sh(tmp, n + " stats " + mnt + " --once --json --interval 200ms").strip();
      assertThat(once.lines()).hasSize(1);
      assertThat(once).startsWith("{\"interval_seconds\":").contains("\"layers\":{\"fuse\":{", "\"written_bytes\":0,");

      String text = sh(tmp, n + " stats " + mnt + " --once --interval 200ms");
      assertThat(text).contains("layer", "fuse", "vfs", "meta", "object", "cache hit", "staging");

      StringBuilder out = new StringBuilder();
      int rc = run(tmp, n + " stats " + tmp.resolve("data") + " --once", out);
      assertThat(rc).as(out.toString()).isEqualTo(1);
      List<String> err = out.toString().substring(out.indexOf("STDERR:") + 7).lines().filter(l -> !l.isBlank()).toList();
      assertThat(err).hasSize(1);
      assertThat(err.getFirst()).isEqualTo("nectar: " + tmp.resolve("data") + " is not a NectarFS mount point (it has no readable .stats)");
    } finally {
      sh(tmp, n + " umount " + mnt);
    }
  }
}
