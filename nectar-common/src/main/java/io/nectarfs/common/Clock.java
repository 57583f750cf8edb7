package io.nectarfs.common;

/**
 * The time source of session heartbeats, trash expiry and caches, injectable so tests never sleep.
 */
public interface Clock {
  /** Wall-clock time in nanoseconds since the epoch (for file times). */
  long nowNanos();

  /** Wall-clock time in milliseconds since the epoch. */
  default long nowMillis() {
    return nowNanos() / 1_000_000L;
  }

  /**
   * Monotonic time in nanoseconds from an arbitrary origin, for durations and expiry (cache
   * lifetimes, delays, retry times); only differences are meaningful, and it never goes back. By
   * default {@link #nowNanos}, so a test clock that is only moved forward controls both; a clock
   * whose wall time can go back must override this.
   */
  default long monotonicNanos() {
    return nowNanos();
  }

  /** The system clock. */
  Clock SYSTEM = new Clock() {
    @Override
    public long nowNanos() {
      java.time.Instant i = java.time.Instant.now();
      return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @Override
    public long monotonicNanos() {
      return System.nanoTime();
    }
  };
}
