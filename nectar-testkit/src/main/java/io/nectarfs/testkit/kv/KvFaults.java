package io.nectarfs.testkit.kv;

import io.nectarfs.meta.kv.KvNotifier;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A fault plan for {@link TxnKv} engines: {@link #wrap} puts it in front of any engine, so that the
 * metadata code above meets the failures real engines produce, on purpose and reproducibly.
 *
 * <h2>Faults</h2>
 *
 * <ul>
 *   <li>{@link Fault#LATENCY}: the call waits a while, then proceeds (widens race windows).
 *   <li>{@link Fault#CONFLICT}: the call throws {@link io.nectarfs.meta.kv.KvConflictException}
 *       without reaching the engine; at {@link Point#COMMIT} the body has run and is rolled back.
 *       Either way nothing is written, as the {@link TxnKv} contract promises for conflicts, so
 *       {@code Transactions} retries it. A body that swallows an injected conflict still fails at
 *       commit, as on a real engine.
 *   <li>{@link Fault#ERROR}: the call throws an {@link InjectedException} (not retryable); at
 *       {@link Point#COMMIT} the transaction is rolled back: the commit did not happen and the
 *       client sees an error (a lost connection before the commit reached the server).
 *   <li>{@link Fault#COMMIT_UNACKNOWLEDGED}: only at {@link Point#COMMIT}: the transaction
 *       commits, then the client sees an {@link InjectedException} (the answer was lost).
 * </ul>
 *
 * <h2>Determinism</h2>
 *
 * <p>Random decisions come from one generator seeded by {@link #builder(long)}: a single-threaded
 * sequence of calls meets exactly the same faults on every run. A {@link Rule} chooses faults for
 * chosen calls instead (by point, transaction and call number). To guarantee progress no thread
 * sees more than {@code maxConsecutive} conflicted transactions in a row (retries then succeed well
 * within {@code Transactions.MAX_ATTEMPTS}). {@link Builder#afterConflict} lets another client act
 * between two attempts of one transaction, so that the retry takes another path than the attempt
 * that was rolled back.
 *
 * <p>Thread-safe: the generator is used under this object's lock; counters are atomic.
 */
public final class KvFaults {
  /** Where in a transaction a fault may strike. */
  public enum Point {
    GET, GET_ALL, SCAN, PUT, DELETE, INCR,
    /** The end of a transaction (write, read-only or bulk), after the body returned. */
    COMMIT
  }

  /** What happens at a call. */
  public enum Fault {
    NONE, LATENCY, CONFLICT, ERROR, COMMIT_UNACKNOWLEDGED
  }

  /**
   * One call as the plan sees it: {@code txn} numbers transactions from 1 in the order they
   * started, {@code index} numbers the calls inside one attempt from 0.
   */
  public record Call(Point point, Kind kind, long txn, int index) {}

  /** The kind of transaction a call belongs to. */
  public enum Kind {
    WRITE, READ, BULK
  }

  /** Chooses the fault of a call; return null to let the random plan decide. */
  @FunctionalInterface
  public interface Rule {
    Fault decide(Call call);
  }

  /** An error this plan injected (a real engine would have thrown an {@link IOException}). */
  public static final class InjectedException extends IOException {
    private static final long serialVersionUID = 1L;

    InjectedException(String message) {
      super(message);
    }
  }

  private final SplittableRandom random;
  private final double latency;
  private final Duration maxLatency;
  private final double conflicts;
  private final double errors;
  private final double commitsLost;
  private final double commitsUnacknowledged;
  private final int maxConsecutive;
  private final Rule rule;
  private final Consumer<Call> afterConflict;
  private final Map<Fault, AtomicLong> counts = new EnumMap<>(Fault.class);
  private final AtomicLong txns = new AtomicLong();
  private final ThreadLocal<int[]> consecutiveConflicts = ThreadLocal.withInitial(() -> new int[1]);
  private volatile boolean enabled = true;

  private KvFaults(Builder b) {
    this.random = new SplittableRandom(b.seed);
    this.latency = b.latency;
    this.maxLatency = b.maxLatency;
    this.conflicts = b.conflicts;
    this.errors = b.errors;
    this.commitsLost = b.commitsLost;
    this.commitsUnacknowledged = b.commitsUnacknowledged;
    this.maxConsecutive = b.maxConsecutive;
    this.rule = b.rule;
    this.afterConflict = b.afterConflict;
    for (Fault f : Fault.values()) {
      counts.put(f, new AtomicLong());
    }
  }

  /** A plan whose random decisions follow {@code seed}; by default it injects nothing. */
  public static Builder builder(long seed) {
    return new Builder(seed);
  }

  /**
   * Faults that a correct client survives without any visible difference: conflicts anywhere (also
   * after the body ran) and short latency, each on about {@code rate} of the calls.
   */
  public static KvFaults retryable(long seed, double rate) {
    return builder(seed).conflicts(rate).latency(rate, Duration.ofMillis(1)).build();
  }

  /** Wraps {@code engine}; the wrapper keeps the engine's capabilities ({@link KvNotifier}). */
  public TxnKv wrap(TxnKv engine) {
    return new FaultyKv(engine, this);
  }

  /** Turns injection on or off (e.g. off while a test sets up or checks the volume). */
  public void enabled(boolean on) {
    this.enabled = on;
  }

  /** How many faults of {@code kind} were injected so far. */
  public long injected(Fault kind) {
    return counts.get(kind).get();
  }

  /** The total number of faults injected so far (latency included). */
  public long injected() {
    return counts.entrySet().stream().filter(e -> e.getKey() != Fault.NONE).mapToLong(e -> e.getValue().get()).sum();
  }

  /** How many transactions (attempts) ran through wrappers of this plan so far. */
  public long transactions() {
    return txns.get();
  }

  long nextTxn() {
    return txns.incrementAndGet();
  }

  /** Decides the fault of {@code call} and counts it. */
  Fault decide(Call call) {
    if (!enabled) {
      return Fault.NONE;
    }
    Fault f = rule == null ? null : rule.decide(call);
    if (f == null) {
      f = randomFault(call.point() == Point.COMMIT, call.kind() == Kind.WRITE);
    }
    if (f == Fault.COMMIT_UNACKNOWLEDGED && (call.point() != Point.COMMIT || call.kind() != Kind.WRITE)) {
      f = Fault.ERROR; // only a commit that writes can happen unseen
    }
    if (f == Fault.CONFLICT && consecutiveConflicts.get()[0] >= maxConsecutive) {
      f = Fault.NONE;
    }
    counts.get(f).incrementAndGet();
    return f;
  }

  private synchronized Fault randomFault(boolean commit, boolean writes) {
    double r = random.nextDouble();
    if ((r -= conflicts) < 0) {
      return Fault.CONFLICT;
    }
    if ((r -= errors) < 0) {
      return Fault.ERROR;
    }
    if (commit && (r -= commitsLost) < 0) {
      return Fault.ERROR;
    }
    if (commit && writes && (r -= commitsUnacknowledged) < 0) {
      return Fault.COMMIT_UNACKNOWLEDGED;
    }
    if ((r -= latency) < 0) {
      return Fault.LATENCY;
    }
    return Fault.NONE;
  }

  /** Runs the {@link Builder#afterConflict} action for an attempt that {@code call} conflicted. */
  void conflicted(Call call) {
    if (afterConflict != null) {
      afterConflict.accept(call);
    }
  }

  /** Records how a transaction of this thread ended, for the progress guarantee. */
  void ended(boolean conflicted) {
    int[] c = consecutiveConflicts.get();
    c[0] = conflicted ? c[0] + 1 : 0;
  }

  void pause() throws IOException {
    long nanos;
    synchronized (this) {
      nanos = random.nextLong(Math.max(1, maxLatency.toNanos()) + 1);
    }
    try {
      Thread.sleep(Duration.ofNanos(nanos));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted during injected latency");
    }
  }

  /** Builds a {@link KvFaults}; rates are probabilities per call (0 to 1). */
  public static final class Builder {
    private final long seed;
    private double latency;
    private Duration maxLatency = Duration.ofMillis(1);
    private double conflicts;
    private double errors;
    private double commitsLost;
    private double commitsUnacknowledged;
    private int maxConsecutive = 3;
    private Rule rule;
    private Consumer<Call> afterConflict;

    private Builder(long seed) {
      this.seed = seed;
    }

    /** A wait of up to {@code max} on about {@code rate} of the calls. */
    public Builder latency(double rate, Duration max) {
      this.latency = check(rate);
      this.maxLatency = max;
      return this;
    }

    /** An injected conflict on about {@code rate} of the calls, commits included. */
    public Builder conflicts(double rate) {
      this.conflicts = check(rate);
      return this;
    }

    /** A non-retryable error on about {@code rate} of the calls, commits included (then rolled back). */
    public Builder errors(double rate) {
      this.errors = check(rate);
      return this;
    }

    /** About {@code rate} of the commits do not happen and the client sees an error. */
    public Builder commitsLost(double rate) {
      this.commitsLost = check(rate);
      return this;
    }

    /** About {@code rate} of the commits of write transactions happen, but the client sees an error. */
    public Builder commitsUnacknowledged(double rate) {
      this.commitsUnacknowledged = check(rate);
      return this;
    }

    /** At most {@code n} conflicted transactions in a row per thread (default 3). */
    public Builder maxConsecutiveConflicts(int n) {
      this.maxConsecutive = n;
      return this;
    }

    /** Chooses the faults of chosen calls; calls it leaves alone (null) follow the rates. */
    public Builder rule(Rule r) {
      this.rule = r;
      return this;
    }

    /**
     * Runs {@code action} after each injected conflict rolled an attempt back, before the caller
     * sees it (and retries): outside any transaction of the wrapper, on the caller's thread. Tests
     * use it to let another client change the state between two attempts of one transaction,
     * deterministically.
     */
    public Builder afterConflict(Consumer<Call> action) {
      this.afterConflict = action;
      return this;
    }

    public KvFaults build() {
      return new KvFaults(this);
    }

    private static double check(double rate) {
      if (!(rate >= 0 && rate <= 1)) {
        throw new IllegalArgumentException("a rate is a probability from 0 to 1, not " + rate);
      }
      return rate;
    }
  }
}
