package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nectar version} reads the kernel's FUSE protocol from a running mount. A mount whose daemon
 * was killed (ENOTCONN) listed before the live one once hid it: the first unreadable mount ended the
 * search (seen in CI, where an earlier test left one behind).
 */
class VersionDeadMountTest {
  @TempDir Path tmp;

  @Test
  void version_findsTheProtocolPastADeadMount() throws Exception {
    Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name")), "needs root and /dev/fuse");
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    assertThat(CliTest.run("format", meta, "deadlive", "--storage", "file://" + tmp.resolve("data")).code()).isZero();
    Path dead = Files.createDirectories(tmp.resolve("dead"));
    Path live = Files.createDirectories(tmp.resolve("live"));
    CliTest.Run d = CliProcess.run(tmp, Map.of(), "mount", "-d", "--no-keeper", meta, dead.toString(), "--cache-dir", "memory", "--no-metrics");
    assertThat(d.code()).as(d.err()).isZero();
    try {
      java.util.regex.Matcher pid = java.util.regex.Pattern.compile("\\(pid (\\d+)").matcher(d.out());
      assertThat(pid.find()).as(d.out()).isTrue();
      ProcessHandle server = ProcessHandle.of(Long.parseLong(pid.group(1))).orElseThrow();
      server.destroyForcibly();
      Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
      while (readable(dead) && Instant.now().isBefore(deadline)) {
        Thread.sleep(50);
      }
      assertThat(readable(dead)).as("the killed mount is dead (ENOTCONN) and still listed").isFalse();
      CliTest.Run m = CliProcess.run(tmp, Map.of(), "mount", "-d", meta, live.toString(), "--cache-dir", "memory", "--no-metrics");
      assertThat(m.code()).as(m.err()).isZero();
      try {
        assertThat(CliTest.run("version").out()).containsPattern("kernel offers 7\\.\\d+");
      } finally {
        CliTest.run("umount", live.toString());
      }
    } finally {
      new ProcessBuilder("umount", "-l", dead.toString()).inheritIO().start().waitFor();
    }
  }

  private static boolean readable(Path mount) {
    try {
      Files.readAllLines(mount.resolve(".stats"));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
