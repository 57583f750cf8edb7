package io.nectarfs.csi.dashboard;

import io.nectarfs.common.PromText;

/**
 * The numbers the dashboard takes from a mount's Prometheus text ({@code nectar_*} names of
 * {@code io.nectarfs.common.Metrics}, see ARCHITECTURE.md): bytes read and written by the VFS,
 * the chunk cache's hit ratio ({@code nectar_chunk_cache_hits_total} over hits plus {@code
 * nectar_chunk_cache_misses_total}), cache group peer errors and members.
 */
final class MetricsText {
  static final String READ = "nectar_vfs_read_bytes_total";
  static final String WRITE = "nectar_vfs_write_bytes_total";
  static final String HITS = "nectar_chunk_cache_hits_total";
  static final String MISSES = "nectar_chunk_cache_misses_total";
  static final String PEER_ERRORS = "nectar_cache_peer_errors_total";
  static final String PEER_FALLBACKS = "nectar_chunk_peer_fallbacks_total";
  static final String MEMBERS = "nectar_cache_group_members";

  private MetricsText() {}

  /**
   * Sums per metric name (labels summed over; fallbacks only for reason error and timeout).
   *
   * @throws IllegalArgumentException when {@code text} is not in the Prometheus text format
   */
  static Model.Metrics parse(String text) {
    PromText p = PromText.parse(text);
    Double hits = p.has(HITS) ? p.sum(HITS) : null;
    Double misses = p.has(MISSES) ? p.sum(MISSES) : null;
    Double ratio = hits == null || misses == null || hits + misses == 0 ? null : hits / (hits + misses);
    Double peerErrors = p.has(PEER_ERRORS) || p.has(PEER_FALLBACKS)
        ? p.sum(PEER_ERRORS) + p.sum(PEER_FALLBACKS, l -> "error".equals(l.get("reason")) || "timeout".equals(l.get("reason"))) : null;
    return new Model.Metrics(sum(p, READ), sum(p, WRITE), ratio, peerErrors, sum(p, MEMBERS));
  }

  private static Double sum(PromText p, String name) {
    return p.has(name) ? p.sum(name) : null;
  }
}
