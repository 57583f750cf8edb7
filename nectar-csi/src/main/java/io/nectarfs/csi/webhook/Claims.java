package io.nectarfs.csi.webhook;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.CSIPersistentVolumeSource;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretReference;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nectarfs.common.Uris;
import io.nectarfs.csi.VolumeMounts;
import io.nectarfs.csi.mount.MountSpec;
import io.nectarfs.csi.pod.MountContainers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Whether a pod's claim is a NectarFS volume a sidecar can mount: the claim, its StorageClass and
 * PV from the informers' caches ({@link StorageObjects}), the Secret and (once per admission) the
 * ConfigMap of mount defaults by direct GETs. A Secret's values stay in memory only for the
 * metadata URL's redaction; what leaves this class names keys, never values.
 */
final class Claims {
  private final KubernetesClient client;
  private final StorageObjects objects;
  private final WebhookConfig config;
  private Map<String, String> configMap;

  Claims(KubernetesClient client, StorageObjects objects, WebhookConfig config) {
    this.client = client;
    this.objects = objects;
    this.config = config;
  }

  /** What a claim is to the webhook. */
  sealed interface Resolution {}

  /** A claim of another driver (or none): left alone. */
  record NotOurs(String why) implements Resolution {}

  /** A claim the webhook cannot serve, with the one-line reason. */
  record Unservable(String why) implements Resolution {}

  /**
   * A NectarFS claim a sidecar serves: pod volume {@code podVolume}, mounted by {@code mount} (its
   * mount point not yet set) at directory {@code subdir} of the volume.
   */
  record Served(String podVolume, String claim, String subdir, boolean readOnly, List<String> options, String redactedUrl, String secretName,
      List<String> secretKeys, Map<String, String> settings) implements Resolution {}

  /** The claim {@code claim} in namespace {@code ns} of pod volume {@code podVolume}. */
  Resolution resolve(String ns, String podVolume, String claim, boolean readOnly) throws IOException {
    String who = "PersistentVolumeClaim " + ns + "/" + claim;
    PersistentVolumeClaim pvc = objects.claim(ns, claim);
    if (pvc == null) {
      return new Unservable(who + " (volume " + podVolume + ") does not exist");
    }
    String className = pvc.getSpec().getStorageClassName();
    StorageClass sc = className == null || className.isEmpty() ? null : objects.storageClass(className);
    String pvName = pvc.getSpec().getVolumeName();
    PersistentVolume pv = pvName == null || pvName.isEmpty() ? null : objects.volume(pvName);
    CSIPersistentVolumeSource csi = pv == null ? null : pv.getSpec().getCsi();
    boolean classIsOurs = sc != null && config.driver().equals(sc.getProvisioner());
    boolean pvIsOurs = csi != null && config.driver().equals(csi.getDriver());
    if (!classIsOurs && !pvIsOurs) {
      String what = who + " is not a " + config.driver() + " volume (StorageClass " + (className == null ? "-" : className)
          + (sc == null ? "" : ", provisioner " + sc.getProvisioner()) + ")";
      return config.strict() ? new Unservable(what + " and this webhook is strict: remove the claim or the opt-in label") : new NotOurs(what);
    }
    if (pv == null || !"Bound".equals(pvc.getStatus() == null ? null : pvc.getStatus().getPhase())) {
      return new Unservable(who + " is not bound to a PersistentVolume yet: a sidecar mounts an existing volume "
          + "(use volumeBindingMode: Immediate, or create the claim before the pod)");
    }
    if (!pvIsOurs) {
      return new Unservable(who + ": its PersistentVolume " + pvName + " is not a CSI volume of " + config.driver());
    }
    SecretReference ref = csi.getNodePublishSecretRef();
    if (ref == null || ref.getName() == null) {
      return new Unservable("PersistentVolume " + pvName + " (claim " + ns + "/" + claim + ") names no node-publish Secret: "
          + "set csi.storage.k8s.io/node-publish-secret-name and -namespace in its StorageClass");
    }
    String secretNs = ref.getNamespace() == null ? ns : ref.getNamespace();
    if (!secretNs.equals(ns)) {
      return new Unservable("the node-publish Secret of PersistentVolume " + pvName + " is in namespace " + secretNs
          + ", but a sidecar can read Secrets of its pod's namespace " + ns + " only: copy the Secret " + ref.getName() + " into " + ns
          + ", or set csi.storage.k8s.io/node-publish-secret-namespace: ${pvc.namespace} in the StorageClass");
    }
    Secret secret = client.secrets().inNamespace(ns).withName(ref.getName()).get();
    if (secret == null) {
      return new Unservable("Secret " + ns + "/" + ref.getName() + " (the node-publish Secret of PersistentVolume " + pvName + ") does not exist");
    }
    String url = metaUrl(secret);
    if (url == null) {
      return new Unservable("Secret " + ns + "/" + ref.getName() + " has no key " + MountContainers.META_URL + " (a sidecar needs the URL itself, not "
          + MountContainers.META_URL + "_FILE)");
    }
    Map<String, String> attributes = csi.getVolumeAttributes() == null ? Map.of() : csi.getVolumeAttributes();
    List<String> pvOptions = pv.getSpec().getMountOptions() == null ? List.of() : pv.getSpec().getMountOptions();
    MountSpec spec;
    String subdir;
    try {
      spec = VolumeMounts.spec(attributes, pvOptions, url);
      subdir = VolumeMounts.subdir(csi.getVolumeHandle(), attributes);
    } catch (IllegalArgumentException e) {
      return new Unservable("PersistentVolume " + pvName + ": " + e.getMessage());
    }
    boolean ro = readOnly || Boolean.TRUE.equals(csi.getReadOnly()) || pvOptions.contains("ro");
    Map<String, String> parameters = sc != null && sc.getParameters() != null ? sc.getParameters() : attributes;
    Map<String, String> settings = MountContainers.settings(parameters, configMap(), config.defaults());
    return new Served(podVolume, claim, subdir, ro, spec.options(), Uris.redact(url), ref.getName(), keys(secret), settings);
  }

  private static String metaUrl(Secret s) {
    if (s.getStringData() != null && s.getStringData().get(MountContainers.META_URL) != null) {
      return s.getStringData().get(MountContainers.META_URL);
    }
    String b64 = s.getData() == null ? null : s.getData().get(MountContainers.META_URL);
    if (b64 == null) {
      return null;
    }
    try {
      String url = new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8).strip();
      return url.isEmpty() ? null : url;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static List<String> keys(Secret s) {
    TreeSet<String> keys = new TreeSet<>();
    if (s.getData() != null) {
      keys.addAll(s.getData().keySet());
    }
    if (s.getStringData() != null) {
      keys.addAll(s.getStringData().keySet());
    }
    return new ArrayList<>(keys);
  }

  /** The ConfigMap of mount defaults, read at most once per instance (one admission); empty when absent. */
  private Map<String, String> configMap() {
    if (configMap == null) {
      ConfigMap cm = client.configMaps().inNamespace(config.namespace()).withName(config.configMap()).get();
      configMap = cm == null || cm.getData() == null ? Map.of() : Map.copyOf(cm.getData());
    }
    return configMap;
  }
}
