package io.nectarfs.csi.dashboard;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nectarfs.csi.pod.MountPods;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A realistic cluster for the dashboard tests, made of what the driver, the kubelet and the
 * provisioner would have left in the API server:
 *
 * <ul>
 *   <li>nodes {@code node-1}..{@code node-6}, all ready; the node plugin runs on 1 to 5 only;
 *   <li>namespaces team-a, team-b (four bound claims {@code data-0..3} each) and team-c (claim
 *       {@code data-0}, and {@code pending-gold} of class {@code nectarfs-gold}, whose Secret
 *       {@code gold-secret} does not exist);
 *   <li>{@value #APPS} application pods {@code app-K} in namespace {@code team-(K mod 3)} on node
 *       {@code node-(K mod 6 + 1)}, each using claim {@code data-(K mod 4)} (team-c: data-0), plus
 *       pods without NectarFS claims ({@code web-K}) that the dashboard must not list;
 *   <li>one mount pod per (node, volume) in use on nodes 1 to 5, its references naming the app
 *       pods' targets; {@link #CRASHING} (node-2, pv-team-b-data-1, serving app-1, app-13,
 *       app-25) is in CrashLoopBackOff; {@link #PEER_FAILING} serves metrics with cache group
 *       peer errors, every other ready mount pod healthy metrics;
 *   <li>Secrets holding {@link #PASSWORD} and {@link #STORAGE_KEY}, which also appear in a mount
 *       pod's arguments and literal environment, in its log and in an event: none may leave the
 *       dashboard.
 * </ul>
 */
final class FakeCluster {
  static final String DRIVER = "csi.nectarfs.io";
  static final String PASSWORD = "redis-pa55-Wd-qwerty";
  static final String STORAGE_KEY = "s3-secret-very-4567";
  static final String META_URL = "redis://:" + PASSWORD + "@redis.example:6379/1";
  static final String NS = "nectarfs";
  static final int APPS = 30;
  static final String CRASHING = "nectar-mount-node-2-pv-team-b-data-1";
  static final String PEER_FAILING = "nectar-mount-node-1-pv-team-a-data-0";
  static final List<String> TEAMS = List.of("team-a", "team-b", "team-c");

  private FakeCluster() {}

  static String ns(int k) {
    return TEAMS.get(k % 3);
  }

  static String node(int k) {
    return "node-" + (k % 6 + 1);
  }

  static String claim(int k) {
    return ns(k).equals("team-c") ? "data-0" : "data-" + (k % 4);
  }

  static String pv(int k) {
    return "pv-" + ns(k) + "-" + claim(k);
  }


  static String mountPod(String node, String pv) {
    return "nectar-mount-" + node + "-" + pv;
  }

  /** Creates everything; {@code metricsPort}/{@code peerFailingPort}: where the fake mounts' metrics are served on 127.0.0.1. */
  static void populate(KubernetesClient c, int metricsPort, int peerFailingPort) {
    for (String ns : List.of("team-a", "team-b", "team-c", NS)) {
      c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
    for (int n = 1; n <= 6; n++) {
      c.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-" + n).endMetadata()
          .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
      if (n <= 5) {
        c.pods().inNamespace(NS).resource(running(new PodBuilder().withNewMetadata().withName("nectar-csi-node-" + n).withNamespace(NS)
            .withLabels(Map.of("app.kubernetes.io/name", "nectar-csi-node")).endMetadata()
            .withNewSpec().withNodeName("node-" + n).addNewContainer().withName("nectar-csi").withImage("ghcr.io/nectarfs/nectar:0.1.0").endContainer()
            .endSpec().build(), true)).create();
      }
    }
    Map<String, String> params = Map.of("csi.storage.k8s.io/provisioner-secret-name", "nectar-volume-secret",
        "csi.storage.k8s.io/provisioner-secret-namespace", "${pvc.namespace}", "csi.storage.k8s.io/node-publish-secret-name", "nectar-volume-secret",
        "csi.storage.k8s.io/node-publish-secret-namespace", "${pvc.namespace}");
    c.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata().withName("nectarfs").endMetadata()
        .withProvisioner(DRIVER).withParameters(params).build()).create();
    Map<String, String> gold = new TreeMap<>(params);
    gold.put("csi.storage.k8s.io/provisioner-secret-name", "gold-secret");
    c.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata().withName("nectarfs-gold").endMetadata()
        .withProvisioner(DRIVER).withParameters(gold).build()).create();
    c.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata().withName("ebs").endMetadata()
        .withProvisioner("ebs.csi.aws.com").build()).create();
    for (String ns : TEAMS) {
      c.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("nectar-volume-secret").endMetadata()
          .withStringData(Map.of("META_URL", META_URL, "NECTAR_S3_SECRET_KEY", STORAGE_KEY)).build()).create();
      for (int i = 0; i < (ns.equals("team-c") ? 1 : 4); i++) {
        String pv = "pv-" + ns + "-data-" + i;
        c.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName(pv).endMetadata().withNewSpec()
            .withCapacity(Map.of("storage", new Quantity("100Gi"))).withStorageClassName("nectarfs")
            .withNewClaimRef().withNamespace(ns).withName("data-" + i).endClaimRef()
            .withNewCsi().withDriver(DRIVER).withVolumeHandle("shop#delete#/" + pv)
                .withVolumeAttributes(Map.of("volumeName", "shop", "subdir", "/" + pv))
                .withNewNodePublishSecretRef().withName("nectar-volume-secret").withNamespace(ns).endNodePublishSecretRef()
            .endCsi().endSpec().withNewStatus().withPhase("Bound").endStatus().build()).create();
        claim(c, ns, "data-" + i, "nectarfs", pv);
      }
    }
    claim(c, "team-c", "pending-gold", "nectarfs-gold", null);
    c.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName("pv-ebs").endMetadata().withNewSpec()
        .withCapacity(Map.of("storage", new Quantity("10Gi"))).withNewCsi().withDriver("ebs.csi.aws.com").withVolumeHandle("vol-0abc").endCsi()
        .endSpec().build()).create();
    claim(c, "team-a", "ebs-claim", "ebs", "pv-ebs");

    Map<String, List<Integer>> users = new LinkedHashMap<>(); // mount pod -> app pods it serves
    Map<Integer, String> uids = new TreeMap<>(); // the mock server gives every object its own uid
    for (int k = 0; k < APPS; k++) {
      boolean hasPlugin = !node(k).equals("node-6");
      String mp = mountPod(node(k), pv(k));
      boolean crashing = mp.equals(CRASHING);
      Pod app = c.pods().inNamespace(ns(k)).resource(running(new PodBuilder().withNewMetadata().withName("app-" + k).withNamespace(ns(k))
          .withLabels(Map.of("app", "trainer")).endMetadata()
          .withNewSpec().withNodeName(node(k)).addNewContainer().withName("train").withImage("pytorch:2").endContainer()
              .addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName(claim(k)).endPersistentVolumeClaim().endVolume()
          .endSpec().build(), hasPlugin && !crashing)).create();
      uids.put(k, app.getMetadata().getUid());
      if (hasPlugin) {
        users.computeIfAbsent(mp, x -> new ArrayList<>()).add(k);
      }
    }
    for (int k = 0; k < 4; k++) {
      c.pods().inNamespace(ns(k)).resource(running(new PodBuilder().withNewMetadata().withName("web-" + k).withNamespace(ns(k)).endMetadata()
          .withNewSpec().withNodeName(node(k)).addNewContainer().withName("web").withImage("nginx").endContainer()
              .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume().endSpec().build(), true)).create();
    }
    users.forEach((name, apps) -> c.pods().inNamespace(NS).resource(mountPodObject(name, apps, uids,
        name.equals(PEER_FAILING) ? peerFailingPort : metricsPort)).create());
  }

  /** The events the mock serves for {@code involvedObject.name} field selectors (CRUD mode ignores such selectors): namespace, name, list. */
  static List<Event> events() {
    return List.of(new EventBuilder().withNewMetadata().withName(CRASHING + ".1").withNamespace(NS).endMetadata()
        .withNewInvolvedObject().withKind("Pod").withNamespace(NS).withName(CRASHING).endInvolvedObject()
        .withType("Warning").withReason("BackOff").withMessage("Back-off restarting failed container mount in pod " + CRASHING)
        .withCount(7).withLastTimestamp("2026-12-01T10:00:00Z").build(),
        new EventBuilder().withNewMetadata().withName("app-1.1").withNamespace("team-b").endMetadata()
        .withNewInvolvedObject().withKind("Pod").withNamespace("team-b").withName("app-1").endInvolvedObject()
        .withType("Warning").withReason("FailedMount")
        .withMessage("MountVolume.SetUp failed for volume pv-team-b-data-1: mount of " + META_URL + " did not come up <b>in time</b>")
        .withCount(3).withLastTimestamp("2026-12-01T10:00:05Z").build());
  }

  private static void claim(KubernetesClient c, String ns, String name, String storageClass, String pv) {
    c.persistentVolumeClaims().inNamespace(ns).resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withStorageClassName(storageClass).withVolumeName(pv).withAccessModes("ReadWriteMany")
            .withNewResources().withRequests(Map.of("storage", new Quantity("100Gi"))).endResources().endSpec()
        .withNewStatus().withPhase(pv == null ? "Pending" : "Bound").endStatus()
        .build()).create();
  }

  /** {@code pod} running and ready, or (not ready) still creating its containers. */
  private static Pod running(Pod pod, boolean ready) {
    var status = new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase(ready ? "Running" : "Pending").withPodIP("127.0.0.1")
        .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition();
    for (var container : pod.getSpec().getContainers()) {
      var state = ready ? new io.fabric8.kubernetes.api.model.ContainerStateBuilder().withNewRunning().withStartedAt("2026-12-01T09:00:00Z").endRunning().build()
          : new io.fabric8.kubernetes.api.model.ContainerStateBuilder().withNewWaiting().withReason("ContainerCreating").endWaiting().build();
      status.addNewContainerStatus().withName(container.getName()).withImage(container.getImage()).withReady(ready).withRestartCount(0)
          .withState(state).endContainerStatus();
    }
    pod.setStatus(status.build());
    return pod;
  }

  private static Pod mountPodObject(String name, List<Integer> apps, Map<Integer, String> uids, int metricsPort) {
    int k0 = apps.getFirst();
    String key = "nectar-shop-" + pv(k0).substring(3);
    Map<String, String> annotations = new TreeMap<>();
    for (int k : apps) {
      String ref = "/var/lib/kubelet/pods/" + uids.get(k) + "/volumes/kubernetes.io~csi/" + pv(k) + "/mount";
      annotations.put(MountPods.refKey(ref), ref);
    }
    Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(NS)
        .withLabels(Map.of(MountPods.LABEL_APP, MountPods.APP, MountPods.LABEL_VOLUME, "shop", MountPods.LABEL_NODE, node(k0), MountPods.LABEL_KEY, key))
        .withAnnotations(annotations).endMetadata()
        .withNewSpec().withNodeName(node(k0)).withRestartPolicy("Always")
            .addToContainers(new ContainerBuilder().withName(MountPods.CONTAINER).withImage("ghcr.io/nectarfs/nectar:0.1.0")
                .withCommand("nectar", "mount", "--foreground-child", "redis://:****@redis.example:6379/1", "/var/lib/nectarfs/mounts/" + key,
                    "--cache-size=10G", "--storage-secret-key=" + STORAGE_KEY, "--meta-backup=" + META_URL, "--metrics=0.0.0.0:" + metricsPort)
                .addNewEnv().withName("NECTAR_MOUNT_META_URL").withNewValueFrom().withNewSecretKeyRef().withName(name + "-secret").withKey("META_URL")
                    .endSecretKeyRef().endValueFrom().endEnv()
                .addNewEnv().withName("NECTAR_S3_SECRET_KEY").withValue(STORAGE_KEY).endEnv()
                .addNewPort().withName("metrics").withContainerPort(metricsPort).endPort()
                .build())
        .endSpec().build();
    if (!name.equals(CRASHING)) {
      return running(pod, true);
    }
    pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running").withPodIP("127.0.0.1")
        .addNewCondition().withType("Ready").withStatus("False").endCondition()
        .addNewContainerStatus().withName(MountPods.CONTAINER).withImage("ghcr.io/nectarfs/nectar:0.1.0").withReady(false).withRestartCount(7)
            .withNewState().withNewWaiting().withReason("CrashLoopBackOff").withMessage("back-off 5m0s restarting failed container").endWaiting().endState()
            .withNewLastState().withNewTerminated().withExitCode(1).withReason("Error").endTerminated().endLastState()
        .endContainerStatus().build());
    return pod;
  }
}
