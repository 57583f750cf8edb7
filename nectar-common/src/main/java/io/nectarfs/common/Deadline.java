package io.nectarfs.common;

import java.time.Duration;

/**
 * The time by which an operation must be done, on an injected {@link Clock} (so tests move time
 * instead of sleeping). Past it, {@link Ctx#checkCancelled()} fails with {@link Errno#ETIMEDOUT}.
 *
 * <p>The clock is the monotonic reading {@link Clock#monotonicNanos()}: a step of the wall clock
 * does not move deadlines. Waits that honour a deadline re-read the clock at least every {@link #MAX_WAIT_NANOS},
 * so an injected clock that jumps is noticed without the waiter being woken.
 *
 * @param clock the time source
 * @param atNanos the deadline in {@code clock}'s nanoseconds; {@link Long#MAX_VALUE}: none
 */
public record Deadline(Clock clock, long atNanos) {
  /** No deadline. */
  public static final Deadline NONE = new Deadline(Clock.SYSTEM, Long.MAX_VALUE);

  /** The longest a deadline-honouring wait sleeps before it looks at the clock again. */
  public static final long MAX_WAIT_NANOS = 100_000_000L;

  public Deadline {
    if (clock == null) {
      throw new IllegalArgumentException("a deadline needs a clock");
    }
  }

  /** The deadline {@code timeout} from now on {@code clock} (saturating: never overflows). */
  public static Deadline after(Clock clock, Duration timeout) {
    long now = clock.monotonicNanos();
    long t = timeout.isNegative() ? 0 : saturatedNanos(timeout);
    long at = now + t < now ? Long.MAX_VALUE - 1 : now + t;
    return new Deadline(clock, Math.min(at, Long.MAX_VALUE - 1));
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** Whether this is a real deadline (not {@link #NONE}). */
  public boolean isSet() {
    return atNanos != Long.MAX_VALUE;
  }

  /** Whether the deadline has passed. */
  public boolean passed() {
    return isSet() && clock.monotonicNanos() >= atNanos;
  }

  /** Nanoseconds left (0 when passed; {@link Long#MAX_VALUE} without a deadline). */
  public long remainingNanos() {
    return isSet() ? Math.max(0, atNanos - clock.monotonicNanos()) : Long.MAX_VALUE;
  }

  /** The earlier of the two deadlines. */
  public Deadline min(Deadline other) {
    return other.atNanos < atNanos ? other : this;
  }
}
