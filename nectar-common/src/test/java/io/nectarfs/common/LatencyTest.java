package io.nectarfs.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@link Latency}: bucket bounds, the Prometheus histogram a scrape shows, registration by name and tags. */
class LatencyTest {
  @Test
  void bucketsArePowersOfTwoFrom4Micros_upperBoundsInclusive() {
    assertThat(Latency.bucket(0)).isZero();
    assertThat(Latency.bucket(4_000)).isZero();
    assertThat(Latency.bucket(4_001)).isEqualTo(1);
    assertThat(Latency.bucket(8_000)).isEqualTo(1);
    assertThat(Latency.bucket(8_001)).isEqualTo(2);
    assertThat(Latency.bucket(1_000_000)).isEqualTo(8); // 1 ms <= 4 µs << 8 = 1.024 ms
    assertThat(Latency.bucket(4_000L << 24)).isEqualTo(24);
    assertThat(Latency.bucket((4_000L << 24) + 1)).isEqualTo(Latency.BUCKETS);
    assertThat(Latency.bucket(Long.MAX_VALUE)).isEqualTo(Latency.BUCKETS);
    for (long v = 1; v < 200_000_000_000L; v = v * 3 + 1) {
      int b = Latency.bucket(v);
      if (b < Latency.BUCKETS) {
        assertThat(v / 1e9).as("value %d fits bucket %d", v, b).isLessThanOrEqualTo(Latency.upperBoundSeconds(b));
      }
      if (b > 0) {
        assertThat(v / 1e9).as("value %d is above bucket %d", v, b - 1).isGreaterThan(Latency.upperBoundSeconds(b - 1));
      }
    }
  }

  @Test
  void aScrapeShowsCumulativeBuckets_sumAndCount_withCommonTags() {
    Metrics m = Metrics.create(Map.of("volume", "v"));
    Latency l = m.latency("nectar_test_op", "test latency", "op", "read");
    m.addCommonTags("mountpoint", "/mnt");
    l.record(3, TimeUnit.MICROSECONDS);
    l.record(5, TimeUnit.MICROSECONDS);
    l.record(2, TimeUnit.SECONDS);
    l.record(-1); // a clock step backwards counts as 0
    String text = m.scrape();
    assertThat(text).contains("# TYPE nectar_test_op_seconds histogram", "# HELP nectar_test_op_seconds test latency");
    String labels = "mountpoint=\"/mnt\",op=\"read\",volume=\"v\"";
    assertThat(text).contains("nectar_test_op_seconds_count{" + labels + "} 4");
    assertThat(value(text, "nectar_test_op_seconds_sum{" + labels + "}")).isCloseTo(2.000008, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(bucket(text, labels, Latency.upperBoundSeconds(0))).isEqualTo(2);
    assertThat(bucket(text, labels, Latency.upperBoundSeconds(1))).isEqualTo(3);
    assertThat(bucket(text, labels, Latency.upperBoundSeconds(18))).isEqualTo(3); // 1.048576 s
    assertThat(bucket(text, labels, Latency.upperBoundSeconds(19))).isEqualTo(4);
    assertThat(text).contains("nectar_test_op_seconds_bucket{" + labels + ",le=\"+Inf\"} 4");
    assertThat(l.count()).isEqualTo(4);
  }

  @Test
  void sameNameAndTags_sameHistogram_disabledRecordsNothing() {
    Metrics m = Metrics.create();
    Latency a = m.latency("nectar_test_op", "x", "op", "a", "engine", "mem");
    assertThat(m.latency("nectar_test_op", "x", "engine", "mem", "op", "a")).isSameAs(a);
    assertThat(m.findLatency("nectar_test_op", "op", "a", "engine", "mem")).containsSame(a);
    assertThat(m.findLatency("nectar_test_op", "op", "a")).isEmpty();
    assertThat(m.latencies("nectar_test_op")).containsExactly(a);
    assertThatThrownBy(() -> m.latency("nectar_test_op", "x", "op")).isInstanceOf(IllegalArgumentException.class);
    Metrics off = Metrics.disabled();
    Latency l = off.latency("nectar_test_op", "x", "op", "a");
    l.record(5, TimeUnit.MILLISECONDS);
    assertThat(l.count()).isZero();
    assertThat(off.scrape()).isEmpty();
  }

  private static double value(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
    assertThat(m.find()).as("%s in%n%s", series, text).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static long bucket(String text, String labels, double le) {
    Matcher m = Pattern.compile("(?m)^nectar_test_op_seconds_bucket\\{" + Pattern.quote(labels) + ",le=\"([^\"]+)\"\\} (\\S+)$").matcher(text);
    while (m.find()) {
      if (!m.group(1).equals("+Inf") && Double.parseDouble(m.group(1)) == le) {
        return (long) Double.parseDouble(m.group(2));
      }
    }
    throw new AssertionError("no bucket le=" + le + " in\n" + text);
  }
}
