package io.nectarfs.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nectarfs.common.Latency;
import io.nectarfs.common.Metrics;
import java.util.EnumMap;
import java.util.Map;

/** A peer server's meters, registered once: requests, blocks and bytes served, refusals, errors. */
final class ServerMeters {
  final Counter blocksServed;
  final Counter bytesServed;
  final Counter refusedAuth;
  final Counter refusedProtocol;
  final Counter errors;
  final Counter warmed;
  final Counter warmFailed;
  final Map<Wire.Op, Counter> requests = new EnumMap<>(Wire.Op.class);
  final Map<Wire.Op, Latency> latency = new EnumMap<>(Wire.Op.class);

  ServerMeters(Metrics metrics) {
    MeterRegistry r = metrics.registry();
    blocksServed = Counter.builder("nectar_cache_server_blocks_served").description("GET answers sent to peers").register(r);
    bytesServed = Counter.builder("nectar_cache_server_bytes_served").description("block bytes sent to peers").register(r);
    refusedAuth = Counter.builder("nectar_cache_server_refused").tag("reason", "auth")
        .description("connections refused: a wrong group key, or a protocol violation").register(r);
    refusedProtocol = Counter.builder("nectar_cache_server_refused").tag("reason", "protocol")
        .description("connections refused: a wrong group key, or a protocol violation").register(r);
    errors = Counter.builder("nectar_cache_server_errors").description("requests answered with an error").register(r);
    warmed = Counter.builder("nectar_cache_server_warmed").tag("outcome", "ok").description("blocks warmed on request").register(r);
    warmFailed = Counter.builder("nectar_cache_server_warmed").tag("outcome", "failed").description("blocks warmed on request").register(r);
    for (Wire.Op op : Wire.Op.values()) {
      String name = op.name().toLowerCase(java.util.Locale.ROOT);
      requests.put(op, Counter.builder("nectar_cache_server_requests").tag("op", name).description("requests from peers").register(r));
      latency.put(op, metrics.latency("nectar_cache_server_request", "time to answer a peer's request", "op", name));
    }
  }
}
