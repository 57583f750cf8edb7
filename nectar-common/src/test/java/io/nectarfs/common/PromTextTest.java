package io.nectarfs.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Prometheus text parser: samples, labels with escapes, special values; anything else is rejected. */
class PromTextTest {
  @Test
  void parsesSamples_labels_escapes_specialValues_andSkipsComments() {
    PromText p = PromText.parse("""
        # HELP nectar_vfs_op_seconds latency
        # TYPE nectar_vfs_op_seconds histogram
        nectar_vfs_op_seconds_bucket{op="create",le="+Inf",} 3.0
        nectar_vfs_op_seconds_count{op="create"} 3
        nectar_vfs_uptime_seconds 12.5 1700000000000
        odd{path="a\\"b\\\\c\\nd",x="1, }"} NaN
        neg -Inf

        """);
    assertThat(p.samples()).hasSize(5);
    assertThat(p.samples().get(0)).isEqualTo(new PromText.Sample("nectar_vfs_op_seconds_bucket", Map.of("op", "create", "le", "+Inf"), 3.0));
    assertThat(p.samples().get(2).value()).isEqualTo(12.5);
    assertThat(p.samples().get(3).labels()).isEqualTo(Map.of("path", "a\"b\\c\nd", "x", "1, }"));
    assertThat(p.samples().get(3).value()).isNaN();
    assertThat(p.samples().get(4).value()).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(p.sum("nectar_vfs_op_seconds_count")).isEqualTo(3);
    assertThat(p.sum("nectar_vfs_op_seconds_count", l -> "mkdir".equals(l.get("op")))).isZero();
    assertThat(p.has("neg")).isTrue();
    assertThat(p.has("nope")).isFalse();
  }

  @Test
  void rejectsWhatIsNotTheFormat_namingTheLine() {
    for (String bad : new String[] {"hello world and more", "{a=\"1\"} 2", "m{a=1} 2", "m{a=\"1\"", "m", "m abc", "m 1 2 3", "m 1 x", "9m 1"}) {
      assertThatThrownBy(() -> PromText.parse("# ok\n" + bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessage("line 2 is not a Prometheus sample");
    }
  }
}
