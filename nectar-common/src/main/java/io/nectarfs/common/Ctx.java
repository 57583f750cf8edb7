package io.nectarfs.common;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Who performs an operation and under which limits: the caller's uid, primary gid, supplementary
 * gids and pid, plus a {@link Cancellation} token and a {@link Deadline}. The first parameter of
 * every metadata and VFS operation (no thread-locals).
 *
 * <h2>Cancellation and deadlines</h2>
 *
 * Long operations call {@link #checkCancelled()} at their check points: between engine round
 * trips (transaction attempts and the calls inside a transaction body), before object requests,
 * in read/write loops; waits wake up on cancellation ({@link #await}, or a callback registered
 * with {@link Cancellation#onCancel}). A request already on the wire is never interrupted: the
 * operation stops at the next check point, with {@link Errno#EINTR} when cancelled or {@link
 * Errno#ETIMEDOUT} when the deadline passed. A metadata operation stopped this way committed
 * either whole or not at all. {@link #ROOT}, {@link #of} and the four-argument constructor carry
 * {@link Cancellation#NONE} and {@link Deadline#NONE}: they never stop.
 *
 * <h2>Equality</h2>
 *
 * Two contexts are equal when they name the same caller (uid, gid, gids, pid): the token and the
 * deadline describe one call, not who makes it, so a context with a deadline equals the same
 * caller's context without one ({@code hashCode} agrees).
 *
 * @param uid user id
 * @param gid primary group id
 * @param gids supplementary group ids (may include {@code gid}); never modified
 * @param pid process id, 0 when unknown
 * @param cancellation the operation's cancellation token ({@link Cancellation#NONE}: none)
 * @param deadline the operation's deadline ({@link Deadline#NONE}: none)
 */
public record Ctx(int uid, int gid, int[] gids, int pid, Cancellation cancellation, Deadline deadline) {
  /** The super-user, for internal and administrative work. */
  public static final Ctx ROOT = new Ctx(0, 0, new int[0], 0);

  private static final ScopedValue<Ctx> CURRENT = ScopedValue.newInstance();

  public Ctx {
    gids = gids.clone();
    cancellation = cancellation == null ? Cancellation.NONE : cancellation;
    deadline = deadline == null ? Deadline.NONE : deadline;
  }

  /** A caller without cancellation or deadline. */
  public Ctx(int uid, int gid, int[] gids, int pid) {
    this(uid, gid, gids, pid, Cancellation.NONE, Deadline.NONE);
  }

  /** A context for {@code uid}/{@code gid} with no supplementary groups. */
  public static Ctx of(int uid, int gid) {
    return new Ctx(uid, gid, new int[0], 0);
  }

  public boolean isRoot() {
    return uid == 0;
  }

  /** Whether the caller is in group {@code g} (primary or supplementary). */
  public boolean inGroup(int g) {
    if (gid == g) {
      return true;
    }
    for (int x : gids) {
      if (x == g) {
        return true;
      }
    }
    return false;
  }

  @Override
  public int[] gids() {
    return gids.clone();
  }

  /** The same caller with {@code token} as its cancellation token. */
  public Ctx withCancellation(Cancellation token) {
    return new Ctx(uid, gid, gids, pid, token, deadline);
  }

  /**
   * Another identity for the same call: {@code uid}, {@code gid}, {@code gids} with this call's pid,
   * cancellation token and deadline (identity mapping must not detach a call from its INTERRUPT).
   */
  public Ctx as(int uid, int gid, int[] gids) {
    return new Ctx(uid, gid, gids, pid, cancellation, deadline);
  }

  /** The same caller with {@code d} as its deadline (replacing any earlier one). */
  public Ctx withDeadline(Deadline d) {
    return new Ctx(uid, gid, gids, pid, cancellation, d);
  }

  /** The same caller with a deadline {@code timeout} from now on {@code clock}, or the current one if earlier. */
  public Ctx withTimeout(Clock clock, java.time.Duration timeout) {
    return withDeadline(deadline.min(Deadline.after(clock, timeout)));
  }

  /**
   * The same caller without token and deadline: for clean-up that must finish even though the
   * operation it belongs to was cancelled (releasing a handle the caller will never see).
   */
  public Ctx uncancellable() {
    return cancellation == Cancellation.NONE && deadline == Deadline.NONE ? this : new Ctx(uid, gid, gids, pid);
  }

  /** Whether the token is cancelled or the deadline passed. */
  public boolean isCancelled() {
    return cancellation.isCancelled() || deadline.passed();
  }

  /**
   * A check point: returns normally unless the operation should stop.
   *
   * @throws FsException {@link Errno#EINTR} when cancelled, {@link Errno#ETIMEDOUT} when the
   *     deadline passed
   */
  public void checkCancelled() throws FsException {
    if (cancellation.isCancelled()) {
      throw Errno.EINTR.exception("operation cancelled");
    }
    if (deadline.passed()) {
      throw Errno.ETIMEDOUT.exception("operation deadline passed");
    }
  }

  /**
   * Waits for {@code f} like {@link CompletableFuture#get()}, but wakes up when this context is
   * cancelled or its deadline passes (the future itself is left alone: others may wait for it).
   *
   * @throws FsException EINTR or ETIMEDOUT as {@link #checkCancelled()}
   * @throws InterruptedIOException if the thread is interrupted
   * @throws ExecutionException if {@code f} failed
   */
  public <T> T await(CompletableFuture<T> f) throws IOException, ExecutionException {
    try {
      if (!cancellation.cancellable() && !deadline.isSet()) {
        return f.get();
      }
      CompletableFuture<Void> woken = new CompletableFuture<>();
      try (Cancellation.Registration r = cancellation.onCancel(() -> woken.complete(null))) {
        CompletableFuture<Object> either = CompletableFuture.anyOf(f, woken);
        while (!f.isDone()) {
          checkCancelled();
          try {
            if (deadline.isSet()) {
              either.get(Math.min(deadline.remainingNanos(), Deadline.MAX_WAIT_NANOS), TimeUnit.NANOSECONDS);
            } else {
              either.get();
            }
          } catch (TimeoutException | ExecutionException e) {
            // the loop looks again: f failed (get below throws), or time to re-read the clock
          }
        }
      }
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting");
    }
  }

  /** A call that {@link #callAs} runs. */
  @FunctionalInterface
  public interface IoCall<T> {
    T call() throws IOException;
  }

  /**
   * Runs {@code op} with this context as {@link #current()} on this thread (a {@link ScopedValue}
   * binding for the extent of the call), for the one layer whose SPI carries no context: object
   * store decorators (the retry layer checks it between retries). Everything else takes its
   * {@code Ctx} as a parameter.
   */
  public <T> T callAs(IoCall<T> op) throws IOException {
    if (!cancellation.cancellable() && !deadline.isSet()) {
      return op.call();
    }
    return ScopedValue.where(CURRENT, this).call(op::call);
  }

  /** The context bound by {@link #callAs} around the current call, or {@link #ROOT} (never stops) outside one. */
  public static Ctx current() {
    return CURRENT.orElse(ROOT);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ctx c && c.uid == uid && c.gid == gid && c.pid == pid && Arrays.equals(c.gids, gids);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * uid + gid) + Arrays.hashCode(gids);
  }

  @Override
  public String toString() {
    return "Ctx[uid=" + uid + ", gid=" + gid + ", gids=" + Arrays.toString(gids) + ", pid=" + pid
        + (cancellation.isCancelled() ? ", cancelled" : "") + (deadline.isSet() ? ", deadline=" + deadline.atNanos() : "") + "]";
  }
}
