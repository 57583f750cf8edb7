package io.nectarfs.common;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A small registry of counters and operation timers, exposed in the Prometheus text format (the
 * {@code .stats} file of a mount and the metrics endpoint). Each layer registers its meters here
 * by name; names follow Prometheus conventions ({@code nectar_<layer>_<what>_total}).
 *
 * <p>Concurrency: meters are {@link LongAdder}s in a concurrent map; recording never blocks.
 */
public final class Metrics {
  private final Map<String, LongAdder> counters = new ConcurrentSkipListMap<>();
  private final Map<String, Timer> timers = new ConcurrentSkipListMap<>();

  /** Adds {@code n} to counter {@code name} (created on first use). */
  public void add(String name, long n) {
    counters.computeIfAbsent(name, k -> new LongAdder()).add(n);
  }

  /** The timer of an operation: count and total seconds ({@code <name>_count}, {@code <name>_sum}). */
  public Timer timer(String name) {
    return timers.computeIfAbsent(name, k -> new Timer());
  }

  /** A timer of one operation kind. */
  public static final class Timer {
    private final LongAdder count = new LongAdder();
    private final LongAdder nanos = new LongAdder();

    /** Records one operation that started at {@code startNanos} ({@link System#nanoTime}). */
    public void since(long startNanos) {
      count.increment();
      nanos.add(System.nanoTime() - startNanos);
    }

    public long count() {
      return count.sum();
    }
  }

  public long counter(String name) {
    LongAdder a = counters.get(name);
    return a == null ? 0 : a.sum();
  }

  /** The Prometheus text exposition of every meter, plus the gauges given. */
  public String prometheus(Map<String, Long> gauges) {
    StringBuilder b = new StringBuilder();
    counters.forEach((k, v) -> b.append("# TYPE ").append(k).append(" counter\n").append(k).append(' ').append(v.sum()).append('\n'));
    timers.forEach((k, t) -> {
      b.append("# TYPE ").append(k).append(" summary\n");
      b.append(k).append("_count ").append(t.count.sum()).append('\n');
      b.append(k).append("_sum ").append(String.format(Locale.ROOT, "%.6f", t.nanos.sum() / 1e9)).append('\n');
    });
    gauges.forEach((k, v) -> b.append("# TYPE ").append(k).append(" gauge\n").append(k).append(' ').append(v).append('\n'));
    return b.toString();
  }
}
