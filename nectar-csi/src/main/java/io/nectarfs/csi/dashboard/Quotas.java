package io.nectarfs.csi.dashboard;

import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * How full the NectarFS claims' quotas are: every PersistentVolume is a directory with a quota of
 * its capacity, the node service answers NodeGetVolumeStats by statvfs of the mount (which reports
 * the quota), and the kubelet publishes those stats in its Summary API. {@link #read} asks the
 * nodes that run pods with NectarFS claims ({@link Lookups#volumeStats}, cached); {@link #tips}
 * warns at {@value #WARN_PERCENT}% of the bytes or inodes, critical at {@value #CRITICAL_PERCENT}%
 * or nothing left.
 *
 * <p>Thread-safe: no state of its own; one read asks the nodes at once on virtual threads it starts
 * and waits for (each bounded by the lookup timeout).
 */
final class Quotas {
  static final int WARN_PERCENT = 90;
  static final int CRITICAL_PERCENT = 98;
  /** Nodes whose stats one read fetches at most. */
  static final int MAX_NODES = 64;
  private static final long GIB = 1L << 30;

  private final Lookups lookups;

  Quotas(Lookups lookups) {
    this.lookups = lookups;
  }

  /** The usage of the claims in the overview, by {@code namespace/name}, and what could not be read (one line at most). */
  record Read(Map<String, Model.Usage> usage, List<String> notes) {
    Read {
      usage = Map.copyOf(usage);
      notes = List.copyOf(notes);
    }
  }

  Read read(Model.Overview o) {
    Set<String> claims = o.claims().stream().filter(c -> c.volume() != null).map(Model.Claim::id).collect(Collectors.toSet());
    List<String> nodes = o.pods().stream().filter(p -> p.node() != null && p.claims().stream().anyMatch(claims::contains))
        .map(Model.AppPod::node).collect(Collectors.toCollection(TreeSet::new)).stream().limit(MAX_NODES).toList();
    Map<String, Future<Lookups.NodeStats>> futures = new LinkedHashMap<>();
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      nodes.forEach(n -> futures.put(n, ex.submit(() -> lookups.volumeStats(n))));
    }
    Map<String, Model.Usage> usage = new HashMap<>();
    Map<String, String> failed = new LinkedHashMap<>();
    for (var e : futures.entrySet()) {
      Lookups.NodeStats s;
      try {
        s = e.getValue().get();
      } catch (ExecutionException x) {
        s = new Lookups.NodeStats(Map.of(), Lookups.oneLine(x.getCause()), 0);
      } catch (InterruptedException x) {
        Thread.currentThread().interrupt();
        break;
      }
      if (s.error() != null) {
        failed.put(e.getKey(), s.error());
      }
      s.claims().forEach((claim, u) -> {
        if (claims.contains(claim)) {
          usage.putIfAbsent(claim, u);
        }
      });
    }
    List<String> notes = new ArrayList<>();
    if (!failed.isEmpty()) {
      var first = failed.entrySet().iterator().next();
      notes.add("quota: the kubelet's volume stats of node(s) " + String.join(", ", failed.keySet()) + " could not be read (node " + first.getKey()
          + ": " + first.getValue() + "); the dashboard needs get on nodes/proxy");
    }
    return new Read(usage, notes);
  }

  /** {@code o} with every claim's usage from {@code r}. */
  static Model.Overview withUsage(Model.Overview o, Read r) {
    return new Model.Overview(o.freshness(), o.pods(), o.claims().stream().map(c -> c.withUsage(r.usage().get(c.id()))).toList(), o.volumes(),
        o.mountPods(), o.nodes());
  }

  /** How bad a claim's use is: critical, warning, or none. */
  static Optional<Model.Severity> severity(Model.Usage u) {
    if (bytesLeftNone(u) || u.usedPercent() >= CRITICAL_PERCENT || u.inodesPercent() >= CRITICAL_PERCENT) {
      return Optional.of(Model.Severity.CRITICAL);
    }
    return u.usedPercent() >= WARN_PERCENT || u.inodesPercent() >= WARN_PERCENT ? Optional.of(Model.Severity.WARNING) : Optional.empty();
  }

  private static boolean bytesLeftNone(Model.Usage u) {
    return u.capacityBytes() > 0 && u.availableBytes() <= 0;
  }

  /** A tip for every claim whose quota is nearly full; {@code classes} by name tell whether the claim may grow. */
  static void tips(Model.Overview o, Read r, Map<String, StorageClass> classes, List<Model.Tip> tips) {
    for (Model.Claim c : o.claims()) {
      Model.Usage u = r.usage().get(c.id());
      Optional<Model.Severity> s = u == null ? Optional.empty() : severity(u);
      if (s.isEmpty()) {
        continue;
      }
      List<String> what = new ArrayList<>();
      List<String> todo = new ArrayList<>();
      if (u.usedPercent() >= WARN_PERCENT || bytesLeftNone(u)) {
        what.add("quota " + u.usedPercent() + "% used: " + Pages.bytes(u.usedBytes()) + " of " + Pages.bytes(u.capacityBytes())
            + (bytesLeftNone(u) ? ", nothing left: writes fail with 'Disk quota exceeded'" : ""));
        todo.add(grow(c, u, classes.get(c.storageClass())));
      }
      if (u.inodesPercent() >= WARN_PERCENT) {
        what.add("inode quota " + u.inodesPercent() + "% used: " + u.inodesUsed() + " of " + u.inodes() + " files");
        todo.add("delete files, or raise the inode limit of the volume's directory (nectar quota set META-URL --path <the PV's directory> --inodes N)");
      }
      tips.add(new Model.Tip(s.get(), "PersistentVolumeClaim " + c.id(), String.join("; ", what), String.join("; ", todo)));
    }
  }

  private static String grow(Model.Claim c, Model.Usage u, StorageClass sc) {
    String size = Math.ceilDiv(u.capacityBytes() * 3 / 2, GIB) + "Gi";
    String patch = "kubectl -n " + c.namespace() + " patch pvc " + c.name() + " -p '{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"" + size + "\"}}}}'";
    if (sc != null && Boolean.TRUE.equals(sc.getAllowVolumeExpansion())) {
      return "grow the claim (StorageClass " + sc.getMetadata().getName() + " allows expansion; the quota follows online): " + patch + "; or delete data";
    }
    return "delete data; or grow the claim with " + patch + " once its StorageClass" + (c.storageClass() == null ? "" : " " + c.storageClass())
        + " has allowVolumeExpansion: true";
  }
}
