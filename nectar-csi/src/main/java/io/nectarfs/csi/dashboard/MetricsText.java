package io.nectarfs.csi.dashboard;

import java.util.HashMap;
import java.util.Map;

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

  /** Sums per metric name (labels summed over; fallbacks only for reason error and timeout). */
  static Model.Metrics parse(String text) {
    Map<String, Double> sums = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      if (space <= 0) {
        continue;
      }
      String name = brace > 0 && brace < space ? line.substring(0, brace) : line.substring(0, space).strip();
      String labels = brace > 0 && brace < space ? line.substring(brace, line.indexOf('}', brace) + 1) : "";
      if (name.equals(PEER_FALLBACKS) && !(labels.contains("reason=\"error\"") || labels.contains("reason=\"timeout\""))) {
        continue;
      }
      double v;
      try {
        v = Double.parseDouble(line.substring(space + 1).strip());
      } catch (NumberFormatException e) {
        continue;
      }
      sums.merge(name, v, Double::sum);
    }
    Double hits = sums.get(HITS);
    Double misses = sums.get(MISSES);
    Double ratio = hits == null || misses == null || hits + misses == 0 ? null : hits / (hits + misses);
    Double peerErrors = sums.containsKey(PEER_ERRORS) || sums.containsKey(PEER_FALLBACKS)
        ? sums.getOrDefault(PEER_ERRORS, 0.0) + sums.getOrDefault(PEER_FALLBACKS, 0.0) : null;
    return new Model.Metrics(sums.get(READ), sums.get(WRITE), ratio, peerErrors, sums.get(MEMBERS));
  }
}
