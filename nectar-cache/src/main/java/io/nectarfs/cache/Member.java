package io.nectarfs.cache;

import java.net.InetSocketAddress;

/**
 * One member of a cache group as the ring sees it.
 *
 * @param id stable identity, unique in the group (e.g. {@code host:port/session}); placement hashes
 *     it, so a member that restarts under the same id gets its blocks back
 * @param host where its peer server listens (name or literal address)
 * @param port the peer server's TCP port
 * @param weight its share of the blocks relative to the others (&gt; 0; e.g. its cache size in GiB)
 * @param cacheBytes its cache capacity in bytes (&ge; 0; informational: placement uses the weight)
 */
public record Member(String id, String host, int port, double weight, long cacheBytes) {
  public Member {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("a member needs an id");
    }
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("member " + id + " needs a host");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("member " + id + ": port " + port + " is not in 1..65535");
    }
    if (!(weight > 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("member " + id + ": weight must be a positive number, got " + weight);
    }
    if (cacheBytes < 0) {
      throw new IllegalArgumentException("member " + id + ": negative cache size " + cacheBytes);
    }
  }

  /** The peer server's address (resolved now; unresolved when the name does not resolve). */
  public InetSocketAddress address() {
    return new InetSocketAddress(host, port);
  }
}
