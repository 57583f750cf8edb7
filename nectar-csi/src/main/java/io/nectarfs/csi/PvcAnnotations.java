package io.nectarfs.csi;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.util.Map;

/**
 * The annotations of a PersistentVolumeClaim, for per-PVC settings of CreateVolume (owner and mode
 * of the subdirectory: {@code nectarfs.io/uid}, {@code nectarfs.io/gid}, {@code nectarfs.io/mode},
 * which override the StorageClass's {@code uid}, {@code gid}, {@code mode}). CSI does not carry
 * annotations; the external-provisioner's {@code --extra-create-metadata} gives the claim's name
 * and namespace, and the controller reads the claim from the API server.
 *
 * <p>Contract: {@link #of} returns the claim's annotations (empty when it has none or no longer
 * exists) and throws {@link IOException} naming the claim when the API server cannot answer.
 * Thread-safe.
 */
@FunctionalInterface
public interface PvcAnnotations {
  /** Annotation keys the controller reads. */
  String UID = "nectarfs.io/uid";
  String GID = "nectarfs.io/gid";
  String MODE = "nectarfs.io/mode";

  Map<String, String> of(String namespace, String name) throws IOException;

  /** No API server: per-PVC settings come from the StorageClass only. */
  PvcAnnotations NONE = (namespace, name) -> Map.of();

  /** Reads claims through the cluster's API server (service-account credentials of the pod). */
  static PvcAnnotations inCluster() {
    return fromApiServer(new KubernetesClientBuilder().build());
  }

  /** Reads claims through {@code client} (needs {@code get} on persistentvolumeclaims). */
  static PvcAnnotations fromApiServer(KubernetesClient client) {
    return (namespace, name) -> {
      try {
        PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(namespace).withName(name).get();
        if (pvc == null || pvc.getMetadata().getAnnotations() == null) {
          return Map.of();
        }
        return Map.copyOf(pvc.getMetadata().getAnnotations());
      } catch (KubernetesClientException e) {
        String why = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
        throw new IOException("cannot read PersistentVolumeClaim " + namespace + "/" + name + " from the API server: " + why, e);
      }
    };
  }
}
