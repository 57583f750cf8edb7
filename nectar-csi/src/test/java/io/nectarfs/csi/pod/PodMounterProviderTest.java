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

  @Test
  void anApiServerThatDoesNotAnswer_failsAtStartNamingIt() throws Exception {
    java.net.ServerSocket closed = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
    int port = closed.getLocalPort();
    closed.close(); // nothing listens there now
    io.fabric8.kubernetes.client.Config cfg = new io.fabric8.kubernetes.client.ConfigBuilder().withMasterUrl("https://127.0.0.1:" + port)
        .withRequestRetryBackoffLimit(0).build();
    try (var client = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(cfg).build()) {
      assertThatThrownBy(() -> PodMounterProvider.checkApi(client, PodMounterConfig.forNode("n")))
          .hasMessageContaining("--mode pod needs the Kubernetes API server at https://127.0.0.1:" + port);
    }
  }

  @Test
  void anApiServerThatAnswers_passesTheCheck_withOrWithoutTheConfigMap() throws Exception {
    var server = MockApi.start();
    try (var client = server.createClient()) {
      PodMounterProvider.checkApi(client, PodMounterConfig.forNode("n")); // no ConfigMap: defaults, not an error
    } finally {
      MockApi.stop(server);
    }
  }
}
