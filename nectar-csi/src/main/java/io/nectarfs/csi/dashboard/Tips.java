package io.nectarfs.csi.dashboard;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretReference;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Diagnoses common failures from the overview, the informers' objects and on-demand {@link
 * Lookups}: a claim pending (or a pod waiting) because a Secret its StorageClass or volume names
 * is missing, a mount pod that will not come up (CrashLoopBackOff with its last error line), a
 * node running pods with NectarFS volumes but no node plugin, cache group peers failing (from the
 * mounts' metrics), a claim's quota nearly full ({@link Quotas}, from the kubelets' volume stats).
 * What cannot be checked becomes a note.
 *
 * <p>Thread-safe: no state of its own; one diagnosis asks the mounts' metrics at once on virtual
 * threads it starts and waits for (each bounded by the lookup timeout).
 */
final class Tips {
  /** StorageClass parameter prefixes of the Secrets the external-provisioner and kubelet pass on. */
  private static final List<String> SECRET_PARAMS = List.of("csi.storage.k8s.io/provisioner-secret-", "csi.storage.k8s.io/node-publish-secret-",
      "csi.storage.k8s.io/controller-expand-secret-");
  /** Mount pods whose metrics one look fetches at most (at once, each within the lookup timeout). */
  static final int MAX_METRICS = 64;

  private final Lookups lookups;
  private final Quotas quotas;
  private final String nodePluginLabel;

  Tips(Lookups lookups, Quotas quotas, String nodePluginLabel) {
    this.lookups = lookups;
    this.quotas = quotas;
    this.nodePluginLabel = nodePluginLabel;
  }

  Model.Tips diagnose(Model.Overview o, Inputs in, Relations relations) {
    List<Model.Tip> tips = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    if (o.freshness().stale()) {
      tips.add(new Model.Tip(Model.Severity.WARNING, "Kubernetes API", "not watching " + String.join(", ", o.freshness().notWatching())
          + ": the data shown is as of " + (o.freshness().lastSync() == null ? "never (not synced yet)" : o.freshness().lastSync()),
          "check that the API server is reachable from the dashboard and that its ServiceAccount may list and watch these kinds"));
    }
    secretTips(o, in, relations, tips, notes);
    mountPodTips(o, in, tips);
    nodeTips(o, tips);
    metricsTips(o, in, tips, notes);
    quotaTips(o, in, tips, notes);
    tips.sort(Comparator.comparing(Model.Tip::severity).thenComparing(Model.Tip::object));
    return new Model.Tips(o.freshness(), tips, notes);
  }

  private void quotaTips(Model.Overview o, Inputs in, List<Model.Tip> tips, List<String> notes) {
    Quotas.Read r = quotas.read(o);
    notes.addAll(r.notes());
    Map<String, StorageClass> classes = new HashMap<>();
    in.classes().forEach(c -> classes.put(c.getMetadata().getName(), c));
    Quotas.tips(o, r, classes, tips);
  }

  private void secretTips(Model.Overview o, Inputs in, Relations relations, List<Model.Tip> tips, List<String> notes) {
    Map<String, StorageClass> classes = new HashMap<>();
    in.classes().forEach(c -> classes.put(c.getMetadata().getName(), c));
    Map<String, PersistentVolumeClaim> claims = new HashMap<>();
    in.claims().forEach(c -> claims.put(Relations.id(c.getMetadata()), c));
    Map<String, PersistentVolume> volumes = new HashMap<>();
    in.volumes().forEach(v -> volumes.put(v.getMetadata().getName(), v));
    for (Model.Claim c : o.claims()) {
      String object = "PersistentVolumeClaim " + c.id();
      if (c.state() == Model.State.PENDING && c.storageClass() != null && classes.containsKey(c.storageClass())) {
        StorageClass sc = classes.get(c.storageClass());
        Map<String, String> p = sc.getParameters() == null ? Map.of() : sc.getParameters();
        for (String prefix : SECRET_PARAMS) {
          String name = resolve(p.get(prefix + "name"), claims.get(c.id()));
          String ns = resolve(p.get(prefix + "namespace"), claims.get(c.id()));
          if (name == null || ns == null) {
            continue;
          }
          String role = prefix.substring(prefix.indexOf('/') + 1, prefix.length() - 1);
          missing(ns, name, notes).ifPresent(ok -> tips.add(new Model.Tip(Model.Severity.CRITICAL, object,
              "pending: StorageClass " + sc.getMetadata().getName() + " names Secret " + ns + "/" + name + " (" + role + "), which does not exist",
              "create Secret " + name + " in namespace " + ns + " with META_URL (see deploy/csi/07-secret-example.yaml), or fix "
                  + prefix + "name in StorageClass " + sc.getMetadata().getName())));
        }
      }
      if (c.volume() != null && volumes.containsKey(c.volume()) && o.pods().stream()
          .anyMatch(p -> p.claims().contains(c.id()) && p.state() != Model.State.OK)) {
        var csi = relations.csi(volumes.get(c.volume()));
        SecretReference ref = csi == null ? null : csi.getNodePublishSecretRef();
        if (ref != null && ref.getName() != null && ref.getNamespace() != null) {
          missing(ref.getNamespace(), ref.getName(), notes).ifPresent(ok -> tips.add(new Model.Tip(Model.Severity.CRITICAL,
              "PersistentVolume " + c.volume(), "pods of claim " + c.id() + " cannot mount it: its node-publish Secret " + ref.getNamespace() + "/"
                  + ref.getName() + " does not exist",
              "create Secret " + ref.getName() + " in namespace " + ref.getNamespace() + " with META_URL; the kubelet retries the mount")));
        }
      }
    }
  }

  /** Present (true) when Secret ns/name is known to be missing; a note when it cannot be told. */
  private Optional<Boolean> missing(String ns, String name, List<String> notes) {
    Optional<Boolean> exists = lookups.secretExists(ns, name);
    if (exists.isEmpty()) {
      notes.add("Secret " + ns + "/" + name + ": cannot tell whether it exists (the API server did not answer, or the dashboard may not get Secrets)");
      return Optional.empty();
    }
    return exists.get() ? Optional.empty() : Optional.of(true);
  }

  /** A StorageClass secret parameter with the claim's templates filled in; null when it cannot be. */
  private static String resolve(String template, PersistentVolumeClaim claim) {
    if (template == null || claim == null) {
      return null;
    }
    String s = template.replace("${pvc.namespace}", Relations.ns(claim.getMetadata())).replace("${pvc.name}", claim.getMetadata().getName());
    return s.contains("${") ? null : s;
  }

  private void mountPodTips(Model.Overview o, Inputs in, List<Model.Tip> tips) {
    Map<String, Pod> pods = new HashMap<>();
    in.pods().forEach(p -> pods.put(Relations.id(p.getMetadata()), p));
    for (Model.MountPod m : o.mountPods()) {
      if (m.failure() == null) {
        continue;
      }
      String object = "mount pod " + m.id();
      String users = m.pods().isEmpty() ? "" : " (used by " + String.join(", ", m.pods()) + ")";
      if (m.failure().contains("CrashLoopBackOff")) {
        String why = Optional.ofNullable(pods.get(m.id())).flatMap(lookups::lastErrorLine).orElse(null);
        tips.add(new Model.Tip(Model.Severity.CRITICAL, object,
            "keeps crashing (CrashLoopBackOff, " + m.restarts() + " restarts)" + users + "; " + (why == null ? Redact.line(m.failure()) : "its log says: " + why),
            "fix what the log says (often the metadata URL or storage credentials in the volume's Secret, or the volume's name); "
                + "the pod restarts by itself, or delete it to retry at once"));
      } else {
        tips.add(new Model.Tip(Model.Severity.CRITICAL, object, Redact.line(m.failure()) + users,
            "see the reason: an image that cannot be pulled needs the StorageClass parameter mountImage or the ConfigMap nectar-csi-config fixed"));
      }
    }
  }

  private void nodeTips(Model.Overview o, List<Model.Tip> tips) {
    for (Model.Node n : o.nodes()) {
      long needing = o.pods().stream().filter(p -> n.name().equals(p.node()) && !p.sidecar()).count();
      if (needing > 0 && !n.nodePlugin()) {
        tips.add(new Model.Tip(Model.Severity.CRITICAL, "node " + n.name(),
            "runs " + needing + " pod(s) with NectarFS volumes but no ready node plugin pod (label " + nodePluginLabel + "): their volumes cannot be mounted",
            "check the DaemonSet nectar-csi-node (node selector, tolerations, image) with kubectl -n nectarfs describe ds nectar-csi-node; "
                + "on a virtual node, opt the pods in to the sidecar webhook (label nectarfs.io/sidecar=enabled)"));
      }
    }
  }

  private void metricsTips(Model.Overview o, Inputs in, List<Model.Tip> tips, List<String> notes) {
    Map<String, Pod> pods = new HashMap<>();
    in.pods().forEach(p -> pods.put(Relations.id(p.getMetadata()), p));
    List<Pod> served = o.mountPods().stream().filter(m -> m.state() == Model.State.OK).map(m -> pods.get(m.id()))
        .filter(p -> p != null && Lookups.metricsUri(p).isPresent()).limit(MAX_METRICS).toList();
    if (served.isEmpty()) {
      notes.add("cache groups: not checked: no ready mount pod serves /metrics on its pod IP (mount option --metrics=0.0.0.0:9567 and a container port named metrics)");
      return;
    }
    Map<Pod, Future<Optional<Model.Metrics>>> futures = new HashMap<>();
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      served.forEach(p -> futures.put(p, ex.submit(() -> lookups.metrics(p))));
    }
    int unanswered = 0;
    for (Pod p : served) {
      Optional<Model.Metrics> m;
      try {
        m = futures.get(p).get();
      } catch (ExecutionException e) {
        m = Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (m.isEmpty()) {
        unanswered++;
      } else if (m.get().peerErrors() != null && m.get().peerErrors() > 0) {
        tips.add(new Model.Tip(Model.Severity.WARNING, "mount pod " + Relations.id(p.getMetadata()),
            "its cache group peers failed " + m.get().peerErrors().longValue() + " time(s) (errors and timeouts since it started"
                + (m.get().groupMembers() == null ? "" : ", " + m.get().groupMembers().longValue() + " member(s) in its ring") + "): a member may be down",
            "check the cache group's members (their pods and 'nectar warmup --cache-group ... --check'); reads fall back to the object store meanwhile"));
      }
    }
    if (unanswered > 0) {
      notes.add("metrics: " + unanswered + " mount pod(s) did not answer /metrics in time");
    }
  }
}
