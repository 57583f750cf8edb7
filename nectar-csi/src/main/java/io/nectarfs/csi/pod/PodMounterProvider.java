package io.nectarfs.csi.pod;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nectarfs.common.Url;
import io.nectarfs.csi.mount.Mounter;
import io.nectarfs.csi.mount.MounterProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * {@code nectar csi --mode pod}: mount pods through the API server of the cluster the node plugin
 * runs in (in-cluster configuration). Settings ({@code --mounter-option KEY=VALUE}):
 * <ul>
 *   <li>{@code namespace}: of the mount pods (default: $POD_NAMESPACE, else {@code nectarfs})
 *   <li>{@code mountRoot}: host path shared with the mount pods (default {@code /var/lib/nectarfs/mounts})
 *   <li>{@code configMap}: mount pod defaults (default {@code nectar-csi-config})
 *   <li>{@code nodePods}: {@code kubelet} (default) or {@code apiserver}
 *   <li>{@code kubeletUrl}: default {@code https://$HOST_IP:10250}; {@code kubeletCa}: PEM file
 *       (default: any certificate); {@code token}: the service-account token file
 *   <li>{@code grace}, {@code readyTimeout}, {@code checkInterval}: durations (30s, 3m, 5s)
 * </ul>
 */
public final class PodMounterProvider implements MounterProvider {
  static final String TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  private static final Set<String> KNOWN = Set.of("namespace", "mountRoot", "configMap", "nodePods", "kubeletUrl", "kubeletCa", "token",
      "grace", "readyTimeout", "checkInterval");

  @Override
  public String mode() {
    return "pod";
  }

  @Override
  public Mounter create(Context context) throws IOException {
    Map<String, String> s = context.settings();
    for (String k : s.keySet()) {
      if (!KNOWN.contains(k)) {
        throw new IOException("--mounter-option " + k + " is not a setting of --mode pod (known: " + String.join(", ", KNOWN.stream().sorted().toList()) + ")");
      }
    }
    PodMounterConfig config = config(context.nodeId(), s, System.getenv());
    KubernetesClient client = new KubernetesClientBuilder().build();
    NodePods nodePods;
    try {
      checkApi(client, config);
      nodePods = nodePods(client, config, s, System.getenv());
    } catch (IOException | RuntimeException e) {
      client.close();
      throw e;
    }
    PodMounter m = new PodMounter(client, nodePods, config, context.keepers());
    m.closeAlso(nodePods, client);
    return m;
  }

  /**
   * Fails now, with the API server's address and answer, when the API server cannot be asked for
   * this mounter's ConfigMap (unreachable, bad credentials, no permission): a node plugin that
   * cannot create mount pods should not start serving (fabric8 connects only on first use).
   */
  static void checkApi(KubernetesClient client, PodMounterConfig config) throws IOException {
    try {
      client.configMaps().inNamespace(config.namespace()).withName(config.configMap()).get(); // null when absent: fine
    } catch (KubernetesClientException e) {
      String why = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
          : e.getCause() != null ? e.getCause().toString() : e.getMessage();
      throw new IOException("--mode pod needs the Kubernetes API server at " + client.getMasterUrl() + ", which did not answer: " + why, e);
    }
  }

  static PodMounterConfig config(String nodeId, Map<String, String> s, Map<String, String> env) throws IOException {
    PodMounterConfig c = PodMounterConfig.forNode(nodeId);
    String ns = s.getOrDefault("namespace", env.getOrDefault("POD_NAMESPACE", c.namespace()));
    c = c.withNamespace(ns).withMountRoot(Path.of(s.getOrDefault("mountRoot", c.mountRoot().toString())));
    c = c.withConfigMap(s.getOrDefault("configMap", c.configMap())).withGrace(duration(s, "grace", c.grace())).withReadyTimeout(duration(s, "readyTimeout", c.readyTimeout()))
        .withCheckInterval(duration(s, "checkInterval", c.checkInterval()));
    return c;
  }

  static NodePods nodePods(KubernetesClient client, PodMounterConfig config, Map<String, String> s, Map<String, String> env) throws IOException {
    String source = s.getOrDefault("nodePods", "kubelet");
    return switch (source) {
      case "apiserver" -> NodePods.apiServer(client, config.namespace(), config.nodeName());
      case "kubelet" -> {
        String url = s.getOrDefault("kubeletUrl", "https://" + env.getOrDefault("HOST_IP", "127.0.0.1") + ":10250");
        Path token = Path.of(s.getOrDefault("token", TOKEN));
        Path ca = s.containsKey("kubeletCa") ? Path.of(s.get("kubeletCa")) : null;
        yield NodePods.kubelet(URI.create(url), Files.exists(token) ? token : null, ca, Duration.ofSeconds(10));
      }
      default -> throw new IOException("--mounter-option nodePods=" + source + ": use kubelet or apiserver");
    };
  }

  private static Duration duration(Map<String, String> s, String key, Duration dflt) throws IOException {
    String v = s.get(key);
    if (v == null) {
      return dflt;
    }
    Duration d = Url.parseDuration(v);
    if (d == null) {
      throw new IOException("--mounter-option " + key + "=" + v + ": not a duration such as 500ms, 30s, 3m");
    }
    return d;
  }
}
