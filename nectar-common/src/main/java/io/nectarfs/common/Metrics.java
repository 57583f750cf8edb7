package io.nectarfs.common;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
 * record on the kept {@link Timer}/{@link io.micrometer.core.instrument.Counter}; nothing is looked
 * up by name per call.
 *
 * <p>{@link #disabled()} gives a registry whose meters record nothing (metrics switched off,
 * benchmarks of the overhead, tools).
 *
 * <p>Concurrency: thread-safe; recording never blocks.
 */
public final class Metrics {
  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;

  private Metrics(MeterRegistry registry, PrometheusMeterRegistry prometheus) {
    this.registry = registry;
    this.prometheus = prometheus;
  }

  /** A new Prometheus-backed registry whose meters all carry {@code commonTags} (name → value). */
  public static Metrics create(Map<String, String> commonTags) {
    PrometheusMeterRegistry p = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    List<Tag> tags = new ArrayList<>();
    commonTags.forEach((k, v) -> tags.add(Tag.of(k, Objects.requireNonNull(v, k))));
    p.config().commonTags(Tags.of(tags));
    return new Metrics(p, p);
  }

  /** A new Prometheus-backed registry without common tags. */
  public static Metrics create() {
    return create(Map.of());
  }

  /** A registry that records nothing; {@link #scrape()} is empty. */
  public static Metrics disabled() {
    return new Metrics(new CompositeMeterRegistry(), null);
  }

  /**
   * Adds common tags (pairs of key, value) to every meter registered from now on: the volume tags
   * them ({@code volume}, {@code mountpoint}) before its layers register, so a registry serves one
   * volume.
   */
  public Metrics addCommonTags(String... tags) {
    registry.config().commonTags(tags);
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
   * The latency histogram's bucket bounds: powers of two from 4 µs to about 67 s (25 buckets), the
   * resolution of a factor of two that percentiles of an operation's latency need, at a quarter of
   * the series (and a third of the recording cost) of Micrometer's default percentile buckets.
   */
  static final Duration[] LATENCY_BUCKETS = latencyBuckets();

  private static Duration[] latencyBuckets() {
    Duration[] b = new Duration[25];
    for (int i = 0; i < b.length; i++) {
      b[i] = Duration.ofNanos(4_000L << i);
    }
    return b;
  }

  /**
   * A latency timer {@code name} (base unit seconds, so Prometheus sees {@code name_seconds}) with
   * a histogram of {@link #LATENCY_BUCKETS}, tagged {@code tags} (pairs of key, value): the one
   * shape every layer uses for operation latency.
   */
  public Timer timer(String name, String description, String... tags) {
    return Timer.builder(name)
        .description(description)
        .tags(tags)
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry);
  }
}
