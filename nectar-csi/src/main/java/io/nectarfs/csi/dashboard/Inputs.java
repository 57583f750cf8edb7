package io.nectarfs.csi.dashboard;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.List;

/** The objects of the informers' caches at one moment (the caches' own objects: never modified). */
record Inputs(List<Pod> pods, List<PersistentVolumeClaim> claims, List<PersistentVolume> volumes, List<StorageClass> classes, List<Node> nodes) {
  Inputs {
    pods = List.copyOf(pods);
    claims = List.copyOf(claims);
    volumes = List.copyOf(volumes);
    classes = List.copyOf(classes);
    nodes = List.copyOf(nodes);
  }
}
