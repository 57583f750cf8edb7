package io.nectarfs.meta.kv;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nectarfs.common.Latency;
import io.nectarfs.common.Metrics;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A {@link TxnKv} that records each transaction attempt in the process registry: {@code
 * nectar_meta_txn_seconds{op,engine}} (latency histogram per kind: {@code txn}, {@code read},
 * {@code bulk_read}), {@code nectar_meta_txn_conflicts_total{op,engine}} (attempts rolled back on
 * a conflict) and {@code nectar_meta_txn_retries_total{op,engine}} (attempts {@link Transactions}
 * started again after one). {@code engine} is the URL scheme only ({@code postgres}, {@code
 * redis}, ...): the address never becomes a label. Create through {@link #wrap}; the engine's
 * capabilities ({@link KvNotifier}) pass through.
 *
 * <p>Concurrency: stateless apart from the thread-safe meters, registered once at construction.
 */
public final class MeteredTxnKv implements TxnKv {
  private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9+.-]*");

  enum Kind {
    TXN, READ, BULK_READ;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  private final TxnKv next;
  private final Latency[] timers = new Latency[Kind.values().length];
  private final Counter[] conflicts = new Counter[Kind.values().length];
  private final Counter[] retries = new Counter[Kind.values().length];

  MeteredTxnKv(TxnKv next, Metrics metrics) {
    this.next = next;
    String engine = engine(next.describe());
    MeterRegistry r = metrics.registry();
    for (Kind k : Kind.values()) {
      timers[k.ordinal()] = metrics.latency("nectar_meta_txn", "latency of metadata transaction attempts", "op", k.label, "engine", engine);
      conflicts[k.ordinal()] = Counter.builder("nectar_meta_txn_conflicts").tags("op", k.label, "engine", engine)
          .description("metadata transaction attempts rolled back on a conflict").register(r);
      retries[k.ordinal()] = Counter.builder("nectar_meta_txn_retries").tags("op", k.label, "engine", engine)
          .description("metadata transactions tried again after a conflict").register(r);
    }
  }

  /** {@code kv} recording in {@code metrics}, with the engine's capabilities. */
  public static TxnKv wrap(TxnKv kv, Metrics metrics) {
    return new MeteredTxnKv(kv, metrics);
  }

  /**
   * The {@code engine} label for a (redacted) engine description: its URL scheme only, "unknown"
   * when it has none, so an address or credential never becomes a label.
   */
  public static String engine(String describe) {
    int i = describe == null ? -1 : describe.indexOf("://");
    String s = i < 0 ? "" : describe.substring(0, i).toLowerCase(Locale.ROOT);
    return SCHEME.matcher(s).matches() ? s : "unknown";
  }

  /** The engine below (tests). */
  TxnKv inner() {
    return next;
  }

  /** Called by {@link Transactions} before it starts a transaction again after a conflict. */
  void retried(Kind kind) {
    retries[kind.ordinal()].increment();
  }

  private void record(Kind k, long t0) {
    timers[k.ordinal()].record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
  }

  // Each method times itself inline (no lambda through one shared helper: see MeteredMeta).

  @Override
  public <T> T txn(Body<T> body) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.txn(body);
    } catch (KvConflictException e) {
      conflicts[Kind.TXN.ordinal()].increment();
      throw e;
    } finally {
      record(Kind.TXN, t0);
    }
  }

  @Override
  public <T> T read(Body<T> body) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.read(body);
    } catch (KvConflictException e) {
      conflicts[Kind.READ.ordinal()].increment();
      throw e;
    } finally {
      record(Kind.READ, t0);
    }
  }

  @Override
  public <T> Bulk<T> bulkRead(int pageSize, Body<T> body) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.bulkRead(pageSize, body);
    } catch (KvConflictException e) {
      conflicts[Kind.BULK_READ.ordinal()].increment();
      throw e;
    } finally {
      record(Kind.BULK_READ, t0);
    }
  }

  /** The engine's capabilities: notifications are not transactions and pass through unrecorded. */
  @Override
  public <T> java.util.Optional<T> capability(Class<T> type) {
    return next.capability(type);
  }

  @Override
  public String describe() {
    return next.describe();
  }

  @Override
  public void reset() throws IOException {
    next.reset();
  }

  @Override
  public void close() throws IOException {
    next.close();
  }
}
