package io.nectarfs.common;

import java.util.ArrayList;
import java.util.List;

/**
 * A cancellation token: one operation's "stop, nobody waits for the answer any more" signal (a
 * FUSE INTERRUPT, a front end's client that went away). Carried by {@link Ctx}; code checks it at
 * its check points ({@link Ctx#checkCancelled()}) and waits register a callback to wake up.
 *
 * <p>Cancelling never interrupts a thread: an engine or object request already on the wire
 * finishes, and the operation stops at its next check point. That keeps driver connections
 * (JDBC, Jedis, HTTP) intact, which {@link Thread#interrupt()} would close.
 *
 * <p>Concurrency: thread-safe. {@code cancelled} only goes from false to true. Callbacks are kept
 * under the token's monitor until the token is cancelled; each registered callback runs exactly
 * once, on the thread that cancels (or at once on the registering thread if the token is already
 * cancelled), outside the monitor, unless its registration was closed before. Callbacks must be
 * short and must not block: they wake waiters or write one reply.
 */
public final class Cancellation {
  /** A token that is never cancelled (background work, administrative commands). */
  public static final Cancellation NONE = new Cancellation(false);

  private final boolean cancellable;
  private volatile boolean cancelled;
  private List<Runnable> callbacks = new ArrayList<>(2); // null once cancelled; guarded by this

  private Cancellation(boolean cancellable) {
    this.cancellable = cancellable;
  }

  /** A new token, not cancelled. */
  public static Cancellation create() {
    return new Cancellation(true);
  }

  /** Whether this token can ever be cancelled (false only for {@link #NONE}). */
  public boolean cancellable() {
    return cancellable;
  }

  public boolean isCancelled() {
    return cancelled;
  }

  /**
   * Cancels the token and runs the registered callbacks. Idempotent: only the first call runs
   * them and returns true. A callback that throws does not stop the others; the first failure is
   * rethrown after all ran.
   *
   * @throws UnsupportedOperationException on {@link #NONE}
   */
  public boolean cancel() {
    if (!cancellable) {
      throw new UnsupportedOperationException("Cancellation.NONE cannot be cancelled");
    }
    List<Runnable> run;
    synchronized (this) {
      if (cancelled) {
        return false;
      }
      cancelled = true;
      run = callbacks;
      callbacks = null;
    }
    RuntimeException first = null;
    for (Runnable r : run) {
      try {
        r.run();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
    return true;
  }

  /**
   * Runs {@code callback} when the token is cancelled, or at once (on this thread) if it already
   * is. Close the returned registration when the wait it serves is over, so that long-lived
   * tokens do not collect callbacks; closing after the callback ran does nothing.
   */
  public Registration onCancel(Runnable callback) {
    if (!cancellable) {
      return Registration.NOOP;
    }
    synchronized (this) {
      if (!cancelled) {
        callbacks.add(callback);
        return () -> {
          synchronized (Cancellation.this) {
            if (callbacks != null) {
              callbacks.remove(callback);
            }
          }
        };
      }
    }
    callback.run();
    return Registration.NOOP;
  }

  @Override
  public String toString() {
    return !cancellable ? "Cancellation.NONE" : cancelled ? "Cancellation[cancelled]" : "Cancellation[active]";
  }

  /** A registered callback; {@link #close} unregisters it. */
  @FunctionalInterface
  public interface Registration extends AutoCloseable {
    Registration NOOP = () -> {};

    @Override
    void close();
  }
}
