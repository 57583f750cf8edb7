package io.nectarfs.csi.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.csi.mount.MounterProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** {@code nectar csi --mode pod} finds the provider and reads its settings. */
class PodMounterProviderTest {
  @Test
  void theServiceLoaderFindsThePodMode() {
    assertThat(ServiceLoader.load(MounterProvider.class).stream().map(p -> p.get().mode())).contains("pod");
  }

  @Test
  void settingsOverrideTheEnvironmentAndTheDefaults() throws Exception {
    PodMounterConfig c = PodMounterProvider.config("node-7", Map.of("mountRoot", "/mnt/nfs-roots", "grace", "2m", "configMap", "cm"),
        Map.of("POD_NAMESPACE", "storage"));

    assertThat(c.nodeName()).isEqualTo("node-7");
    assertThat(c.namespace()).isEqualTo("storage");
    assertThat(c.mountRoot()).isEqualTo(Path.of("/mnt/nfs-roots"));
    assertThat(c.configMap()).isEqualTo("cm");
    assertThat(c.grace()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.readyTimeout()).isEqualTo(Duration.ofMinutes(3));
  }

  @Test
  void badSettingsAreNamed() {
    assertThatThrownBy(() -> PodMounterProvider.config("n", Map.of("grace", "soon"), Map.of())).hasMessageContaining("grace=soon");
    assertThatThrownBy(() -> new PodMounterProvider().create(new MounterProvider.Context("n", Path.of("/tmp"), Map.of("nmespace", "x"))))
        .hasMessageContaining("nmespace is not a setting of --mode pod");
  }
}
