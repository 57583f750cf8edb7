package io.nectarfs.csi.pod;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.nectarfs.common.Uris;
import io.nectarfs.csi.mount.MountSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The shape of a mount pod: its name, labels, spec, Secret and reference annotations, and what its
 * status says. Pure functions; the {@link PodMounter} does the API calls, the dashboard ({@code
 * io.nectarfs.csi.dashboard}) reads mount pods through the public members.
 *
 * <p>Secrets reach the pod only through {@code secretKeyRef} environment variables naming keys of
 * the per-key Secret (the container is {@link MountContainers}'s).
 */
public final class MountPods {
  /** The value of {@link #LABEL_APP} on every mount pod. */
  public static final String APP = "nectar-mount";
  public static final String LABEL_APP = "app.kubernetes.io/name";
  /** The volume's name as a DNS label. */
  public static final String LABEL_VOLUME = "nectarfs.io/volume";
  public static final String LABEL_NODE = "nectarfs.io/node";
  public static final String LABEL_KEY = "nectarfs.io/key";
  /** Reference annotations: this prefix + a hash of the reference; the value is the reference. */
  static final String REF_PREFIX = "ref.nectarfs.io/";
  /**
   * Set by an administrator on a mount pod: replace its container by one of this image without
   * unmounting (the node plugin's keeper holds the mount meanwhile; {@link PodMounter}).
   */
  public static final String UPGRADE_IMAGE = "nectarfs.io/upgrade-image";
  /** Wall-clock millis when the last reference went; absent while referenced. */
  static final String IDLE_SINCE = "nectarfs.io/idle-since";
  /** The container that runs {@code nectar mount}. */
  public static final String CONTAINER = "mount";
  /** The port of the mount container's {@code /metrics} (container port "metrics"), unless its options name one. */
  public static final int METRICS_PORT = 9567;
  static final String META_URL = MountContainers.META_URL;
  static final String META_URL_ENV = MountContainers.META_URL_ENV;

  private MountPods() {}

  /** {@code nectar-mount-<node>-<key>}; when longer than 63, cut and ended by a hash of the whole. */
  static String podName(String node, String key) {
    return dnsLabel("nectar-mount-" + node + "-" + key);
  }

  static String secretName(String podName) {
    return podName + "-secret";
  }

  /** A valid DNS label / label value of at most 63 characters, unique per input. */
  static String dnsLabel(String s) {
    return MountContainers.dnsLabel(s);
  }

  /** The annotation key of reference {@code ref}. */
  public static String refKey(String ref) {
    return REF_PREFIX + sha256(ref).substring(0, 40);
  }

  /**
   * The references recorded on {@code pod}: annotation values whose key matches their hash (the
   * node service's references are the targets it published, {@code
   * <kubelet>/pods/<pod uid>/volumes/kubernetes.io~csi/<pv>/mount}).
   */
  public static List<String> refs(Pod pod) {
    List<String> out = new ArrayList<>();
    Map<String, String> a = pod.getMetadata().getAnnotations();
    if (a == null) {
      return out;
    }
    for (Map.Entry<String, String> e : a.entrySet()) {
      if (e.getKey().startsWith(REF_PREFIX) && e.getKey().equals(refKey(e.getValue()))) {
        out.add(e.getValue());
      }
    }
    return out;
  }

  static Map<String, String> labels(MountSpec spec, String node) {
    Map<String, String> l = new TreeMap<>();
    l.put(LABEL_APP, APP);
    l.put(LABEL_VOLUME, dnsLabel(spec.volumeName()));
    l.put(LABEL_NODE, dnsLabel(node));
    l.put(LABEL_KEY, spec.key());
    return l;
  }

  /** The per-key Secret holding {@code spec.secrets()}, labelled like its pod. */
  static Secret secret(MountSpec spec, PodMounterConfig config) {
    String pod = podName(config.nodeName(), spec.key());
    Map<String, String> data = new TreeMap<>();
    spec.secrets().forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return new SecretBuilder()
        .withNewMetadata().withName(secretName(pod)).withNamespace(config.namespace()).withLabels(labels(spec, config.nodeName())).endMetadata()
        .withType("Opaque").withData(data).build();
  }

  /** Makes {@code secret} owned by {@code pod}, so it goes with it. */
  static void ownBy(Secret secret, Pod pod) {
    secret.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
        .withApiVersion("v1").withKind("Pod").withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid())
        .withBlockOwnerDeletion(false).withController(false).build()));
  }

  /**
   * The mount pod of {@code spec} on this node with reference {@code ref}; {@code settings} are
   * the merged StorageClass / ConfigMap / default values; {@code keeperSocket} (or null) is where
   * the node plugin keeps the mount's FUSE descriptors ({@link io.nectarfs.csi.mount.DescriptorKeepers}):
   * the mount attaches there, and its directory is mounted into the pod at the same path.
   *
   * @throws IllegalArgumentException when the spec has no {@code META_URL} secret or no image is set
   */
  static Pod pod(MountSpec spec, String ref, PodMounterConfig config, Map<String, String> settings) {
    return pod(spec, ref, config, settings, null);
  }

  static Pod pod(MountSpec spec, String ref, PodMounterConfig config, Map<String, String> settings, java.nio.file.Path keeperSocket) {
    String url = spec.secrets().get(META_URL);
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("volume " + spec.volumeName() + ": the secret has no " + META_URL);
    }
    String image = settings.get(PodMounterConfig.IMAGE);
    if (image == null || image.isBlank()) {
      throw new IllegalArgumentException("volume " + spec.volumeName() + ": no mount pod image (parameter " + PodMounterConfig.IMAGE + ")");
    }
    String name = podName(config.nodeName(), spec.key());
    String root = config.mountRoot().toString();
    String mountPoint = config.mountRoot().resolve(spec.key()).toString();
    List<String> options = new ArrayList<>(spec.options());
    String cacheRoot = settings.get(PodMounterConfig.CACHE_DIR);
    boolean ownCache = cacheRoot != null && spec.options().stream().noneMatch(o -> o.equals("--cache-dir") || o.startsWith("--cache-dir="));
    if (ownCache) {
      options.add("--cache-dir=" + cacheRoot + "/" + spec.key());
    }
    boolean ownMetrics = options.stream().noneMatch(o -> o.equals("--metrics") || o.startsWith("--metrics="));
    if (ownMetrics) {
      // On the pod's own IP (no host network: one port for every mount pod), for the dashboard and Prometheus.
      options.add("--metrics=0.0.0.0:" + METRICS_PORT);
    }
    if (keeperSocket != null) {
      options.add("--keeper-socket=" + keeperSocket);
    }
    Container mount = MountContainers.container(CONTAINER,
        new MountContainers.Mount(Uris.redact(url), mountPoint, options, secretName(name), spec.secrets().keySet(), settings));
    if (ownMetrics) {
      mount.getPorts().add(new ContainerPortBuilder().withName("metrics").withContainerPort(METRICS_PORT).withProtocol("TCP").build());
    }
    mount.getVolumeMounts().add(new VolumeMountBuilder().withName("mount-root").withMountPath(root).withMountPropagation("Bidirectional").build());
    mount.getVolumeMounts().add(new VolumeMountBuilder().withName("dev-fuse").withMountPath("/dev/fuse").build());
    Map<String, String> annotations = new TreeMap<>();
    annotations.put(refKey(ref), ref);
    if (ownMetrics) {
      annotations.put("prometheus.io/scrape", "true");
      annotations.put("prometheus.io/port", Integer.toString(METRICS_PORT));
    }
    Pod pod = new PodBuilder()
        .withNewMetadata().withName(name).withNamespace(config.namespace())
            .withLabels(labels(spec, config.nodeName())).withAnnotations(annotations).endMetadata()
        .withNewSpec()
            .withNodeName(config.nodeName())
            .withRestartPolicy("Always")
            .withPriorityClassName(settings.get(PodMounterConfig.PRIORITY_CLASS))
            .withAutomountServiceAccountToken(false)
            .withEnableServiceLinks(false)
            .withTerminationGracePeriodSeconds(30L)
            // the pod's pause process is PID 1 and reaps orphans, such as the successor an
            // 'nectar upgrade' in the container starts once the command has exited (Java reaps
            // only its own children)
            .withShareProcessNamespace(true)
            .addNewToleration().withOperator("Exists").endToleration()
            .addToContainers(mount)
            .addNewVolume().withName("mount-root").withNewHostPath().withPath(root).withType("DirectoryOrCreate").endHostPath().endVolume()
            .addNewVolume().withName("dev-fuse").withNewHostPath().withPath("/dev/fuse").withType("CharDevice").endHostPath().endVolume()
        .endSpec()
        .build();
    if (keeperSocket != null) {
      // the stop hook asks the keeper first: while the node plugin replaces the pod, the mount stays
      pod.getSpec().getContainers().getFirst().getLifecycle().getPreStop().getExec()
          .setCommand(List.of("nectar", "umount", "--keeper-socket=" + keeperSocket, mountPoint));
      String dir = keeperSocket.getParent().toString();
      pod.getSpec().getVolumes().add(new VolumeBuilder().withName("keepers").withNewHostPath().withPath(dir).withType("Directory").endHostPath().build());
      pod.getSpec().getContainers().getFirst().getVolumeMounts().add(new VolumeMountBuilder().withName("keepers").withMountPath(dir).build());
    }
    if (ownCache) {
      pod.getSpec().getVolumes().add(new VolumeBuilder().withName("cache").withNewHostPath().withPath(cacheRoot).withType("DirectoryOrCreate").endHostPath().build());
      pod.getSpec().getContainers().getFirst().getVolumeMounts().add(new VolumeMountBuilder().withName("cache").withMountPath(cacheRoot).build());
    }
    return pod;
  }

  /** StorageClass parameters over the ConfigMap over the defaults, for the known keys. */
  static Map<String, String> settings(Map<String, String> parameters, Map<String, String> configMap, Map<String, String> defaults) {
    return MountContainers.settings(parameters, configMap, defaults);
  }

  public static boolean ready(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null || pod.getMetadata().getDeletionTimestamp() != null) {
      return false;
    }
    for (PodCondition c : pod.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  public static Optional<ContainerStatus> container(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getContainerStatuses().stream().filter(c -> CONTAINER.equals(c.getName())).findFirst();
  }

  public static int restarts(Pod pod) {
    return container(pod).map(c -> c.getRestartCount() == null ? 0 : c.getRestartCount()).orElse(0);
  }

  /**
   * Why {@code pod} will not become ready without help, as one line naming the pod, or empty
   * while it may still come up: an image that cannot be pulled, a crash loop (with the last line
   * the container wrote), a missing secret, or a failed pod.
   */
  public static Optional<String> failure(Pod pod) {
    String who = "mount pod " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    if (pod.getStatus() != null && "Failed".equals(pod.getStatus().getPhase())) {
      return Optional.of(who + " failed: " + orDash(pod.getStatus().getMessage()));
    }
    Optional<ContainerStatus> c = container(pod);
    if (c.isEmpty() || c.get().getState() == null || c.get().getState().getWaiting() == null) {
      return Optional.empty();
    }
    String reason = orDash(c.get().getState().getWaiting().getReason());
    String message = orDash(c.get().getState().getWaiting().getMessage());
    return switch (reason) {
      case "ErrImagePull", "ImagePullBackOff", "InvalidImageName" ->
          Optional.of(who + " cannot pull image " + c.get().getImage() + " (" + reason + "): " + message);
      case "CrashLoopBackOff" -> Optional.of(who + " keeps crashing (CrashLoopBackOff, " + restarts(pod) + " restarts); last output: " + lastLine(c.get()));
      case "CreateContainerConfigError", "CreateContainerError" -> Optional.of(who + " cannot start (" + reason + "): " + message);
      default -> Optional.empty();
    };
  }

  private static String lastLine(ContainerStatus c) {
    if (c.getLastState() == null || c.getLastState().getTerminated() == null) {
      return "-";
    }
    String m = c.getLastState().getTerminated().getMessage();
    if (m == null || m.isBlank()) {
      return "exit code " + c.getLastState().getTerminated().getExitCode();
    }
    String[] lines = m.strip().split("\n");
    return lines[lines.length - 1].strip();
  }

  private static String orDash(String s) {
    return s == null || s.isBlank() ? "-" : s;
  }

  static String sha256(String s) {
    return MountContainers.sha256(s);
  }
}
