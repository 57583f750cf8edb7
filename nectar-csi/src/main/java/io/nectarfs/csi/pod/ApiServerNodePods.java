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

  /**
   * @param fieldSelector whether the server filters by {@code spec.nodeName} (always in production;
   *     off only against the fabric8 mock server, which answers a field selector with nothing)
   */
  ApiServerNodePods(KubernetesClient client, String namespace, String nodeName, boolean fieldSelector) {
    this.nodeName = nodeName;
    var pods = client.pods().inNamespace(namespace);
    this.informer = fieldSelector ? pods.withField("spec.nodeName", nodeName).inform() : pods.inform();
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
