package io.nectarfs.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SizesTest {
  @Test
  void parse_units() {
    assertThat(Sizes.parse("4096")).isEqualTo(4096);
    assertThat(Sizes.parse("64K")).isEqualTo(65536);
    assertThat(Sizes.parse("4M")).isEqualTo(4L << 20);
    assertThat(Sizes.parse("4MiB")).isEqualTo(4L << 20);
    assertThat(Sizes.parse("1.5g")).isEqualTo(3L << 29);
    assertThat(Sizes.parse("2T")).isEqualTo(2L << 40);
  }

  @Test
  void parse_rejectsGarbage() {
    assertThatThrownBy(() -> Sizes.parse("lots")).hasMessageContaining("'lots' is not a size");
    assertThatThrownBy(() -> Sizes.parse("-1M")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Sizes.parse("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void format_binaryUnits() {
    assertThat(Sizes.format(512)).isEqualTo("512 B");
    assertThat(Sizes.format(4L << 20)).isEqualTo("4.0 MiB");
  }
}
