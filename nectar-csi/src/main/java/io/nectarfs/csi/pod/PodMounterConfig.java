package io.nectarfs.csi.pod;

import io.nectarfs.common.Clock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Settings of a {@link PodMounter}, built with {@link #forNode} and {@code with*} methods.
 *
 * <p>The mount root is the same path on the host, in the node plugin's container and in every
 * mount pod (each mounts it as a hostPath with bidirectional propagation); a key's volume is
 * mounted at {@code mountRoot/key}.
 *
 * <p>Mount pod defaults come in three layers, the first that names a value wins: the
 * StorageClass parameters of the {@link io.nectarfs.csi.mount.MountSpec} (keys {@link #IMAGE},
 * {@link #CPU_REQUEST}, ...), the ConfigMap {@link #configMap()} in {@link #namespace()} (same
 * keys), then {@link #defaults()}.
 */
public record PodMounterConfig(
    String nodeName,
    String namespace,
    Path mountRoot,
    String configMap,
    Map<String, String> defaults,
    Duration grace,
    Duration readyTimeout,
    Duration checkInterval,
    Clock clock,
    Predicate<Path> mountAnswers) {

  /** Parameter: the mount pod's image. */
  public static final String IMAGE = "mountImage";
  /** Parameter: the mount container's CPU request (a Kubernetes quantity). */
  public static final String CPU_REQUEST = "mountCpuRequest";
  /** Parameter: the mount container's CPU limit. */
  public static final String CPU_LIMIT = "mountCpuLimit";
  /** Parameter: the mount container's memory request. */
  public static final String MEMORY_REQUEST = "mountMemoryRequest";
  /** Parameter: the mount container's memory limit. */
  public static final String MEMORY_LIMIT = "mountMemoryLimit";
  /**
   * Parameter: the host directory of the mount pods' disk caches (a hostPath; each key caches in
   * its own subdirectory), unless the mount options name {@code --cache-dir}.
   */
  public static final String CACHE_DIR = "mountCacheDir";
  /** Parameter: the mount pod's priority class. */
  public static final String PRIORITY_CLASS = "mountPriorityClass";

  public PodMounterConfig {
    Objects.requireNonNull(nodeName, "nodeName");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(mountRoot, "mountRoot");
    Objects.requireNonNull(configMap, "configMap");
    defaults = Map.copyOf(defaults);
    Objects.requireNonNull(grace, "grace");
    Objects.requireNonNull(readyTimeout, "readyTimeout");
    Objects.requireNonNull(checkInterval, "checkInterval");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(mountAnswers, "mountAnswers");
  }

  /**
   * Production defaults for node {@code nodeName}: namespace {@code nectarfs}, mount root {@code
   * /var/lib/nectarfs/mounts}, ConfigMap {@code nectar-csi-config}, a 30 s grace period, 3 minutes
   * to become ready, a check every 5 s, the system clock, and a mount answering when it is listed
   * in {@code /proc/self/mountinfo} and its root can be stat'ed ({@link MountProbe}); disk caches
   * under {@code /var/lib/nectarfs/cache} on the host.
   */
  public static PodMounterConfig forNode(String nodeName) {
    return new PodMounterConfig(nodeName, "nectarfs", Path.of("/var/lib/nectarfs/mounts"), "nectar-csi-config",
        Map.of(IMAGE, "ghcr.io/nectarfs/nectar:latest", CPU_REQUEST, "500m", MEMORY_REQUEST, "1Gi",
            MEMORY_LIMIT, "8Gi", PRIORITY_CLASS, "system-node-critical", CACHE_DIR, "/var/lib/nectarfs/cache"),
        Duration.ofSeconds(30), Duration.ofMinutes(3), Duration.ofSeconds(5), Clock.SYSTEM, MountProbe::answers);
  }

  public PodMounterConfig withNamespace(String ns) {
    return new PodMounterConfig(nodeName, ns, mountRoot, configMap, defaults, grace, readyTimeout, checkInterval, clock, mountAnswers);
  }

  public PodMounterConfig withMountRoot(Path root) {
    return new PodMounterConfig(nodeName, namespace, root, configMap, defaults, grace, readyTimeout, checkInterval, clock, mountAnswers);
  }

  public PodMounterConfig withConfigMap(String name) {
    return new PodMounterConfig(nodeName, namespace, mountRoot, name, defaults, grace, readyTimeout, checkInterval, clock, mountAnswers);
  }

  public PodMounterConfig withDefaults(Map<String, String> d) {
    return new PodMounterConfig(nodeName, namespace, mountRoot, configMap, d, grace, readyTimeout, checkInterval, clock, mountAnswers);
  }

  public PodMounterConfig withGrace(Duration g) {
    return new PodMounterConfig(nodeName, namespace, mountRoot, configMap, defaults, g, readyTimeout, checkInterval, clock, mountAnswers);
  }

  public PodMounterConfig withReadyTimeout(Duration t) {
    return new PodMounterConfig(nodeName, namespace, mountRoot, configMap, defaults, grace, t, checkInterval, clock, mountAnswers);
  }

  /** {@link Duration#ZERO}: no background checks (tests call {@link PodMounter#check} themselves). */
  public PodMounterConfig withCheckInterval(Duration i) {
    return new PodMounterConfig(nodeName, namespace, mountRoot, configMap, defaults, grace, readyTimeout, i, clock, mountAnswers);
  }

  public PodMounterConfig withClock(Clock c) {
    return new PodMounterConfig(nodeName, namespace, mountRoot, configMap, defaults, grace, readyTimeout, checkInterval, c, mountAnswers);
  }

  public PodMounterConfig withMountAnswers(Predicate<Path> p) {
    return new PodMounterConfig(nodeName, namespace, mountRoot, configMap, defaults, grace, readyTimeout, checkInterval, clock, p);
  }
}
