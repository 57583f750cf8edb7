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

  /** The system clock. */
  Clock SYSTEM =
      () -> {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
      };
}
