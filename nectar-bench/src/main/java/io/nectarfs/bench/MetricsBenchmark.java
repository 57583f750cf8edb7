package io.nectarfs.bench;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.nectarfs.common.Metrics;
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
 * What recording one operation costs on the hot path: a latency histogram (the shape every layer
 * uses, {@link Metrics#timer}) and a counter, on the Prometheus registry and on the disabled one.
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

  private Timer timer;
  private Counter counter;
  private long t;

  @Setup
  public void setup() {
    Metrics m = registry.equals("prometheus") ? Metrics.create() : Metrics.disabled();
    timer = m.timer("nectar_bench_op", "benchmark", "op", "x");
    counter = Counter.builder("nectar_bench_things").register(m.registry());
  }

  @Benchmark
  public void timerRecord() {
    timer.record(++t & 0xfffff, TimeUnit.NANOSECONDS);
  }

  @Benchmark
  public void counterIncrement() {
    counter.increment();
  }
}
