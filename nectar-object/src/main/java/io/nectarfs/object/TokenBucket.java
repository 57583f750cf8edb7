package io.nectarfs.object;

import java.io.InterruptedIOException;

/**
 * A blocking token bucket of bytes per second.
 *
 * <p>Concurrency: callers reserve tokens under the monitor and sleep outside it, so threads are
 * served in the order they reserved (fair enough: a large request delays those after it). Up to
 * {@value #BURST_MS} ms worth of unused capacity may be spent at once. Invariants: {@code
 * nextFree} never lies more than the burst before now after a reservation.
 */
final class TokenBucket {
  static final long BURST_MS = 50;
  /** Requests are split into chunks of this many bytes so one large read does not hog the line. */
  static final int CHUNK = 64 << 10;

  private final long bytesPerSecond;
  private long nextFree = System.nanoTime(); // when the capacity reserved so far is used up

  TokenBucket(long bytesPerSecond) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("rate must be positive");
    }
    this.bytesPerSecond = bytesPerSecond;
  }

  /** Blocks until {@code n} bytes may pass. */
  void acquire(long n) throws InterruptedIOException {
    while (n > 0) {
      long c = Math.min(n, CHUNK);
      n -= c;
      long wait;
      synchronized (this) {
        long now = System.nanoTime();
        long floor = now - BURST_MS * 1_000_000;
        if (nextFree - floor < 0) {
          nextFree = floor;
        }
        nextFree += (long) (c * 1e9 / bytesPerSecond);
        wait = nextFree - now;
      }
      if (wait > 0) {
        try {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while waiting for bandwidth");
        }
      }
    }
  }
}
