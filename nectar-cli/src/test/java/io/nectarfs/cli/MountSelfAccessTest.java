package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mount's process never makes a request to its own mount. When it did (a stat of the mount point
 * after mounting, to find the device for the kernel's read-ahead) and was killed while one of its
 * workers held that request, the stat's thread waited for the answer uninterruptibly: the process
 * stayed a zombie holding {@code /dev/fuse}, and every later access to the mount hung (CI hung in
 * {@link VersionDeadMountTest}). Checked by the access log, which names each request's thread.
 */
class MountSelfAccessTest {
  private static final Pattern PID = Pattern.compile("pid:(\\d+)\\]");
  @TempDir Path tmp;

  @Test
  void theMountProcess_neverAsksItsOwnMount() throws Exception {
    Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name")), "needs root and /dev/fuse");
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    assertThat(CliTest.run("format", meta, "self", "--storage", "file://" + tmp.resolve("data")).code()).isZero();
    Path mp = Files.createDirectories(tmp.resolve("mnt"));
    Path log = tmp.resolve("access.log");
    CliTest.Run m = CliProcess.run(tmp, Map.of(), "mount", "-d", "--no-keeper", meta, mp.toString(), "--cache-dir", "memory", "--no-metrics",
        "--access-log", log.toString());
    assertThat(m.code()).as(m.err()).isZero();
    try {
      Matcher pid = Pattern.compile("\\(pid (\\d+)").matcher(m.out());
      assertThat(pid.find()).as(m.out()).isTrue();
      long daemon = Long.parseLong(pid.group(1));
      // A request of this test's own, so the log has caught up with everything before it.
      Files.readAllLines(mp.resolve(".stats"));
      Set<Long> mine = threads(ProcessHandle.current().pid());
      Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
      while (requesters(log).stream().noneMatch(mine::contains)) {
        assertThat(Instant.now()).as("this test's request in the access log").isBefore(deadline);
        Thread.sleep(20);
      }
      Set<Long> its = threads(daemon);
      assertThat(its).as("the mount's threads").isNotEmpty();
      assertThat(requesters(log)).as("requests from the mount's own threads (%s)", its).doesNotContainAnyElementsOf(its);
    } finally {
      CliTest.run("umount", mp.toString());
    }
  }

  /** The thread ids (the FUSE request header's pid) of process {@code pid}. */
  private static Set<Long> threads(long pid) throws java.io.IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      return s.map(p -> Long.parseLong(p.getFileName().toString())).collect(Collectors.toSet());
    }
  }

  private static List<Long> requesters(Path log) throws java.io.IOException {
    if (!Files.exists(log)) {
      return List.of();
    }
    return Files.readAllLines(log).stream().map(PID::matcher).filter(Matcher::find).map(x -> Long.parseLong(x.group(1))).toList();
  }
}
