package io.nectarfs.csi.webhook;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the webhook does with a pod: leave it (not opted in, opted out, already injected, no
 * NectarFS claim), serve its NectarFS claims by sidecars, or refuse it with the reason. Stateless
 * apart from the client; one call per admission.
 */
final class Injector {
  private final KubernetesClient client;
  private final StorageObjects objects;
  private final WebhookConfig config;

  Injector(KubernetesClient client, StorageObjects objects, WebhookConfig config) {
    this.client = client;
    this.objects = objects;
    this.config = config;
  }

  /** The outcome of one admission. */
  sealed interface Decision {}

  /** Admit unchanged, saying why (for the log). */
  record Leave(String why) implements Decision {}

  /** Admit {@code pod} as changed to {@code mutated}, which serves {@code volumes}. */
  record Inject(Pod mutated, List<String> volumes) implements Decision {}

  /** Refuse, with the one-line reason the user sees. */
  record Refuse(String why) implements Decision {}

  /**
   * The decision for {@code pod} created in namespace {@code ns}.
   *
   * @throws IOException or a {@link io.fabric8.kubernetes.client.KubernetesClientException} when
   *     the API server could not be asked (no decision: the API server's failure policy applies)
   */
  Decision decide(Pod pod, String ns) throws IOException {
    Map<String, String> annotations = pod.getMetadata() == null ? null : pod.getMetadata().getAnnotations();
    if (annotations != null && annotations.containsKey(WebhookConfig.INJECTED)) {
      return new Leave("sidecars already injected");
    }
    String podLabel = label(pod.getMetadata() == null ? null : pod.getMetadata().getLabels());
    if (WebhookConfig.DISABLED.equals(podLabel)) {
      return new Leave("opted out by label " + WebhookConfig.OPT_IN_LABEL + "=" + WebhookConfig.DISABLED);
    }
    List<Volume> claims = pod.getSpec() == null ? List.of()
        : pod.getSpec().getVolumes().stream().filter(v -> v.getPersistentVolumeClaim() != null).toList();
    if (claims.isEmpty()) {
      return new Leave("no PersistentVolumeClaim");
    }
    if (!WebhookConfig.ENABLED.equals(podLabel)) {
      Namespace n = client.namespaces().withName(ns).get();
      if (n == null || !WebhookConfig.ENABLED.equals(label(n.getMetadata().getLabels()))) {
        return new Leave("not opted in (label " + WebhookConfig.OPT_IN_LABEL + "=" + WebhookConfig.ENABLED + " on the pod or its namespace)");
      }
    }
    Claims resolver = new Claims(client, objects, config);
    List<Claims.Served> served = new ArrayList<>();
    for (Volume v : claims) {
      Claims.Resolution r = resolver.resolve(ns, v.getName(), v.getPersistentVolumeClaim().getClaimName(),
          Boolean.TRUE.equals(v.getPersistentVolumeClaim().getReadOnly()));
      switch (r) {
        case Claims.Unservable u -> {
          return new Refuse(u.why());
        }
        case Claims.Served s -> served.add(s);
        case Claims.NotOurs n -> { } // another driver's claim: the node plugin of that driver serves it
      }
    }
    if (served.isEmpty()) {
      return new Leave("no " + config.driver() + " claim");
    }
    try {
      return new Inject(Sidecars.inject(pod, served), served.stream().map(Claims.Served::podVolume).toList());
    } catch (IllegalArgumentException e) {
      return new Refuse(e.getMessage());
    }
  }

  private static String label(Map<String, String> labels) {
    return labels == null ? null : labels.get(WebhookConfig.OPT_IN_LABEL);
  }
}
