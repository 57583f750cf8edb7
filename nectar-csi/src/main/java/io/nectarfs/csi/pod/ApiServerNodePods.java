package io.nectarfs.csi.pod;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;

/**
 * {@link NodePods} from an informer on the API server: one list-watch of the pods in a namespace
 * whose {@code spec.nodeName} is this node. The informer's store is thread-safe; the filter is
 * applied again on the client (a server that ignores field selectors must not leak other nodes).
 */
final class ApiServerNodePods implements NodePods {
  private final SharedIndexInformer<Pod> informer;
  private final String nodeName;

  ApiServerNodePods(KubernetesClient client, String namespace, String nodeName) {
    this.nodeName = nodeName;
    this.informer = client.pods().inNamespace(namespace).withField("spec.nodeName", nodeName).inform();
  }

  @Override
  public List<Pod> list() {
    return informer.getStore().list().stream()
        .filter(p -> p.getSpec() != null && nodeName.equals(p.getSpec().getNodeName()))
        .toList();
  }

  @Override
  public void close() {
    informer.close();
  }
}
