package io.nectarfs.fuse.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Waiting for a process that is not this one's child, including one left a zombie. */
class ProcessExitTest {
  private static String state(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  }

  @Test
  void aZombieThatIsNotOurChild_hasEnded() throws Exception {
    // a parent that never reaps: its child stays a zombie for as long as the parent sleeps
    Process parent = new ProcessBuilder("python3", "-c",
        "import os, sys, time\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\ntime.sleep(600)")
        .redirectErrorStream(true).start();
    try {
      long zombie = Long.parseLong(new BufferedReader(new InputStreamReader(parent.getInputStream())).readLine().trim());
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (!state(zombie).equals("Z")) {
        assertThat(System.nanoTime()).as("the child exits").isLessThan(deadline);
        Thread.sleep(10);
      }
      assertThat(ProcessExit.await(zombie, Duration.ofMinutes(2))).isTrue();
      // why this class exists: the JDK's wait counts the unreaped zombie as alive
      assertThat(ProcessHandle.of(zombie).orElseThrow().onExit().isDone()).isFalse();
      assertThat(state(zombie)).isEqualTo("Z");
    } finally {
      parent.destroyForcibly().waitFor(1, TimeUnit.MINUTES);
    }
  }

  @Test
  void aRunningProcess_timesOut_andItsEnd_isSeen() throws Exception {
    Process p = new ProcessBuilder("sleep", "600").start();
    try {
      assertThat(ProcessExit.await(p.pid(), Duration.ofMillis(50))).isFalse();
      p.destroy();
      assertThat(ProcessExit.await(p.pid(), Duration.ofMinutes(2))).isTrue();
    } finally {
      p.destroyForcibly().waitFor(1, TimeUnit.MINUTES);
    }
  }

  @Test
  void aProcessThatIsGone_hasEnded() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    assertThat(ProcessExit.await(p.pid(), Duration.ofMinutes(1))).isTrue();
  }
}
