package io.nectarfs.csi.webhook;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;

/**
 * The API objects the webhook tests admit pods against: namespace {@code apps} opted in, {@code
 * plain} not; StorageClasses {@code nectarfs} (ours, its node-publish Secret in the claim's
 * namespace) and {@code ebs} (another driver); claims {@code data} and {@code shared} bound to
 * NectarFS PVs, {@code other} bound to an EBS PV, {@code pending} not bound, {@code lost} whose
 * Secret is missing, {@code foreign} whose Secret lives in the driver's namespace.
 */
final class Cluster {
  static final String DRIVER = "csi.nectarfs.io";
  static final String PASSWORD = "redis-pa55-Wd-xyzzy";
  static final String STORAGE_KEY = "s3-secret-very-0123";
  static final String META_URL = "redis://:" + PASSWORD + "@redis.example:6379/1";

  private Cluster() {}

  static void populate(KubernetesClient c) {
    c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("apps").withLabels(Map.of("nectarfs.io/sidecar", "enabled")).endMetadata().build()).create();
    c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("plain").endMetadata().build()).create();
    c.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata().withName("nectarfs").endMetadata()
        .withProvisioner(DRIVER).withParameters(Map.of("mountImage", "registry.example/nectar:1.2", "mountMemoryLimit", "2Gi",
            "csi.storage.k8s.io/node-publish-secret-name", "nectar-volume-secret", "csi.storage.k8s.io/node-publish-secret-namespace", "${pvc.namespace}"))
        .build()).create();
    c.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata().withName("ebs").endMetadata()
        .withProvisioner("ebs.csi.aws.com").build()).create();
    c.secrets().inNamespace("apps").resource(new SecretBuilder().withNewMetadata().withName("nectar-volume-secret").endMetadata()
        .withStringData(Map.of("META_URL", META_URL, "NECTAR_S3_SECRET_KEY", STORAGE_KEY)).build()).create();
    nectarPv(c, "pv-data", "apps", "nectar-volume-secret", "--cache-size=10G");
    nectarPv(c, "pv-shared", "apps", "nectar-volume-secret", "");
    nectarPv(c, "pv-lost", "apps", "gone-secret", "");
    nectarPv(c, "pv-foreign", "nectarfs", "nectar-volume-secret", "");
    c.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName("pv-ebs").endMetadata().withNewSpec()
        .withCapacity(Map.of("storage", new Quantity("10Gi"))).withNewCsi().withDriver("ebs.csi.aws.com").withVolumeHandle("vol-0abc").endCsi()
        .endSpec().build()).create();
    claim(c, "data", "nectarfs", "pv-data");
    claim(c, "shared", "nectarfs", "pv-shared");
    claim(c, "lost", "nectarfs", "pv-lost");
    claim(c, "foreign", "nectarfs", "pv-foreign");
    claim(c, "other", "ebs", "pv-ebs");
    claim(c, "pending", "nectarfs", null);
  }

  private static void nectarPv(KubernetesClient c, String name, String secretNs, String secret, String mountOptions) {
    c.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
        .withCapacity(Map.of("storage", new Quantity("10Gi"))).withStorageClassName("nectarfs")
        .withNewCsi().withDriver(DRIVER).withVolumeHandle("shop#delete#/" + name)
            .withVolumeAttributes(Map.of("volumeName", "shop", "subdir", "/" + name, "mountOptions", mountOptions))
            .withNewNodePublishSecretRef().withName(secret).withNamespace(secretNs).endNodePublishSecretRef()
        .endCsi().endSpec().build()).create();
  }

  private static void claim(KubernetesClient c, String name, String storageClass, String pv) {
    c.persistentVolumeClaims().inNamespace("apps").resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withStorageClassName(storageClass).withVolumeName(pv).withAccessModes("ReadWriteMany")
            .withNewResources().withRequests(Map.of("storage", new Quantity("10Gi"))).endResources().endSpec()
        .withNewStatus().withPhase(pv == null ? "Pending" : "Bound").endStatus()
        .build()).create();
  }
}
