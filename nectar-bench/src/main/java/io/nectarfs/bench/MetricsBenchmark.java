package io.nectarfs.bench;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.nectarfs.common.Latency;
import io.nectarfs.common.Metrics;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What recording one operation costs on the hot path: our latency histogram ({@link
 * Metrics#latency}, what every layer uses), the Micrometer Prometheus timer with a percentile
 * histogram it replaced, and a counter; on the Prometheus registry and on the disabled one. The
 * recorded values are pseudo-random (1 µs to 1 ms) so that bucket searches cannot be predicted.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MetricsBenchmark {
  @Param({"prometheus", "disabled"})
  String registry;

  private Latency latency;
  private Timer micrometerTimer;
  private Counter counter;
  private long x = 0x9E3779B97F4A7C15L;

  @Setup
  public void setup() {
    Metrics m = registry.equals("prometheus") ? Metrics.create() : Metrics.disabled();
    latency = m.latency("nectar_bench_op", "benchmark", "op", "x");
    micrometerTimer = Timer.builder("nectar_bench_micrometer").tags("op", "x").publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(60)).register(m.registry());
    counter = Counter.builder("nectar_bench_things").register(m.registry());
  }

  private long nextValue() {
    x ^= x << 13;
    x ^= x >>> 7;
    x ^= x << 17;
    return 1_000 + (x & 0xFFFFF);
  }

  @Benchmark
  public void latencyRecord() {
    latency.record(nextValue());
  }

  @Benchmark
  public void micrometerTimerRecord() {
    micrometerTimer.record(nextValue(), TimeUnit.NANOSECONDS);
  }

  @Benchmark
  public void counterIncrement() {
    counter.increment();
  }
}
