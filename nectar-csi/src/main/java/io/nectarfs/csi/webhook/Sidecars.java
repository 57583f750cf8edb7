package io.nectarfs.csi.webhook;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.nectarfs.csi.pod.MountContainers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pod with its NectarFS claims served by sidecars. Pure functions on a copy of the pod.
 *
 * <p>Each served pod volume gets one native sidecar (an init container with {@code restartPolicy:
 * Always}, so it starts before the app containers, which wait for its startup probe, and stops
 * after them) that mounts the PV's directory at {@code MOUNTS/<pod volume>} inside the emptyDir
 * {@value #VOLUME}, shared with Bidirectional propagation; the claim's volume is dropped from the
 * pod, and every mount of it becomes a mount of the emptyDir with subPath {@code <pod volume>}
 * (after it the mount's own subPath) and HostToContainer propagation. The sidecars go after the
 * sidecars the pod already has (a network proxy must come first) and before its ordinary init
 * containers (which may use the volume).
 */
final class Sidecars {
  static final String VOLUME = "nectar-sidecar-mounts";
  static final String MOUNTS = "/var/lib/nectarfs/sidecar";
  /** How long a sidecar may take to mount: period × threshold of its startup probe. */
  private static final int STARTUP_PERIOD_SECONDS = 2;
  private static final int STARTUP_FAILURES = 150;

  private Sidecars() {}

  static Pod inject(Pod original, List<Claims.Served> served) {
    Pod pod = AdmissionReviews.copy(original);
    Map<String, Claims.Served> byVolume = new LinkedHashMap<>();
    served.forEach(s -> byVolume.put(s.podVolume(), s));

    Map<String, String> annotations = new TreeMap<>(pod.getMetadata().getAnnotations() == null ? Map.of() : pod.getMetadata().getAnnotations());
    annotations.put(WebhookConfig.INJECTED, String.join(",", byVolume.keySet()));
    pod.getMetadata().setAnnotations(annotations);

    List<Volume> volumes = new ArrayList<>(pod.getSpec().getVolumes().stream().filter(v -> !byVolume.containsKey(v.getName())).toList());
    volumes.add(new VolumeBuilder().withName(VOLUME).withNewEmptyDir().endEmptyDir().build());
    pod.getSpec().setVolumes(volumes);

    for (Container c : pod.getSpec().getContainers()) {
      remount(c, byVolume);
    }
    List<Container> init = new ArrayList<>(pod.getSpec().getInitContainers());
    init.forEach(c -> remount(c, byVolume));
    int at = 0;
    while (at < init.size() && "Always".equals(init.get(at).getRestartPolicy())) {
      at++;
    }
    List<Container> sidecars = byVolume.values().stream().map(Sidecars::sidecar).toList();
    init.addAll(at, sidecars);
    pod.getSpec().setInitContainers(init);
    return pod;
  }

  /** The sidecar of one served pod volume. */
  static Container sidecar(Claims.Served s) {
    String mountPoint = MOUNTS + "/" + s.podVolume();
    List<String> options = new ArrayList<>();
    if (!s.subdir().equals("/")) {
      options.add("--subdir=" + s.subdir());
    }
    if (s.readOnly()) {
      options.add("--read-only");
    }
    options.addAll(s.options());
    Container c = MountContainers.container(MountContainers.dnsLabel("nectar-mount-" + s.podVolume()),
        new MountContainers.Mount(s.redactedUrl(), mountPoint, options, s.secretName(), s.secretKeys(), s.settings()));
    c.setRestartPolicy("Always");
    c.setStartupProbe(new ProbeBuilder().withExec(MountContainers.answers(mountPoint))
        .withPeriodSeconds(STARTUP_PERIOD_SECONDS).withFailureThreshold(STARTUP_FAILURES).withTimeoutSeconds(5).build());
    c.getVolumeMounts().add(new VolumeMountBuilder().withName(VOLUME).withMountPath(MOUNTS).withMountPropagation("Bidirectional").build());
    return c;
  }

  private static void remount(Container c, Map<String, Claims.Served> byVolume) {
    List<VolumeMount> mounts = new ArrayList<>();
    for (VolumeMount m : c.getVolumeMounts()) {
      Claims.Served s = byVolume.get(m.getName());
      if (s == null) {
        mounts.add(m);
        continue;
      }
      VolumeMountBuilder b = new VolumeMountBuilder(m).withName(VOLUME).withMountPropagation("HostToContainer");
      if (m.getSubPathExpr() != null && !m.getSubPathExpr().isEmpty()) {
        b.withSubPathExpr(s.podVolume() + "/" + m.getSubPathExpr());
      } else {
        b.withSubPath(m.getSubPath() == null || m.getSubPath().isEmpty() ? s.podVolume() : s.podVolume() + "/" + m.getSubPath());
      }
      if (s.readOnly()) {
        b.withReadOnly(true);
      }
      mounts.add(b.build());
    }
    c.setVolumeMounts(mounts);
  }
}
