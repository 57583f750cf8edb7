package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The mount's heap bound: buffers + memory cache + a baseline; a hard maximum for mount processes, ZGC's soft limit in the launcher. */
class HeapBoundTest {
  @Test
  void boundFollowsTheBuffersAndTheMemoryCache() {
    assertThat(HeapBound.forMount(300L << 20, 256L << 20)).isEqualTo(HeapBound.BASELINE + (556L << 20));
  }

  @Test
  void aMountProcessRunsG1WithHugePages_andAHardMaximumOfTwiceItsNeed() {
    assertThat(HeapBound.mountJvm(800L << 20)).containsExactly("-XX:+UseG1GC", "-XX:+UseTransparentHugePages", "-Xmx1600m",
        "-XX:G1PeriodicGCInterval=30000");
    assertThat(HeapBound.mountJvm(100L << 20)).contains("-Xmx1024m");
  }

  @Test
  void anUpgradesSuccessorGetsTheBoundOfTheRunningMountsCommandLine() {
    assertThat(MountCommand.mountJvm(java.util.List.of("mount", "sqlite3:///tmp/x.db", "/mnt/x", "--buffer-size", "1G")))
        .as("need: the baseline, 1 GiB of buffers and 256 MiB of memory cache, twice")
        .contains("-Xmx" + (2 * (HeapBound.BASELINE + (1L << 30) + (256L << 20)) >> 20) + "m");
    assertThat(MountCommand.mountJvm(java.util.List.of("mount", "--no-such-option")))
        .as("a line this build cannot parse: the defaults' bound (300M of buffers, 256M of memory cache)").contains("-Xmx1624m");
  }

  @Test
  void appliedWhereTheCollectorHasASoftLimit() {
    long before = HeapBound.current();
    try {
      long set = HeapBound.apply(HeapBound.forMount(64L << 20, 0));
      if (set >= 0) {
        assertThat(HeapBound.current()).isEqualTo(set);
        assertThat(set).isLessThanOrEqualTo(Runtime.getRuntime().maxMemory());
      } else {
        assertThat(HeapBound.current()).isEqualTo(before);
      }
    } finally {
      HeapBound.apply(before);
    }
  }
}
