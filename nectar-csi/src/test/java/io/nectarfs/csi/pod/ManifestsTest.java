package io.nectarfs.csi.pod;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.storage.CSIDriver;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every manifest under deploy/csi parses into the fabric8 model and the objects agree with each other. */
class ManifestsTest {
  static final String DRIVER = "csi.nectarfs.io";
  static final String SOCKET = "/csi/csi.sock";

  @Test
  void plainManifestsAreWellFormedAndConsistent() throws Exception {
    Manifests m = Manifests.load(Manifests.deployDir().resolve("csi"));
    assertThat(m.of(Namespace.class)).extracting(n -> n.getMetadata().getName()).containsExactly("nectarfs");
    checkConsistent(m, "nectarfs");
    checkExamples(m);
  }

  /** The checks, shared with the Helm chart's rendering: every object is in namespace {@code ns}. */
  static void checkConsistent(Manifests m, String ns) {
    for (HasMetadata o : m.all()) {
      assertThat(o.getMetadata().getName()).as("name of a %s", o.getKind()).isNotBlank();
    }
    assertThat(m.get(CSIDriver.class, DRIVER).getSpec().getAttachRequired()).isFalse();
    assertThat(m.get(CSIDriver.class, DRIVER).getSpec().getPodInfoOnMount()).isTrue();

    // Service accounts used by workloads and bindings exist in the namespace; role references resolve.
    List<String> accounts = m.of(ServiceAccount.class).stream()
        .filter(a -> ns.equals(a.getMetadata().getNamespace())).map(a -> a.getMetadata().getName()).toList();
    Deployment controller = m.get(Deployment.class, "nectar-csi-controller");
    DaemonSet node = m.get(DaemonSet.class, "nectar-csi-node");
    assertThat(controller.getMetadata().getNamespace()).isEqualTo(ns);
    assertThat(node.getMetadata().getNamespace()).isEqualTo(ns);
    assertThat(accounts).contains(controller.getSpec().getTemplate().getSpec().getServiceAccountName(),
        node.getSpec().getTemplate().getSpec().getServiceAccountName());
    for (RoleBinding b : m.of(RoleBinding.class)) {
      checkSubjects(b.getSubjects(), accounts, ns);
      checkRoleRef(m, b.getRoleRef(), true);
    }
    for (ClusterRoleBinding b : m.of(ClusterRoleBinding.class)) {
      checkSubjects(b.getSubjects(), accounts, ns);
      checkRoleRef(m, b.getRoleRef(), false);
    }

    // Selectors select their own templates.
    assertThat(controller.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(controller.getSpec().getSelector().getMatchLabels());
    assertThat(node.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(node.getSpec().getSelector().getMatchLabels());

    // Controller: plugin and sidecars share the socket directory.
    PodSpec cs = controller.getSpec().getTemplate().getSpec();
    checkSocketShared(cs, List.of("nectar-csi", "csi-provisioner", "csi-resizer", "liveness-probe"));
    checkLiveness(cs);

    // Node: the registrar registers the socket where the plugin directory is on the host.
    PodSpec nsp = node.getSpec().getTemplate().getSpec();
    checkSocketShared(nsp, List.of("nectar-csi", "node-driver-registrar", "liveness-probe"));
    checkLiveness(nsp);
    Container plugin = container(nsp, "nectar-csi");
    String kubelet = volume(nsp, "kubelet-dir").getHostPath().getPath();
    VolumeMount kubeletMount = mountAt(plugin, kubelet); // the same path inside: NodePublish names host paths
    assertThat(kubeletMount.getName()).isEqualTo("kubelet-dir");
    assertThat(kubeletMount.getMountPropagation()).isEqualTo("Bidirectional");
    String pluginDir = kubelet + "/plugins/" + DRIVER + "/";
    Container registrar = container(nsp, "node-driver-registrar");
    String socketVolume = mountAt(registrar, "/csi").getName();
    assertThat(volume(nsp, socketVolume).getHostPath().getPath()).isEqualTo(pluginDir);
    assertThat(registrar.getArgs()).contains("--kubelet-registration-path=" + pluginDir + "csi.sock");
    assertThat(volume(nsp, mountAt(registrar, "/registration").getName()).getHostPath().getPath()).isEqualTo(kubelet + "/plugins_registry/");
    assertThat(plugin.getSecurityContext().getPrivileged()).isTrue();
    PodMounterConfig defaults = PodMounterConfig.forNode("n");
    VolumeMount root = mountAt(plugin, defaults.mountRoot().toString());
    assertThat(root.getMountPropagation()).isEqualTo("Bidirectional");
    assertThat(volume(nsp, root.getName()).getHostPath().getPath()).isEqualTo(defaults.mountRoot().toString());

    // The node plugin may do what the PodMounter does, in its namespace only.
    Role nodeRole = m.get(Role.class, "nectar-csi-node");
    assertThat(nodeRole.getMetadata().getNamespace()).isEqualTo(ns);
    assertThat(verbs(nodeRole.getRules(), "pods")).contains("get", "list", "watch", "create", "update", "delete");
    assertThat(verbs(nodeRole.getRules(), "secrets")).contains("get", "create", "update", "patch", "delete").doesNotContain("list", "watch");
    assertThat(verbs(nodeRole.getRules(), "configmaps")).contains("get");
    assertThat(verbs(m.get(ClusterRole.class, "nectar-csi-node").getRules(), "nodes/proxy")).containsExactly("get");
    for (ClusterRole r : m.of(ClusterRole.class)) {
      for (PolicyRule rule : r.getRules()) {
        assertThat(rule.getVerbs()).as("no wildcards in %s", r.getMetadata().getName()).doesNotContain("*");
        assertThat(rule.getResources()).doesNotContain("*");
      }
    }

    // Mount pod defaults: the ConfigMap the PodMounter reads, with keys it knows.
    ConfigMap cm = m.get(ConfigMap.class, defaults.configMap());
    assertThat(cm.getMetadata().getNamespace()).isEqualTo(ns);
    assertThat(plugin.getArgs()).contains("--mode=pod", "--mounter-option=namespace=$(POD_NAMESPACE)", "--mounter-option=mountRoot=" + defaults.mountRoot());
    String stateDir = plugin.getArgs().stream().filter(a -> a.startsWith("--state-dir=")).findFirst().orElseThrow().substring("--state-dir=".length());
    assertThat(volume(nsp, mountAt(plugin, stateDir).getName()).getHostPath().getPath()).as("published targets outlive the plugin").isEqualTo(stateDir);
    assertThat(plugin.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("POD_NAMESPACE");
      assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
    });
    assertThat(cm.getData().keySet()).allSatisfy(k -> assertThat(MountPods.settings(Map.of(k, "x"), Map.of(), Map.of())).containsKey(k));

    assertThat(m.of(StorageClass.class)).allSatisfy(sc -> assertThat(sc.getProvisioner()).isEqualTo(DRIVER));
  }

  /** The examples: the StorageClass names an existing secret with placeholders; the claim names the class. */
  static void checkExamples(Manifests m) {
    StorageClass sc = m.of(StorageClass.class).getFirst();
    for (String kind : List.of("provisioner", "node-publish", "controller-expand")) {
      String name = sc.getParameters().get("csi.storage.k8s.io/" + kind + "-secret-name");
      String secretNs = sc.getParameters().get("csi.storage.k8s.io/" + kind + "-secret-namespace");
      Secret s = m.get(Secret.class, name);
      assertThat(s.getMetadata().getNamespace()).isEqualTo(secretNs);
      assertThat(s.getStringData()).containsKey(MountPods.META_URL);
      assertThat(s.getStringData().values()).allSatisfy(v -> assertThat(v).contains("<"));
    }
    for (PersistentVolumeClaim pvc : m.of(PersistentVolumeClaim.class)) {
      assertThat(pvc.getSpec().getStorageClassName()).isEqualTo(sc.getMetadata().getName());
    }
  }

  static void checkSubjects(List<Subject> subjects, List<String> accounts, String ns) {
    for (Subject s : subjects) {
      assertThat(s.getKind()).isEqualTo("ServiceAccount");
      assertThat(s.getNamespace()).isEqualTo(ns);
      assertThat(accounts).contains(s.getName());
    }
  }

  static void checkRoleRef(Manifests m, RoleRef ref, boolean mayBeRole) {
    if ("Role".equals(ref.getKind()) && mayBeRole) {
      m.get(Role.class, ref.getName());
    } else {
      assertThat(ref.getKind()).isEqualTo("ClusterRole");
      m.get(ClusterRole.class, ref.getName());
    }
  }

  /** Each named container reaches the socket at /csi/csi.sock through the same volume. */
  static void checkSocketShared(PodSpec spec, List<String> names) {
    String volume = null;
    for (String n : names) {
      Container c = container(spec, n);
      assertThat(c.getArgs()).as(n).anyMatch(a -> a.equals("--csi-address=" + SOCKET) || a.equals("--endpoint=unix://" + SOCKET));
      String v = mountAt(c, "/csi").getName();
      volume = volume == null ? v : volume;
      assertThat(v).as(n).isEqualTo(volume);
    }
    volume(spec, volume);
    for (Container c : spec.getContainers()) {
      for (VolumeMount vm : c.getVolumeMounts()) {
        volume(spec, vm.getName());
      }
    }
  }

  /** The plugin's liveness probe asks the livenessprobe sidecar's port. */
  static void checkLiveness(PodSpec spec) {
    Container plugin = container(spec, "nectar-csi");
    String port = plugin.getPorts().stream().filter(p -> p.getName().equals(plugin.getLivenessProbe().getHttpGet().getPort().getStrVal()))
        .findFirst().orElseThrow().getContainerPort().toString();
    assertThat(container(spec, "liveness-probe").getArgs()).contains("--http-endpoint=:" + port);
  }

  static List<String> verbs(List<PolicyRule> rules, String resource) {
    return rules.stream().filter(r -> r.getResources().contains(resource)).flatMap(r -> r.getVerbs().stream()).toList();
  }

  static Container container(PodSpec spec, String name) {
    return spec.getContainers().stream().filter(c -> c.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no container " + name));
  }

  static VolumeMount mountAt(Container c, String path) {
    Optional<VolumeMount> vm = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst();
    return vm.orElseThrow(() -> new AssertionError(c.getName() + " mounts nothing at " + path));
  }

  static Volume volume(PodSpec spec, String name) {
    return spec.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + name));
  }
}
