package io.nectarfs.csi.dashboard;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What the dashboard shows, as immutable records the pages and the JSON API both render. Names of
 * related objects are {@code namespace/name} (cluster-scoped objects: the name).
 */
final class Model {
  private Model() {}

  /** A row's state, for colours and the {@code state} filter. */
  enum State {
    OK, PENDING, FAILING, UNKNOWN;

    String word() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Optional<State> of(String word) {
      for (State s : values()) {
        if (s.word().equals(word)) {
          return Optional.of(s);
        }
      }
      return Optional.empty();
    }
  }

  /**
   * Whether the data is current: stale while an informer does not watch.
   *
   * @param lastSync when every informer was last seen watching, ISO-8601 UTC (null: never synced)
   * @param notWatching the kinds whose informer does not watch now
   */
  record Freshness(boolean stale, String lastSync, List<String> notWatching) {
    Freshness {
      notWatching = List.copyOf(notWatching);
    }
  }

  /** An application pod that uses NectarFS claims; {@code sidecar}: served by injected sidecars. */
  record AppPod(String namespace, String name, String node, String phase, State state, boolean sidecar, List<String> claims,
      List<String> volumes, List<String> mountPods) {
    AppPod {
      claims = List.copyOf(claims);
      volumes = List.copyOf(volumes);
      mountPods = List.copyOf(mountPods);
    }

    String id() {
      return namespace + "/" + name;
    }
  }

  /**
   * A claim of a NectarFS StorageClass or bound to a NectarFS volume; {@code usage}: its quota's
   * use as the kubelet last reported it (null: not known).
   */
  record Claim(String namespace, String name, String phase, State state, String storageClass, String volume, String capacity,
      List<String> pods, Usage usage) {
    Claim {
      pods = List.copyOf(pods);
    }

    String id() {
      return namespace + "/" + name;
    }

    Claim withUsage(Usage u) {
      return new Claim(namespace, name, phase, state, storageClass, volume, capacity, pods, u);
    }
  }

  /**
   * A mounted claim's use of its quota, from the kubelet's volume stats (statvfs of the mount, which
   * reports the directory quota); {@code inodes}/{@code inodesUsed} null when not reported.
   */
  record Usage(long usedBytes, long capacityBytes, long availableBytes, Long inodesUsed, Long inodes) {
    /** Used bytes in whole percent of the capacity, rounded down (89.9% is not yet 90%); 0 when the capacity is unknown. */
    long usedPercent() {
      return capacityBytes <= 0 ? 0 : (long) Math.floor(100.0 * usedBytes / capacityBytes);
    }

    /** Used inodes in whole percent of the inode limit, rounded down; 0 when not reported. */
    long inodesPercent() {
      return inodes == null || inodesUsed == null || inodes <= 0 ? 0 : (long) Math.floor(100.0 * inodesUsed / inodes);
    }

    /** "95.0 GiB of 100.0 GiB (95%)". */
    String text() {
      return Pages.bytes(usedBytes) + " of " + Pages.bytes(capacityBytes) + " (" + usedPercent() + "%)";
    }
  }

  /** A PersistentVolume of the driver: the NectarFS volume and directory it is, its node-publish Secret's name. */
  record Volume(String name, String phase, String capacity, String claim, String nectarVolume, String subdir, String secret) {}

  /** A mount pod; {@code failure}: why it will not come up without help (null while it may). */
  record MountPod(String namespace, String name, String node, String volume, String key, String phase, State state, int restarts,
      String failure, List<String> pods, List<String> volumes) {
    MountPod {
      pods = List.copyOf(pods);
      volumes = List.copyOf(volumes);
    }

    String id() {
      return namespace + "/" + name;
    }
  }

  /** A node that runs application pods, mount pods or the node plugin. */
  record Node(String name, boolean ready, boolean nodePlugin, int appPods, int mountPods) {}

  /** Everything on the overview, already filtered. */
  record Overview(Freshness freshness, List<AppPod> pods, List<Claim> claims, List<Volume> volumes, List<MountPod> mountPods,
      List<Node> nodes) {
    Overview {
      pods = List.copyOf(pods);
      claims = List.copyOf(claims);
      volumes = List.copyOf(volumes);
      mountPods = List.copyOf(mountPods);
      nodes = List.copyOf(nodes);
    }
  }

  enum Severity {
    CRITICAL, WARNING, INFO;

    String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A diagnosis: how bad, which object ({@code Kind ns/name}), what is wrong, what to do. */
  record Tip(Severity severity, String object, String message, String action) {}

  /** The tips, and the checks that could not be made (one line each). */
  record Tips(Freshness freshness, List<Tip> tips, List<String> notes) {
    Tips {
      tips = List.copyOf(tips);
      notes = List.copyOf(notes);
    }
  }

  /** One recent event of an object. */
  record Event(String type, String reason, String message, int count, String last) {}

  /** Key numbers of a mount's {@code /metrics}: totals since it started, null where absent. */
  record Metrics(Double readBytes, Double writeBytes, Double cacheHitRatio, Double peerErrors, Double groupMembers) {}
}
