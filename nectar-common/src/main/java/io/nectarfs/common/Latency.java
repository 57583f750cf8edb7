package io.nectarfs.common;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One latency histogram of the process registry ({@link Metrics#latency}), exported as a
 * Prometheus histogram {@code NAME_seconds} with cumulative buckets whose upper bounds are powers
 * of two from 4 µs to about 67 s ({@link #BUCKETS} of them, then {@code +Inf}).
 *
 * <p>Why not a Micrometer {@code Timer}: every operation records in three to five layers, and a
 * Micrometer Prometheus timer costs about 100 ns per record here (a bucket search, a time-window
 * rotation with a clock read, a max, two adders), which the hot path paid per layer. This records
 * with a bucket index from the bit length of the value and two uncontended adders (measured with
 * {@code ObservabilityBenchmark}, numbers in {@code docs/decisions.md}).
 *
 * <p>Concurrency: lock-free; {@link #record} may run on any number of threads while a scrape
 * reads. A scrape sees each adder at some moment, so a bucket and the count may differ by records
 * in flight (Prometheus tolerates this; the next scrape is consistent again).
 */
public final class Latency {
  /** Finite buckets: bucket {@code i} holds values up to {@code 4 µs << i}. */
  public static final int BUCKETS = 25;
  private static final long FIRST_BOUND_NANOS = 4_000;

  private final Map<String, String> tags;
  /** Per bucket, the records that fell into it (not cumulative); index {@link #BUCKETS} is +Inf. Null: recording is off. */
  private final LongAdder[] counts;
  private final LongAdder sumNanos;

  Latency(Map<String, String> tags, boolean enabled) {
    this.tags = Map.copyOf(tags);
    if (enabled) {
      counts = new LongAdder[BUCKETS + 1];
      for (int i = 0; i < counts.length; i++) {
        counts[i] = new LongAdder();
      }
      sumNanos = new LongAdder();
    } else {
      counts = null;
      sumNanos = null;
    }
  }

  /** The upper bound of finite bucket {@code i}, in seconds. */
  public static double upperBoundSeconds(int i) {
    return (FIRST_BOUND_NANOS << i) / 1e9;
  }

  /** The bucket of a value: the smallest {@code i} with {@code nanos <= 4 µs << i}, or {@link #BUCKETS}. */
  static int bucket(long nanos) {
    if (nanos <= FIRST_BOUND_NANOS) {
      return 0;
    }
    return Math.min(BUCKETS, 64 - Long.numberOfLeadingZeros((nanos - 1) / FIRST_BOUND_NANOS));
  }

  /** Records one operation that took {@code nanos} (negative values count as 0). */
  public void record(long nanos) {
    LongAdder[] c = counts;
    if (c == null) {
      return;
    }
    long n = Math.max(0, nanos);
    c[bucket(n)].increment();
    sumNanos.add(n);
  }

  /** Records one operation that took {@code amount} {@code unit}s. */
  public void record(long amount, TimeUnit unit) {
    record(unit.toNanos(amount));
  }

  /** The operations recorded so far (0 when recording is off). */
  public long count() {
    if (counts == null) {
      return 0;
    }
    long n = 0;
    for (LongAdder a : counts) {
      n += a.sum();
    }
    return n;
  }

  /** Their total time in seconds. */
  public double totalSeconds() {
    return sumNanos == null ? 0 : sumNanos.sum() / 1e9;
  }

  /** The labels of this histogram (without the registry's common tags). */
  public Map<String, String> tags() {
    return tags;
  }

  /** Records per bucket (not cumulative), {@code +Inf} last ({@link #BUCKETS} + 1 values). */
  long[] perBucket() {
    long[] out = new long[BUCKETS + 1];
    for (int i = 0; i <= BUCKETS && counts != null; i++) {
      out[i] = counts[i].sum();
    }
    return out;
  }
}
