package io.nectarfs.csi.pod;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
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

  /**
   * Waits (generously) for pod {@code name} to exist, by reading it again and again: a watch
   * would stay open on the mock server after the condition is met, and the mock then writes
   * every later change of the pod to it, which on a busy machine held up the next request.
   */
  Pod awaitCreated(String name) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      Pod p = client.pods().inNamespace(namespace).withName(name).get();
      if (p != null) {
        return p;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("pod " + name + " was not created within 60 s");
      }
      try {
        Thread.sleep(20); // polls a condition, with a deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for pod " + name, e);
      }
    }
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

  /**
   * Writes the status (and a uid, if the mock gave none); like a kubelet, again on a conflict with
   * a concurrent writer of the pod, and again when a request timed out (the client gives up after
   * 10 s, which a busy machine exceeded once), within a generous deadline.
   */
  private void setStatus(String name, PodStatus status) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    for (int attempt = 1; ; attempt++) {
      try {
        client.pods().inNamespace(namespace).withName(name).edit(p -> new PodBuilder(p).withStatus(status)
            .editMetadata().withUid(p.getMetadata().getUid() != null ? p.getMetadata().getUid() : UUID.randomUUID().toString()).endMetadata()
            .build());
        return;
      } catch (KubernetesClientException e) {
        boolean timedOut = e.getCause() instanceof java.util.concurrent.TimeoutException
            || String.valueOf(e.getMessage()).contains("timeout period");
        if (!(e.getCode() == 409 || timedOut) || attempt == 50 || System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }

  @Override
  public List<Pod> list() {
    return client.pods().inNamespace(namespace).list().getItems();
  }

  @Override
  public void close() {}
}
