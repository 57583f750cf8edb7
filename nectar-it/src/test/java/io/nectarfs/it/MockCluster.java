package io.nectarfs.it;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.nectarfs.csi.pod.NodePods;
import java.util.HashMap;
import java.util.List;
import java.util.UUID;

/**
 * The fabric8 mock API server as a one-node cluster for the mount-pod tests: the pods of a
 * namespace are this node's, and the test plays the kubelet's status writes ({@link #markReady}).
 */
final class MockCluster implements AutoCloseable {
  final KubernetesMockServer server;
  final KubernetesClient client;

  private MockCluster(KubernetesMockServer server) {
    this.server = server;
    this.client = server.createClient();
  }

  static MockCluster start() {
    KubernetesMockServer s = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    s.init();
    return new MockCluster(s);
  }

  /** What the kubelet would list: the pods of {@code namespace}. */
  NodePods nodePods(String namespace) {
    return new NodePods() {
      @Override
      public List<Pod> list() {
        return client.pods().inNamespace(namespace).list().getItems();
      }

      @Override
      public void close() {}
    };
  }

  /**
   * The kubelet's status write: running, ready, its container (of the spec's image, in the form a
   * kubelet reports it) restarted
   * {@code restarts} times; again on a conflict with the mounter's updates.
   */
  void markReady(String namespace, String name, int restarts) {
    for (int attempt = 1; ; attempt++) {
      try {
        client.pods().inNamespace(namespace).withName(name).edit(p -> new PodBuilder(p)
            .editMetadata().withUid(p.getMetadata().getUid() != null ? p.getMetadata().getUid() : UUID.randomUUID().toString()).endMetadata()
            .withStatus(new PodStatusBuilder().withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition()
                .withContainerStatuses(new ContainerStatusBuilder().withName("mount").withReady(true).withRestartCount(restarts)
                    .withImage(reported(p.getSpec().getContainers().getFirst().getImage())).build()).build())
            .build());
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 50) {
          throw e;
        }
      }
    }
  }

  /** The image as a kubelet reports it: a name without a registry gets Docker Hub's ({@code nectar:next} → {@code docker.io/library/nectar:next}). */
  static String reported(String image) {
    return image.contains("/") ? image : "docker.io/library/" + image;
  }

  @Override
  public void close() {
    client.close();
    try {
      server.destroy();
    } catch (IllegalStateException e) { // its shutdown gives open watches a fixed few seconds: slow on a busy machine
      if (!String.valueOf(e.getMessage()).contains("Unable to close MockWebServer")) {
        throw e;
      }
    }
  }
}
