package io.nectarfs.common;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The process-wide metrics registry (Micrometer with its Prometheus registry; see {@code
 * docs/decisions.md}). A process creates one with {@link #create} and hands it to every layer it
 * assembles ({@code io.nectarfs.volume.Volume} passes it to metadata, object storage, chunk store
 * and VFS); there is no static global, so each test creates its own.
 *
 * <p>Naming: Prometheus conventions, base units: {@code nectar_<layer>_<what>_total} for counters,
 * {@code _seconds} for timers (histograms), {@code _bytes} for sizes. Every meter carries the
 * common tags given at creation ({@code volume}, {@code mountpoint}). Tag values must never hold
 * secrets: a layer that wants to name its backend uses the scheme only, never a URL.
 *
 * <p>Hot path: layers register their meters once (per operation) when they are assembled and
 * record on the kept {@link Latency}/{@link io.micrometer.core.instrument.Counter}; nothing is looked
 * up by name per call. Latency histograms are our own ({@link Latency}: a fifth of a Micrometer
 * timer's cost per record), handed to the same Prometheus registry, so one scrape shows all.
 *
 * <p>{@link #disabled()} gives a registry whose meters record nothing (metrics switched off,
 * benchmarks of the overhead, tools).
 *
 * <p>Concurrency: thread-safe; recording never blocks.
 */
public final class Metrics {
  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  /** Latency histograms by Prometheus name ({@code ..._seconds}). */
  private final ConcurrentMap<String, Family> families = new ConcurrentHashMap<>();
  /** The tags every meter carries; copied on write, read at each scrape. */
  private volatile Map<String, String> commonTags = Map.of();

  private Metrics(MeterRegistry registry, PrometheusMeterRegistry prometheus, Map<String, String> commonTags) {
    this.registry = registry;
    this.prometheus = prometheus;
    this.commonTags = Map.copyOf(commonTags);
    if (prometheus != null) {
      prometheus.getPrometheusRegistry().register(new LatencyCollector());
    }
  }

  /** A new Prometheus-backed registry whose meters all carry {@code commonTags} (name → value). */
  public static Metrics create(Map<String, String> commonTags) {
    PrometheusMeterRegistry p = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    List<Tag> tags = new ArrayList<>();
    commonTags.forEach((k, v) -> tags.add(Tag.of(k, Objects.requireNonNull(v, k))));
    p.config().commonTags(Tags.of(tags));
    return new Metrics(p, p, commonTags);
  }

  /** A new Prometheus-backed registry without common tags. */
  public static Metrics create() {
    return create(Map.of());
  }

  /** A registry that records nothing; {@link #scrape()} is empty. */
  public static Metrics disabled() {
    return new Metrics(new CompositeMeterRegistry(), null, Map.of());
  }

  /**
   * Adds common tags (pairs of key, value) to every meter registered from now on: the volume tags
   * them ({@code volume}, {@code mountpoint}) before its layers register, so a registry serves one
   * volume.
   */
  public synchronized Metrics addCommonTags(String... tags) {
    registry.config().commonTags(tags);
    Map<String, String> m = new java.util.TreeMap<>(commonTags);
    m.putAll(pairs(tags));
    commonTags = Map.copyOf(m);
    return this;
  }

  /** Adds the JVM meters: heap and other memory pools, GC pauses, threads, classes, CPU. */
  public Metrics bindJvm() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry); // listens to GC notifications for the life of the process
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    return this;
  }

  /** The registry the layers register their meters in. */
  public MeterRegistry registry() {
    return registry;
  }

  /** Whether meters record anything (false for {@link #disabled()}). */
  public boolean enabled() {
    return prometheus != null;
  }

  /** Every meter in the Prometheus text exposition format (version 0.0.4); empty when disabled. */
  public String scrape() {
    return prometheus == null ? "" : prometheus.scrape();
  }

  /**
   * The latency histogram {@code name} (exported as {@code name_seconds}) tagged {@code tags}
   * (pairs of key, value): the one shape every layer uses for operation latency. Registering the
   * same name and tags again returns the same histogram; on a {@link #disabled()} registry it
   * records nothing.
   */
  public Latency latency(String name, String description, String... tags) {
    Map<String, String> t = pairs(tags);
    if (prometheus == null) {
      return new Latency(t, false);
    }
    Family f = families.computeIfAbsent(name + "_seconds", n -> new Family(description));
    return f.members.computeIfAbsent(t, k -> new Latency(k, true));
  }

  /** The latency histogram {@code name} with exactly {@code tags}, if registered (tools, tests). */
  public java.util.Optional<Latency> findLatency(String name, String... tags) {
    Family f = families.get(name + "_seconds");
    return f == null ? java.util.Optional.empty() : java.util.Optional.ofNullable(f.members.get(pairs(tags)));
  }

  /** Every latency histogram named {@code name}, whatever its tags (tools, tests). */
  public List<Latency> latencies(String name) {
    Family f = families.get(name + "_seconds");
    return f == null ? List.of() : List.copyOf(f.members.values());
  }

  private static Map<String, String> pairs(String... tags) {
    if (tags.length % 2 != 0) {
      throw new IllegalArgumentException("tags come in pairs of key and value, got " + tags.length + " strings");
    }
    Map<String, String> m = new java.util.TreeMap<>();
    for (int i = 0; i < tags.length; i += 2) {
      m.put(tags[i], Objects.requireNonNull(tags[i + 1], tags[i]));
    }
    return m;
  }

  /** The histograms of one name. */
  private record Family(String description, ConcurrentMap<Map<String, String>, Latency> members) {
    Family(String description) {
      this(description, new ConcurrentHashMap<>());
    }
  }

  /** Hands the latency histograms to the Prometheus registry at each scrape, with the common tags. */
  private final class LatencyCollector implements MultiCollector {
    @Override
    public MetricSnapshots collect() {
      double[] bounds = new double[Latency.BUCKETS + 1];
      for (int i = 0; i < Latency.BUCKETS; i++) {
        bounds[i] = Latency.upperBoundSeconds(i);
      }
      bounds[Latency.BUCKETS] = Double.POSITIVE_INFINITY;
      MetricSnapshots.Builder out = MetricSnapshots.builder();
      families.forEach((name, f) -> {
        HistogramSnapshot.Builder h = HistogramSnapshot.builder().name(name).help(f.description());
        f.members().values().forEach(l -> {
          Map<String, String> labels = new java.util.TreeMap<>(commonTags);
          labels.putAll(l.tags());
          h.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
              .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, l.perBucket()))
              .sum(l.totalSeconds())
              .labels(Labels.of(new ArrayList<>(labels.keySet()), new ArrayList<>(labels.values())))
              .build());
        });
        out.metricSnapshot(h.build());
      });
      return out.build();
    }
  }
}
