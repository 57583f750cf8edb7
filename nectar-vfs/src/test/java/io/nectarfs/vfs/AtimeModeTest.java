package io.nectarfs.vfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.meta.Attr;
import io.nectarfs.meta.FileType;
import org.junit.jupiter.api.Test;

class AtimeModeTest {
  private static final long S = 1_000_000_000L;
  private static final long DAY = 86_400 * S;

  private static Attr times(long atime, long mtime, long ctime) {
    return new Attr(FileType.FILE, 0644, 0, 0, atime, mtime, ctime, 1, 0, 0, 0, 1);
  }

  @Test
  void relatime_isDueWhenNotNewerThanMtimeOrCtime_orADayOld() {
    long now = 10 * DAY;
    assertThat(AtimeMode.RELATIME.due(times(now - 10 * S, now - 5 * S, now - 20 * S), now)).as("older than mtime").isTrue();
    assertThat(AtimeMode.RELATIME.due(times(now - 10 * S, now - 20 * S, now - 5 * S), now)).as("older than ctime").isTrue();
    assertThat(AtimeMode.RELATIME.due(times(now - 10 * S, now - 10 * S, now - 20 * S), now)).as("equal to mtime").isTrue();
    assertThat(AtimeMode.RELATIME.due(times(now - 10 * S, now - 20 * S, now - 20 * S), now)).as("newer, fresh").isFalse();
    assertThat(AtimeMode.RELATIME.due(times(now - DAY, now - 2 * DAY, now - 2 * DAY), now)).as("a day old").isTrue();
  }

  @Test
  void noatimeNever_strictatimeAlways_andParsing() {
    Attr stale = times(0, 5, 5);
    Attr fresh = times(10, 5, 5);
    assertThat(AtimeMode.NOATIME.due(stale, 11)).isFalse();
    assertThat(AtimeMode.STRICTATIME.due(fresh, 11)).isTrue();
    assertThat(AtimeMode.parse("noatime")).isEqualTo(AtimeMode.NOATIME);
    assertThat(AtimeMode.parse(" Relatime ")).isEqualTo(AtimeMode.RELATIME);
    assertThat(AtimeMode.parse("strictatime")).isEqualTo(AtimeMode.STRICTATIME);
    assertThatThrownBy(() -> AtimeMode.parse("sometimes")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("atime mode must be noatime, relatime or strictatime, got 'sometimes'");
  }
}
