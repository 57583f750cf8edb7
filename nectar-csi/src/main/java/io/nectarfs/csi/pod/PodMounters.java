package io.nectarfs.csi.pod;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nectarfs.csi.mount.Mounter;

/** Creates the mount-pod {@link Mounter}. */
public final class PodMounters {
  private PodMounters() {}

  /**
   * A {@link Mounter} that runs each key's mount in a pod on this node. The caller keeps
   * ownership of {@code client} and {@code nodePods} (closing the mounter closes neither); the
   * mounter checks its pods every {@link PodMounterConfig#checkInterval()} on a daemon thread.
   */
  public static Mounter create(KubernetesClient client, NodePods nodePods, PodMounterConfig config) {
    return create(client, nodePods, config, io.nectarfs.csi.mount.DescriptorKeepers.NONE);
  }

  /** As {@link #create(KubernetesClient, NodePods, PodMounterConfig)}, the mount pods' descriptors kept by {@code keepers}. */
  public static Mounter create(KubernetesClient client, NodePods nodePods, PodMounterConfig config, io.nectarfs.csi.mount.DescriptorKeepers keepers) {
    return new PodMounter(client, nodePods, config, keepers);
  }
}
