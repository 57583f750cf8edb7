package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The bench table shows cached reads in µs (they take a few µs; "0.003 ms" hid the difference). */
class BenchLatencyTest {
  @Test
  void belowAMillisecond_inMicros_aboveInMillis() {
    assertThat(BenchCommand.latency(2_480)).isEqualTo("2.5 µs");
    assertThat(BenchCommand.latency(999_949)).isEqualTo("999.9 µs");
    assertThat(BenchCommand.latency(1_900_000)).isEqualTo("1.900 ms");
  }
}
