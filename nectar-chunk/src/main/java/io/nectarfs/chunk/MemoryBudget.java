package io.nectarfs.chunk;

import io.nectarfs.common.Ctx;
import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * The global memory budget of write buffers and prefetch buffers ({@link ChunkConfig#bufferSize()}).
 *
 * <p>Concurrency: one monitor guards all counters; waiters are woken by {@link #release}. A writer
 * {@link #acquire}s page by page and blocks while the budget is exhausted, but only while some
 * memory is on its way back ({@code releasable > 0}: blocks being uploaded, prefetches in flight);
 * when nothing will be released (every byte sits in partly written blocks) it goes over the budget
 * rather than deadlock. A waiter looks at its operation's {@link Ctx} every time it wakes (at least
 * every 100 ms) and gives up with EINTR/ETIMEDOUT when it is cancelled. Invariants: {@code 0 <= releasable <= used}; {@code used <= limit} except
 * for grants made when nothing was releasable; {@code peak} is the maximum {@code used} ever seen.
 */
final class MemoryBudget {
  private final long limit;
  private long used;
  private long releasable;
  private long peak;
  private long overcommits;

  MemoryBudget(long limit) {
    this.limit = limit;
  }

  long limit() {
    return limit;
  }

  synchronized long used() {
    return used;
  }

  synchronized long peak() {
    return peak;
  }

  synchronized long overcommits() {
    return overcommits;
  }

  /** Takes {@code n} bytes, waiting while the budget is exhausted and memory is being released. */
  synchronized void acquire(long n) throws IOException {
    acquire(n, Ctx.ROOT);
  }

  /** {@link #acquire(long)} for an operation of {@code ctx}: the wait ends with EINTR/ETIMEDOUT when it is cancelled. */
  synchronized void acquire(long n, Ctx ctx) throws IOException {
    while (used + n > limit && used > 0 && releasable > 0) {
      ctx.checkCancelled();
      try {
        wait(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted waiting for write buffer memory");
      }
    }
    if (used + n > limit && used > 0) {
      overcommits++;
    }
    take(n);
  }

  /** Takes {@code n} releasable bytes if they fit now (prefetch); false otherwise. */
  synchronized boolean tryAcquireReleasable(long n) {
    if (used + n > limit) {
      return false;
    }
    take(n);
    releasable += n;
    return true;
  }

  private void take(long n) {
    used += n;
    peak = Math.max(peak, used);
  }

  /** Marks {@code n} held bytes as on their way back (their block is being uploaded). */
  synchronized void markReleasable(long n) {
    releasable += n;
  }

  /** Returns {@code n} bytes, of which {@code wasReleasable} had been marked releasable. */
  synchronized void release(long n, long wasReleasable) {
    used -= n;
    releasable -= wasReleasable;
    notifyAll();
  }
}
