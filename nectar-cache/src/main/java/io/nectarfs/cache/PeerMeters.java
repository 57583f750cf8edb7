package io.nectarfs.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nectarfs.common.Latency;
import io.nectarfs.common.Metrics;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * A peer client's meters, tagged with the peer's address ({@code host:port}; never a key or a
 * secret), registered once per client.
 */
final class PeerMeters {
  /** Why a call failed: the caller falls back to the object store on each. */
  enum Cause { TIMEOUT, CONNECT, AUTH, CORRUPT, LOST, REMOTE }

  final Counter bytes;
  final Map<Wire.Op, Counter> requests = new EnumMap<>(Wire.Op.class);
  final Map<Wire.Op, Latency> latency = new EnumMap<>(Wire.Op.class);
  final Map<Cause, Counter> errors = new EnumMap<>(Cause.class);

  PeerMeters(Metrics metrics, String peer) {
    MeterRegistry r = metrics.registry();
    bytes = Counter.builder("nectar_cache_peer_received_bytes").tag("peer", peer).description("block bytes received from a peer").register(r);
    for (Wire.Op op : Wire.Op.values()) {
      String name = op.name().toLowerCase(Locale.ROOT);
      requests.put(op, Counter.builder("nectar_cache_peer_requests").tag("peer", peer).tag("op", name)
          .description("requests sent to a peer").register(r));
      latency.put(op, metrics.latency("nectar_cache_peer_request", "time a peer took to answer", "peer", peer, "op", name));
    }
    for (Cause c : Cause.values()) {
      errors.put(c, Counter.builder("nectar_cache_peer_errors").tag("peer", peer).tag("cause", c.name().toLowerCase(Locale.ROOT))
          .description("failed requests to a peer (the caller fell back), by cause").register(r));
    }
  }
}
