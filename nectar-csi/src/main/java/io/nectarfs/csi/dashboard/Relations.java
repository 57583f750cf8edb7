package io.nectarfs.csi.dashboard;

import io.fabric8.kubernetes.api.model.CSIPersistentVolumeSource;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.nectarfs.csi.pod.MountPods;
import io.nectarfs.csi.webhook.WebhookConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Joins the informers' objects: application pods ↔ claims ↔ PersistentVolumes ↔ mount pods ↔
 * nodes. Pure: the same {@link Inputs} give the same {@link Model.Overview}.
 *
 * <p>A mount pod serves an application pod when one of its references (the targets the node
 * service published, {@link MountPods#refs}) names the pod's uid; else, for a pod none names (not
 * published yet), when it runs on the pod's node and a reference names one of the pod's PVs.
 */
final class Relations {
  /** A node service target: {@code .../pods/<uid>/volumes/kubernetes.io~csi/<pv>/mount}. */
  private static final Pattern TARGET = Pattern.compile("/pods/([^/]+)/volumes/kubernetes\\.io~csi/([^/]+)/mount/?$");
  static final String VOLUME_NAME = "volumeName";
  static final String SUBDIR = "subdir";

  private final String driver;
  private final String nodePluginLabel;
  private final String nodePluginValue;

  /** {@code nodePlugin}: the {@code key=value} label of node plugin pods. */
  Relations(String driver, String nodePlugin) {
    this.driver = driver;
    int eq = nodePlugin.indexOf('=');
    this.nodePluginLabel = nodePlugin.substring(0, eq);
    this.nodePluginValue = nodePlugin.substring(eq + 1);
  }

  Model.Overview overview(Inputs in, Model.Freshness freshness) {
    Set<String> ourClasses = new HashSet<>();
    for (StorageClass sc : in.classes()) {
      if (driver.equals(sc.getProvisioner())) {
        ourClasses.add(sc.getMetadata().getName());
      }
    }
    Map<String, PersistentVolume> pvs = new TreeMap<>();
    for (PersistentVolume pv : in.volumes()) {
      if (csi(pv) != null) {
        pvs.put(pv.getMetadata().getName(), pv);
      }
    }
    Map<String, PersistentVolumeClaim> claims = new TreeMap<>();
    for (PersistentVolumeClaim c : in.claims()) {
      String vol = c.getSpec() == null ? null : c.getSpec().getVolumeName();
      String cls = c.getSpec() == null ? null : c.getSpec().getStorageClassName();
      if ((vol != null && pvs.containsKey(vol)) || (cls != null && ourClasses.contains(cls))) {
        claims.put(id(c.getMetadata()), c);
      }
    }
    List<Pod> mountPods = new ArrayList<>();
    List<Pod> appPods = new ArrayList<>();
    Set<String> pluginNodes = new HashSet<>();
    for (Pod p : in.pods()) {
      Map<String, String> labels = labels(p.getMetadata());
      if (MountPods.APP.equals(labels.get(MountPods.LABEL_APP))) {
        mountPods.add(p);
      } else if (nodePluginValue.equals(labels.get(nodePluginLabel))) {
        if (p.getSpec() != null && p.getSpec().getNodeName() != null && running(p)) {
          pluginNodes.add(p.getSpec().getNodeName());
        }
      } else if (!claimsOf(p, claims).isEmpty() || sidecar(p)) { // an injected pod's claim volumes are gone: its sidecars mount them
        appPods.add(p);
      }
    }
    // mount pod ↔ app pod uid / PV, from the references
    Map<String, List<String>> mountPodsOfUid = new HashMap<>();
    Map<String, List<String>> uidsOfMountPod = new HashMap<>();
    Map<String, List<String>> pvsOfMountPod = new HashMap<>();
    for (Pod m : mountPods) {
      String mid = id(m.getMetadata());
      for (String ref : MountPods.refs(m)) {
        Matcher t = TARGET.matcher(ref);
        if (t.find()) {
          mountPodsOfUid.computeIfAbsent(t.group(1), k -> new ArrayList<>()).add(mid);
          uidsOfMountPod.computeIfAbsent(mid, k -> new ArrayList<>()).add(t.group(1));
          addOnce(pvsOfMountPod.computeIfAbsent(mid, k -> new ArrayList<>()), t.group(2));
        }
      }
    }
    Map<String, List<String>> podsOfClaim = new HashMap<>();
    Map<String, List<String>> podsOfMountPod = new HashMap<>();
    List<Model.AppPod> podRows = new ArrayList<>();
    Map<String, Integer> appPodsPerNode = new HashMap<>();
    for (Pod p : appPods) {
      String pid = id(p.getMetadata());
      String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
      List<String> cl = claimsOf(p, claims);
      List<String> vols = new ArrayList<>();
      for (String c : cl) {
        podsOfClaim.computeIfAbsent(c, k -> new ArrayList<>()).add(pid);
        String v = claims.get(c).getSpec().getVolumeName();
        if (v != null && pvs.containsKey(v)) {
          vols.add(v);
        }
      }
      List<String> mps = new ArrayList<>(mountPodsOfUid.getOrDefault(p.getMetadata().getUid(), List.of()));
      if (mps.isEmpty() && node != null) { // not published yet (or already unpublished): the mount of its PVs on its node
        for (Pod m : mountPods) {
          String mNode = m.getSpec() == null ? null : m.getSpec().getNodeName();
          List<String> served = pvsOfMountPod.getOrDefault(id(m.getMetadata()), List.of());
          if (node.equals(mNode) && vols.stream().anyMatch(served::contains)) {
            mps.add(id(m.getMetadata()));
          }
        }
      }
      mps.forEach(m -> addOnce(podsOfMountPod.computeIfAbsent(m, k -> new ArrayList<>()), pid));
      if (node != null) {
        appPodsPerNode.merge(node, 1, Integer::sum);
      }
      podRows.add(new Model.AppPod(ns(p.getMetadata()), p.getMetadata().getName(), node, phase(p), state(p), sidecar(p), cl, vols, mps));
    }
    List<Model.Claim> claimRows = new ArrayList<>();
    for (PersistentVolumeClaim c : claims.values()) {
      String phase = c.getStatus() == null || c.getStatus().getPhase() == null ? "Pending" : c.getStatus().getPhase();
      Model.State st = switch (phase) {
        case "Bound" -> Model.State.OK;
        case "Pending" -> Model.State.PENDING;
        default -> Model.State.FAILING;
      };
      claimRows.add(new Model.Claim(ns(c.getMetadata()), c.getMetadata().getName(), phase, st, c.getSpec().getStorageClassName(),
          c.getSpec().getVolumeName(), quantity(c.getSpec().getResources() == null ? null : c.getSpec().getResources().getRequests()),
          sorted(podsOfClaim.getOrDefault(id(c.getMetadata()), List.of())), null));
    }
    List<Model.Volume> volumeRows = new ArrayList<>();
    for (PersistentVolume pv : pvs.values()) {
      CSIPersistentVolumeSource csi = csi(pv);
      String claim = pv.getSpec().getClaimRef() == null ? null : pv.getSpec().getClaimRef().getNamespace() + "/" + pv.getSpec().getClaimRef().getName();
      String secret = csi.getNodePublishSecretRef() == null ? null
          : csi.getNodePublishSecretRef().getNamespace() + "/" + csi.getNodePublishSecretRef().getName();
      Map<String, String> attrs = csi.getVolumeAttributes() == null ? Map.of() : csi.getVolumeAttributes();
      volumeRows.add(new Model.Volume(pv.getMetadata().getName(), pv.getStatus() == null ? null : pv.getStatus().getPhase(),
          quantity(pv.getSpec().getCapacity()), claim, nectarVolume(pv), attrs.get(SUBDIR), secret));
    }
    List<Model.MountPod> mountRows = new ArrayList<>();
    Map<String, Integer> mountPodsPerNode = new HashMap<>();
    for (Pod m : mountPods) {
      String mid = id(m.getMetadata());
      Map<String, String> l = labels(m.getMetadata());
      String node = m.getSpec() == null ? null : m.getSpec().getNodeName();
      if (node != null) {
        mountPodsPerNode.merge(node, 1, Integer::sum);
      }
      String failure = MountPods.failure(m).orElse(null);
      Model.State st = failure != null ? Model.State.FAILING : MountPods.ready(m) ? Model.State.OK : Model.State.PENDING;
      mountRows.add(new Model.MountPod(ns(m.getMetadata()), m.getMetadata().getName(), node, l.get(MountPods.LABEL_VOLUME),
          l.get(MountPods.LABEL_KEY), phase(m), st, MountPods.restarts(m), failure, sorted(podsOfMountPod.getOrDefault(mid, List.of())),
          pvsOfMountPod.getOrDefault(mid, List.of())));
    }
    Map<String, Boolean> ready = new TreeMap<>();
    in.nodes().forEach(n -> ready.put(n.getMetadata().getName(), nodeReady(n)));
    Set<String> nodeNames = new java.util.TreeSet<>(ready.keySet());
    nodeNames.addAll(appPodsPerNode.keySet());
    nodeNames.addAll(mountPodsPerNode.keySet());
    List<Model.Node> nodeRows = new ArrayList<>();
    for (String n : nodeNames) {
      nodeRows.add(new Model.Node(n, ready.getOrDefault(n, false), pluginNodes.contains(n), appPodsPerNode.getOrDefault(n, 0),
          mountPodsPerNode.getOrDefault(n, 0)));
    }
    podRows.sort(Comparator.comparing(Model.AppPod::id, NATURAL));
    mountRows.sort(Comparator.comparing(Model.MountPod::id, NATURAL));
    return new Model.Overview(freshness, podRows, claimRows, volumeRows, mountRows, nodeRows);
  }

  /** The driver's CSI source of {@code pv}, or null for another driver's volume. */
  CSIPersistentVolumeSource csi(PersistentVolume pv) {
    CSIPersistentVolumeSource csi = pv.getSpec() == null ? null : pv.getSpec().getCsi();
    return csi != null && driver.equals(csi.getDriver()) ? csi : null;
  }

  String driver() {
    return driver;
  }

  /** The claims ({@code ns/name}) of {@code pod} among {@code ours}. */
  private static List<String> claimsOf(Pod pod, Map<String, PersistentVolumeClaim> ours) {
    List<String> out = new ArrayList<>();
    if (pod.getSpec() == null || pod.getSpec().getVolumes() == null) {
      return out;
    }
    for (var v : pod.getSpec().getVolumes()) {
      if (v.getPersistentVolumeClaim() != null) {
        String c = ns(pod.getMetadata()) + "/" + v.getPersistentVolumeClaim().getClaimName();
        if (ours.containsKey(c)) {
          addOnce(out, c);
        }
      }
    }
    return out;
  }

  static boolean sidecar(Pod p) {
    return p.getMetadata().getAnnotations() != null && p.getMetadata().getAnnotations().containsKey(WebhookConfig.INJECTED);
  }

  private static String nectarVolume(PersistentVolume pv) {
    Map<String, String> a = pv.getSpec().getCsi().getVolumeAttributes();
    return a == null ? pv.getMetadata().getName() : Objects.requireNonNullElse(a.get(VOLUME_NAME), pv.getMetadata().getName());
  }

  static Model.State state(Pod p) {
    String phase = phase(p);
    if (p.getStatus() != null && p.getStatus().getContainerStatuses() != null) {
      for (var c : p.getStatus().getContainerStatuses()) {
        if (c.getState() != null && c.getState().getWaiting() != null && c.getState().getWaiting().getReason() != null
            && !"ContainerCreating".equals(c.getState().getWaiting().getReason()) && !"PodInitializing".equals(c.getState().getWaiting().getReason())) {
          return Model.State.FAILING;
        }
      }
    }
    return switch (phase) {
      case "Running", "Succeeded" -> running(p) || "Succeeded".equals(phase) ? Model.State.OK : Model.State.PENDING;
      case "Pending" -> Model.State.PENDING;
      case "Failed" -> Model.State.FAILING;
      default -> Model.State.UNKNOWN;
    };
  }

  private static boolean running(Pod p) {
    if (p.getStatus() == null || p.getStatus().getConditions() == null) {
      return "Running".equals(phase(p));
    }
    for (PodCondition c : p.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return "Running".equals(phase(p));
  }

  private static boolean nodeReady(io.fabric8.kubernetes.api.model.Node n) {
    if (n.getStatus() == null || n.getStatus().getConditions() == null) {
      return false;
    }
    for (NodeCondition c : n.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  static String phase(Pod p) {
    return p.getStatus() == null || p.getStatus().getPhase() == null ? "Unknown" : p.getStatus().getPhase();
  }

  private static String quantity(Map<String, Quantity> q) {
    return q == null || q.get("storage") == null ? null : q.get("storage").toString();
  }

  static String ns(ObjectMeta m) {
    return m.getNamespace() == null ? "default" : m.getNamespace();
  }

  static String id(ObjectMeta m) {
    return ns(m) + "/" + m.getName();
  }

  private static Map<String, String> labels(ObjectMeta m) {
    return m.getLabels() == null ? Map.of() : m.getLabels();
  }

  /** Pod ids in name order, numbers by value ({@code app-2} before {@code app-10}). */
  private static List<String> sorted(List<String> ids) {
    return ids.stream().sorted(NATURAL).toList();
  }

  static final Comparator<String> NATURAL = (a, b) -> {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      char x = a.charAt(i);
      char y = b.charAt(j);
      if (Character.isDigit(x) && Character.isDigit(y)) {
        int si = i;
        int sj = j;
        while (i < a.length() && Character.isDigit(a.charAt(i))) {
          i++;
        }
        while (j < b.length() && Character.isDigit(b.charAt(j))) {
          j++;
        }
        int c = new java.math.BigInteger(a.substring(si, i)).compareTo(new java.math.BigInteger(b.substring(sj, j)));
        if (c != 0) {
          return c;
        }
      } else {
        if (x != y) {
          return Character.compare(x, y);
        }
        i++;
        j++;
      }
    }
    return Integer.compare(a.length() - i, b.length() - j);
  };

  private static void addOnce(List<String> list, String s) {
    if (!list.contains(s)) {
      list.add(s);
    }
  }
}
