package io.nectarfs.csi.pod;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Plays the kubelet against the CRUD mock server (which has none): waits for a pod to be created
 * and writes the status a kubelet would (ready, restarted, failing). Also a {@link NodePods}
 * that lists the namespace, as the kubelet's {@code /pods} would on this node.
 */
final class FakeKubelet implements NodePods {
  private final KubernetesClient client;
  private final String namespace;

  FakeKubelet(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /** Waits (generously) for pod {@code name} to exist; gives it a uid if the mock gave none. */
  Pod awaitCreated(String name) {
    Pod p = client.pods().inNamespace(namespace).withName(name).waitUntilCondition(Objects::nonNull, 60, TimeUnit.SECONDS);
    if (p.getMetadata().getUid() == null) {
      p = client.pods().inNamespace(namespace).withName(name).edit(x -> new PodBuilder(x).editMetadata().withUid(UUID.randomUUID().toString()).endMetadata().build());
    }
    return p;
  }

  /** Marks the pod running and ready with {@code restarts} container restarts. */
  void ready(String name, int restarts) {
    awaitCreated(name);
    setStatus(name, new PodStatusBuilder().withPhase("Running")
        .addNewCondition().withType("Ready").withStatus("True").endCondition()
        .withContainerStatuses(new ContainerStatusBuilder().withName(MountPods.CONTAINER).withReady(true).withRestartCount(restarts)
            .withImage("img").withNewState().withNewRunning().endRunning().endState().build())
        .build());
  }

  /** The mount container waits with {@code reason}; {@code lastLog} is its last termination message. */
  void waiting(String name, String reason, String message, String lastLog) {
    awaitCreated(name);
    ContainerStatusBuilder c = new ContainerStatusBuilder().withName(MountPods.CONTAINER).withReady(false).withRestartCount(3).withImage("img")
        .withNewState().withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState();
    if (lastLog != null) {
      c.withNewLastState().withNewTerminated().withExitCode(1).withMessage(lastLog).endTerminated().endLastState();
    }
    setStatus(name, new PodStatusBuilder().withPhase("Pending")
        .addNewCondition().withType("Ready").withStatus("False").endCondition()
        .withContainerStatuses(c.build()).build());
  }

  private void setStatus(String name, PodStatus status) {
    client.pods().inNamespace(namespace).withName(name).edit(p -> new PodBuilder(p).withStatus(status).build());
  }

  @Override
  public List<Pod> list() {
    return client.pods().inNamespace(namespace).list().getItems();
  }

  @Override
  public void close() {}
}
