package io.nectarfs.cli;

import io.nectarfs.cache.CacheGroup;
import io.nectarfs.common.Metrics;
import io.nectarfs.common.MetricsServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The cache group flags of {@code nectar mount} and {@code nectar cache-node} (docs/cache-group.md). */
final class GroupOptions {
  @Option(names = "--cache-group", paramLabel = "NAME", description = "Join cache group NAME: members serve each other's blocks "
      + "(the token comes from NECTAR_CACHE_GROUP_TOKEN or NECTAR_CACHE_GROUP_TOKEN_FILE, the same for every member).")
  String group;

  @Option(names = "--no-sharing", description = "With --cache-group: read from the group's members, serve nothing (a consumer).")
  boolean noSharing;

  @Option(names = "--cache-group-listen", paramLabel = "[HOST]:PORT", description = "Where this member serves the group (default: ${DEFAULT-VALUE}, any free port on every interface).")
  String listen = ":0";

  @Option(names = "--cache-group-advertise", paramLabel = "HOST", description = "The host other members reach this one at (default: the listen host, or this machine's address).")
  String advertise;

  @Option(names = "--cache-group-weight", paramLabel = "W", description = "This member's share of the blocks relative to the others (default: the cache size in GiB, at least 1).")
  Double weight;

  @Option(names = "--peer-timeout", paramLabel = "DURATION", description = "How long a read waits for a member before it reads the object store (default: ${DEFAULT-VALUE}).")
  String peerTimeout = "2s";

  /**
   * Checks the flags as usage errors: {@code mustServe} for a cache node; {@code readOnly} for a
   * read-only mount (no session to advertise in); {@code memoryOnly} for {@code --cache-dir memory}.
   */
  void validate(CommandLine cl, boolean mustServe, boolean readOnly, boolean memoryOnly) {
    if (group == null) {
      if (noSharing || weight != null || advertise != null || !listen.equals(":0")) {
        throw new ParameterException(cl, "--no-sharing, --cache-group-listen, --cache-group-advertise and --cache-group-weight need --cache-group NAME");
      }
      if (mustServe) {
        throw new ParameterException(cl, "a cache node needs --cache-group NAME");
      }
      return;
    }
    if (mustServe && noSharing) {
      throw new ParameterException(cl, "a cache node serves its group: --no-sharing is for mounts");
    }
    if (readOnly && !noSharing) {
      throw new ParameterException(cl, "a --read-only mount has no session to register in the cache group: add --no-sharing to read from the group only");
    }
    if (!noSharing && memoryOnly) {
      throw new ParameterException(cl, "a cache group member keeps the blocks it serves on disk: give --cache-dir DIR" + (mustServe ? "" : ", or --no-sharing"));
    }
    try {
      options(1L << 30);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, e.getMessage());
    }
    if (!noSharing) {
      listenAddress(cl);
    }
  }

  private InetSocketAddress listenAddress(CommandLine cl) {
    InetSocketAddress a;
    try {
      a = MetricsServer.parse(listen);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, "--cache-group-listen must be HOST:PORT, :PORT or PORT, got '" + listen + "'");
    }
    if (a.isUnresolved()) {
      throw new ParameterException(cl, "cannot resolve the host of --cache-group-listen '" + listen + "'");
    }
    return a;
  }

  private CacheGroup.Options options(long cacheBytes) {
    Duration t = Durations.parse(peerTimeout);
    if (t.isNegative() || t.isZero()) {
      throw new IllegalArgumentException("--peer-timeout " + peerTimeout + " must be more than 0");
    }
    double w = weight != null ? weight : Math.max(1, cacheBytes / (double) (1L << 30));
    return CacheGroup.Options.consumer(group).withWeight(w, cacheBytes).withTimeouts(t, Duration.ofSeconds(5));
  }

  /** The group these flags ask for, not started; null without --cache-group. */
  CacheGroup create(long cacheBytes, Metrics metrics) {
    if (group == null) {
      return null;
    }
    CacheGroup.Options o = options(cacheBytes);
    if (!noSharing) {
      InetSocketAddress a = MetricsServer.parse(listen);
      o = o.serving(a, advertise);
    }
    return CacheGroup.create(o, metrics);
  }
}
