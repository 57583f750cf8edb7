package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.cli.MountCommand.PassthroughMode;
import org.junit.jupiter.api.Test;

/** {@code --passthrough}: the default never makes a writable open of a file fail with ETXTBSY. */
class PassthroughModeTest {
  @Test
  void autoIsOnOnlyForReadOnlyMounts() {
    assertThat(PassthroughMode.auto.enabled(true)).isTrue();
    assertThat(PassthroughMode.auto.enabled(false)).isFalse();
  }

  @Test
  void onAndOffAreWhatTheySay() {
    assertThat(PassthroughMode.on.enabled(false)).isTrue();
    assertThat(PassthroughMode.on.enabled(true)).isTrue();
    assertThat(PassthroughMode.off.enabled(true)).isFalse();
    assertThat(PassthroughMode.off.enabled(false)).isFalse();
  }

  @Test
  void theDefaultIsAuto() {
    assertThat(new MountCommand().passthrough).isEqualTo(PassthroughMode.auto);
  }
}
