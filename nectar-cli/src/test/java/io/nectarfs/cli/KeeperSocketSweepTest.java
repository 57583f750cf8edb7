package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A keeper that starts removes the sockets killed keepers left: those of pids that no longer run,
 * and those named with its own pid for another mount (a pid used again); live keepers' stay.
 */
class KeeperSocketSweepTest {
  @TempDir Path dir;

  @Test
  void deadKeepersSockets_andOthersWithMyPid_go_liveOnesStay() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    assertThat(gone.waitFor(1, TimeUnit.MINUTES)).isTrue();
    long self = ProcessHandle.current().pid();
    long parent = ProcessHandle.current().parent().orElseThrow().pid(); // runs as long as this test
    Path mine = Files.createFile(dir.resolve("keeper-aaaa-" + self + ".sock"));
    Path reused = Files.createFile(dir.resolve("keeper-bbbb-" + self + ".sock"));
    Path dead = Files.createFile(dir.resolve("keeper-cccc-" + gone.pid() + ".sock"));
    Path live = Files.createFile(dir.resolve("keeper-dddd-" + parent + ".sock"));
    Path other = Files.createFile(dir.resolve("mount-eeee.sock"));
    Path odd = Files.createFile(dir.resolve("keeper-ffff-notapid.sock"));

    Keeper.sweepStale(mine);

    assertThat(reused).doesNotExist();
    assertThat(dead).doesNotExist();
    assertThat(mine).exists();
    assertThat(live).exists();
    assertThat(other).as("control sockets are not the keeper's to sweep").exists();
    assertThat(odd).exists();
  }
}
