package io.nectarfs.fuse.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ThreadPrioritiesTest {
  /** Every thread changes, not only the caller (Linux keeps a nice value per thread); root may restore it. */
  @Test
  void setAll_changesEveryThreadOfTheProcess_andRootRestoresIt() throws Exception {
    assumeTrue(LibC.getuid() == 0, "restoring a nice value needs CAP_SYS_NICE: runs as root (as CI does)");
    long pid = ProcessHandle.current().pid();
    int before = ThreadPriorities.current();
    CountDownLatch end = new CountDownLatch(1);
    Thread other = Thread.ofPlatform().daemon(true).start(() -> {
      try {
        end.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      assertThat(ThreadPriorities.setAll(before + 7)).as("threads that refused").isZero();
      assertThat(ThreadPriorities.of(pid)).isNotEmpty().containsOnly(before + 7);
      assertThat(ThreadPriorities.current()).isEqualTo(before + 7);
    } finally {
      assertThat(ThreadPriorities.setAll(before)).isZero();
      end.countDown();
      other.join();
    }
    assertThat(ThreadPriorities.of(pid)).containsOnly(before);
  }
}
