package io.nectarfs.cli;

import io.nectarfs.common.PromText;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a mount did between two scrapes of its {@code .stats} ({@code nectar stats}): per layer
 * the operations (total and per {@code op}), their rate and latency (mean from the {@code _sum}
 * and {@code _count} deltas, p50/p99 from the histogram buckets' deltas when exported), read and
 * written bytes, the chunk cache's hit ratio and the staging backlog (gauges of the later scrape).
 * Immutable.
 */
final class StatsDelta {
  /** The layers shown, by their latency histogram's base name. */
  static final Map<String, String> LAYERS = layers();

  private static Map<String, String> layers() {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    m.put("fuse", "nectar_fuse_request_seconds");
    m.put("vfs", "nectar_vfs_op_seconds");
    m.put("meta", "nectar_meta_op_seconds");
    m.put("object", "nectar_object_request_seconds");
    return m;
  }

  /** One layer's interval: operation count (total and per op) and latency in seconds (NaN if none). */
  record Layer(long ops, Map<String, Long> byOp, double mean, double p50, double p99) {}

  private final double seconds;
  private final PromText before;
  private final PromText after;

  StatsDelta(PromText before, PromText after, double seconds) {
    this.before = before;
    this.after = after;
    this.seconds = seconds;
  }

  private double delta(String name) {
    return after.sum(name) - before.sum(name);
  }

  Layer layer(String base) {
    long ops = Math.round(delta(base + "_count"));
    Map<String, Long> byOp = new TreeMap<>();
    for (PromText.Sample s : after.samples()) {
      String op = s.labels().get("op");
      if (s.name().equals(base + "_count") && op != null) {
        byOp.merge(op, 0L, Long::sum);
      }
    }
    byOp.replaceAll((op, zero) -> Math.round(after.sum(base + "_count", l -> op.equals(l.get("op")))
        - before.sum(base + "_count", l -> op.equals(l.get("op")))));
    byOp.values().removeIf(v -> v == 0);
    double mean = ops == 0 ? Double.NaN : delta(base + "_sum") / ops;
    return new Layer(ops, byOp, mean, quantile(base, 0.5), quantile(base, 0.99));
  }

  /** histogram_quantile over the interval's bucket deltas, all series of {@code base} together. */
  private double quantile(String base, double q) {
    TreeMap<Double, Double> buckets = new TreeMap<>();
    for (PromText.Sample s : after.samples()) {
      String le = s.labels().get("le");
      if (s.name().equals(base + "_bucket") && le != null) {
        buckets.merge(Double.parseDouble(le.equals("+Inf") ? "Infinity" : le), 0.0, Double::sum);
      }
    }
    if (buckets.isEmpty()) {
      return Double.NaN;
    }
    buckets.replaceAll((le, zero) -> after.sum(base + "_bucket", l -> le(l) == le) - before.sum(base + "_bucket", l -> le(l) == le));
    double total = buckets.lastEntry().getValue();
    if (total <= 0) {
      return Double.NaN;
    }
    double rank = q * total;
    double lower = 0;
    double below = 0;
    for (Map.Entry<Double, Double> b : buckets.entrySet()) {
      if (b.getValue() >= rank) {
        if (b.getKey().isInfinite()) {
          return lower;
        }
        double inBucket = b.getValue() - below;
        return inBucket <= 0 ? b.getKey() : lower + (b.getKey() - lower) * (rank - below) / inBucket;
      }
      lower = b.getKey();
      below = b.getValue();
    }
    return lower;
  }

  private static double le(Map<String, String> labels) {
    String le = labels.get("le");
    return le == null ? Double.NaN : le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
  }

  long readBytes() {
    return Math.round(delta("nectar_vfs_read_bytes_total"));
  }

  long writtenBytes() {
    return Math.round(delta("nectar_vfs_write_bytes_total"));
  }

  /** Bytes read from cache group members in the interval. */
  double peerBytes() {
    return after.sum("nectar_chunk_read_bytes_total", l -> "peer".equals(l.get("source")))
        - before.sum("nectar_chunk_read_bytes_total", l -> "peer".equals(l.get("source")));
  }

  long cacheHits() {
    return Math.round(delta("nectar_chunk_cache_hits_total"));
  }

  long cacheMisses() {
    return Math.round(delta("nectar_chunk_cache_misses_total"));
  }

  /** One JSON object on one line. */
  String json() {
    StringBuilder b = new StringBuilder("{\"interval_seconds\":").append(num(seconds)).append(",\"layers\":{");
    boolean first = true;
    for (Map.Entry<String, String> e : LAYERS.entrySet()) {
      Layer l = layer(e.getValue());
      b.append(first ? "" : ",").append('"').append(e.getKey()).append("\":{\"ops\":").append(l.ops())
          .append(",\"ops_per_second\":").append(num(l.ops() / seconds))
          .append(",\"mean_seconds\":").append(num(l.mean())).append(",\"p50_seconds\":").append(num(l.p50()))
          .append(",\"p99_seconds\":").append(num(l.p99())).append(",\"by_op\":{");
      boolean f = true;
      for (Map.Entry<String, Long> o : l.byOp().entrySet()) {
        b.append(f ? "" : ",").append('"').append(o.getKey()).append("\":").append(o.getValue());
        f = false;
      }
      b.append("}}");
      first = false;
    }
    long hits = cacheHits();
    long misses = cacheMisses();
    b.append("},\"read_bytes\":").append(readBytes()).append(",\"written_bytes\":").append(writtenBytes())
        .append(",\"read_bytes_per_second\":").append(num(readBytes() / seconds))
        .append(",\"written_bytes_per_second\":").append(num(writtenBytes() / seconds))
        .append(",\"cache_hits\":").append(hits).append(",\"cache_misses\":").append(misses)
        .append(",\"cache_hit_ratio\":").append(num(hits + misses == 0 ? Double.NaN : (double) hits / (hits + misses)))
        .append(",\"staging_blocks\":").append(Math.round(after.sum("nectar_chunk_staging_blocks")))
        .append(",\"staging_oldest_age_seconds\":").append(num(after.sum("nectar_chunk_staging_oldest_age_seconds")));
    if (after.has("nectar_cache_group_members")) {
      b.append(",\"cache_group\":{\"members\":").append(Math.round(after.sum("nectar_cache_group_members")))
          .append(",\"peer_read_bytes\":").append(Math.round(peerBytes()))
          .append(",\"fallbacks\":").append(Math.round(delta("nectar_chunk_peer_fallbacks_total")))
          .append(",\"served_bytes\":").append(Math.round(delta("nectar_cache_server_bytes_served_total")))
          .append(",\"peer_errors\":").append(Math.round(delta("nectar_cache_peer_errors_total"))).append('}');
    }
    b.append('}');
    return b.toString();
  }

  /** A top-like table. */
  String text() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "nectar stats: interval %.1fs%n", seconds));
    b.append(String.format(Locale.ROOT, "%-8s %10s %10s %10s %10s%n", "layer", "ops/s", "mean ms", "p50 ms", "p99 ms"));
    for (Map.Entry<String, String> e : LAYERS.entrySet()) {
      Layer l = layer(e.getValue());
      b.append(String.format(Locale.ROOT, "%-8s %10.1f %10s %10s %10s%n", e.getKey(), l.ops() / seconds,
          ms(l.mean()), ms(l.p50()), ms(l.p99())));
    }
    long hits = cacheHits();
    long misses = cacheMisses();
    b.append(String.format(Locale.ROOT, "read %s/s  write %s/s  cache hit %s  staging %d blocks (oldest %.0fs)%n",
        mib(readBytes() / seconds), mib(writtenBytes() / seconds),
        hits + misses == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * hits / (hits + misses)),
        Math.round(after.sum("nectar_chunk_staging_blocks")), after.sum("nectar_chunk_staging_oldest_age_seconds")));
    if (after.has("nectar_cache_group_members")) {
      b.append(String.format(Locale.ROOT, "cache group: %d member(s)  from peers %s/s  fallbacks %d  served %s/s  peer errors %d%n",
          Math.round(after.sum("nectar_cache_group_members")), mib(peerBytes() / seconds), Math.round(delta("nectar_chunk_peer_fallbacks_total")),
          mib(delta("nectar_cache_server_bytes_served_total") / seconds), Math.round(delta("nectar_cache_peer_errors_total"))));
    }
    return b.toString();
  }

  private static String ms(double s) {
    return Double.isNaN(s) ? "-" : String.format(Locale.ROOT, "%.3f", s * 1000);
  }

  private static String mib(double bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1 << 20));
  }

  private static String num(double d) {
    return Double.isNaN(d) || Double.isInfinite(d) ? "null" : String.format(Locale.ROOT, "%.6g", d);
  }
}
