package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The mount's heap bound: buffers + memory cache + a baseline, set as ZGC's soft limit where ZGC runs. */
class HeapBoundTest {
  @Test
  void boundFollowsTheBuffersAndTheMemoryCache() {
    assertThat(HeapBound.forMount(300L << 20, 256L << 20)).isEqualTo(HeapBound.BASELINE + (556L << 20));
  }

  @Test
  void aBackgroundMountHasAHardMaximumOfTwiceItsNeed() {
    assertThat(HeapBound.childOptions(800L << 20)).containsExactly("-Xmx1600m", "-XX:ZUncommitDelay=10");
    assertThat(HeapBound.childOptions(100L << 20)).first().isEqualTo("-Xmx1024m");
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
