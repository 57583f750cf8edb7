package io.nectarfs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nectar umount} returns once the mount's processes ended: the keeper, its worker and its
 * standby worker. Before, it returned after the unmount while they still closed the volume, and a
 * standby still starting opened it afterwards (a script that deleted the volume's files next, or a
 * test's cleanup, raced with them).
 */
class UmountWaitsTest {
  @TempDir Path base;
  private Path mnt;

  @AfterEach
  void cleanUp() throws Exception {
    if (mnt != null) {
      run("umount " + mnt + " 2>/dev/null || umount -l " + mnt + " 2>/dev/null; true");
    }
  }

  private String nectar(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(GatewayProcess.launcher()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(base.toFile());
    pb.environment().put("NECTAR_NO_BUILD", "1");
    pb.environment().put("HOME", base.resolve("home").toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  private static String run(String command) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }

  @Test
  void umount_returnsAfterTheKeeperItsWorkerAndItsStandbyEnded() throws Exception {
    MountedVolume.requireFuse();
    String meta = "sqlite3://" + base.resolve("vol.db");
    nectar("format", meta, "vol", "--storage", "file://" + base.resolve("data"));
    mnt = Files.createDirectories(base.resolve("mnt"));
    Path log = base.resolve("mount.log");
    String mounted = nectar("mount", "-d", meta, mnt.toString(), "--cache-dir", base.resolve("cache").toString(), "--log", log.toString(), "--standby");
    Matcher pid = Pattern.compile("pid (\\d+)").matcher(mounted);
    assertThat(pid.find()).as(mounted).isTrue();
    ProcessHandle keeper = ProcessHandle.of(Long.parseLong(pid.group(1))).orElseThrow();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!Files.readString(log).contains("keeper: standby worker pid") && System.nanoTime() < deadline) {
      Thread.sleep(50); // polls the log for the standby, with a deadline
    }
    List<ProcessHandle> processes = new ArrayList<>(keeper.descendants().toList());
    processes.add(keeper);
    assertThat(processes).as("keeper, worker and standby").hasSizeGreaterThanOrEqualTo(3);
    Files.writeString(mnt.resolve("f"), "data");
    assertThat(nectar("umount", mnt.toString())).contains("unmounted " + mnt).doesNotContain("still ending");
    mnt = null;
    assertThat(processes.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList()).as("processes alive when umount returned").isEmpty();
  }
}
