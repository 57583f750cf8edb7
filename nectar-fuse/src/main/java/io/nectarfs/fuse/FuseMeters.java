package io.nectarfs.fuse;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.nectarfs.common.Latency;
import io.nectarfs.common.Metrics;
import io.nectarfs.fuse.wire.OpTable;
import io.nectarfs.fuse.wire.Opcode;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The FUSE server's meters: {@code nectar_fuse_request_seconds{op}} for every opcode of the table
 * (pre-registered, so recording is an array index; the histogram's {@code _count} is the number of
 * requests), {@code nectar_fuse_errors_total{op}} (answered with an error), {@code
 * nectar_fuse_interrupts_total}, {@code nectar_fuse_unsupported_total} (answered ENOSYS), and
 * gauges of the requests in flight and of the background permits in use (the queue towards the
 * kernel's max_background).
 *
 * <p>Concurrency: immutable after construction; the meters are thread-safe.
 */
final class FuseMeters {
  private final Metrics metrics;
  private final Latency[] timers;
  private final Counter[] errors;
  final Counter interrupts;
  final Counter unsupported;
  private final Counter takeovers;
  private final Counter recoveries;
  /** Requests the kernel re-sent after a crash recovery (FUSE_NOTIFY_RESEND). */
  final Counter resent;
  private volatile double lastPauseSeconds;

  FuseMeters(Metrics metrics, OpTable table, int opcodes) {
    this.metrics = metrics;
    timers = new Latency[opcodes];
    errors = new Counter[opcodes];
    perOpcode(metrics, table, timers, errors);
    interrupts = Counter.builder("nectar_fuse_interrupts").description("FUSE_INTERRUPT requests received").register(metrics.registry());
    unsupported = Counter.builder("nectar_fuse_unsupported").description("FUSE requests answered ENOSYS").register(metrics.registry());
    takeovers = Counter.builder("nectar_fuse_takeovers").description("planned takeovers of the mount by this process").register(metrics.registry());
    recoveries = Counter.builder("nectar_fuse_crash_recoveries").description("times this process took over the mount after its previous server crashed")
        .register(metrics.registry());
    resent = Counter.builder("nectar_fuse_resent_requests").description("requests the kernel re-sent after a crash recovery (FUSE_NOTIFY_RESEND)")
        .register(metrics.registry());
    Gauge.builder("nectar_fuse_takeover_pause_seconds", () -> lastPauseSeconds)
        .description("the last takeover's pause: from the predecessor's stop-reading to this process serving").register(metrics.registry());
  }

  /**
   * Registers the per-opcode meters in {@code metrics} ahead of a server (a successor does so
   * before the takeover's pause: the server's own registration then finds them). Registers no
   * gauge, so nothing points at a server that is not the one serving.
   */
  static void preRegister(Metrics metrics, OpTable table, int opcodes) {
    perOpcode(metrics, table, new Latency[opcodes], new Counter[opcodes]);
  }

  private static void perOpcode(Metrics metrics, OpTable table, Latency[] timers, Counter[] errors) {
    for (int code = 0; code < timers.length; code++) {
      if (table.get(code) != null) {
        String op = Opcode.name(code).toLowerCase(Locale.ROOT);
        timers[code] = metrics.latency("nectar_fuse_request", "latency of FUSE requests (handler time)", "op", op);
        errors[code] = Counter.builder("nectar_fuse_errors").tag("op", op).description("FUSE requests answered with an error")
            .register(metrics.registry());
      }
    }
  }

  /** Records a takeover with its pause. */
  void takeover(long pauseNanos) {
    lastPauseSeconds = pauseNanos / 1e9;
    takeovers.increment();
  }

  /** Records a crash recovery (its pause: {@link #takeover}). */
  void recovery() {
    recoveries.increment();
  }

  /** Records one handled request of {@code opcode} that started at {@code startNanos}. */
  void handled(int opcode, long startNanos, boolean failed) {
    if (opcode >= 0 && opcode < timers.length && timers[opcode] != null) {
      timers[opcode].record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
      if (failed) {
        errors[opcode].increment();
      }
    }
  }

  void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(metrics.registry());
  }
}
