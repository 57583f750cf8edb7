package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nectar stats} on what is not a mount: one line, exit code 1. On a directory holding a
 * fake {@code .stats} it reports the difference between its two reads (here none).
 */
class StatsCommandTest {
  @Test
  void notAMount_noStats_orNotTheFormat_isOneLine_exitOne(@TempDir Path tmp) throws Exception {
    CliTest.Run none = CliTest.run("stats", "--once", tmp.toString());
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.err().strip().lines()).hasSize(1);
    assertThat(none.err()).startsWith("nectar: " + tmp + " is not a NectarFS mount point (it has no readable .stats)");

    Files.writeString(tmp.resolve(".stats"), "<html>not metrics</html>\n");
    CliTest.Run html = CliTest.run("stats", "--once", tmp.toString());
    assertThat(html.code()).isEqualTo(1);
    assertThat(html.err().strip().lines()).hasSize(1);
    assertThat(html.err()).contains("is not a NectarFS mount point (its .stats is not NectarFS metrics");

    Files.writeString(tmp.resolve(".stats"), "some_other_metric 1\n");
    CliTest.Run other = CliTest.run("stats", "--once", tmp.toString());
    assertThat(other.code()).isEqualTo(1);
    assertThat(other.err().strip().lines()).hasSize(1);

    CliTest.Run file = CliTest.run("stats", "--once", tmp.resolve(".stats").toString());
    assertThat(file.code()).isEqualTo(1);
  }

  @Test
  void once_json_printsExactlyOneObject(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve(".stats"), "nectar_vfs_uptime_seconds 3\nnectar_vfs_write_bytes_total 7\n");
    CliTest.Run r = CliTest.run("stats", "--once", "--json", "--interval", "10ms", tmp.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().lines()).hasSize(1);
    assertThat(r.out()).startsWith("{\"interval_seconds\":").contains("\"written_bytes\":0");
  }

  @Test
  void run_samplesAroundTheCommand_andAFailedCommandExitsOne(@TempDir Path tmp) throws Exception {
    Path stats = tmp.resolve(".stats");
    Files.writeString(stats, "nectar_vfs_uptime_seconds 3\nnectar_vfs_write_bytes_total 7\n");
    String grow = "printf 'nectar_vfs_uptime_seconds 4\\nnectar_vfs_write_bytes_total 17\\n' > '" + stats + "'";
    CliTest.Run r = CliTest.run("stats", "--json", "--run", grow, tmp.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().lines()).hasSize(1);
    assertThat(r.out()).contains("\"written_bytes\":10,");

    CliTest.Run failed = CliTest.run("stats", "--json", "--run", "exit 3", tmp.toString());
    assertThat(failed.code()).isEqualTo(1);
    assertThat(failed.out()).contains("\"written_bytes\":0,");
    assertThat(failed.err()).isEqualTo("nectar: the command given to --run exited with status 3\n");
  }
}
