package io.nectarfs.csi.pod;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The pods running on this node, as the node plugin sees them. Two sources: the local kubelet's
 * {@code /pods} endpoint (no watch on the API server, so thousands of nodes put no load on it), or
 * an informer on the API server restricted to this node's pods.
 *
 * <p>Contract: {@link #list} returns a snapshot of every pod bound to this node that the source
 * knows (possibly seconds old); it never returns pods of another node. It throws an
 * {@link IOException} naming the source when it cannot answer. Thread-safe.
 */
public interface NodePods extends AutoCloseable {

  /** The pods on this node now. */
  List<Pod> list() throws IOException;

  @Override
  void close();

  /**
   * The kubelet's {@code GET <base>/pods} (HTTPS, usually {@code https://<node-ip>:10250}), with the
   * bearer token read from {@code tokenFile} on every call (projected tokens rotate).
   *
   * @param caFile PEM certificate(s) the kubelet's serving certificate must chain to; null to accept
   *     any certificate (kubelet serving certificates are self-signed unless rotation is set up: the
   *     token still goes only to the configured address)
   */
  static NodePods kubelet(URI base, Path tokenFile, Path caFile, Duration timeout) throws IOException {
    return new KubeletNodePods(base, tokenFile, caFile, timeout);
  }

  /** An informer on pods in {@code namespace} bound to {@code nodeName} (a field selector). */
  static NodePods apiServer(KubernetesClient client, String namespace, String nodeName) {
    return new ApiServerNodePods(client, namespace, nodeName, true);
  }
}
