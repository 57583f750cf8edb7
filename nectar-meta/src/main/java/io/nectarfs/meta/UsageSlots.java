package io.nectarfs.meta;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands each running write transaction of one client a usage slot (see {@link Tx#addStats}) that
 * no other running transaction of this client holds, so concurrent creates and unlinks in
 * different directories never conflict on their space and inode accounting.
 *
 * <p>Before this, the slot was the thread id modulo 8: FUSE handlers run on fresh virtual threads
 * with effectively random ids, so among 8 concurrent operations two almost always shared a slot,
 * and on Redis (optimistic transactions) every such pair was a conflict and a retry (8 threads
 * creating and unlinking in their own directories: ~1 conflict per operation, all on usage keys).
 *
 * <p>Concurrency: lock-free; a 64-bit mask of slots in use, claimed and freed by compare-and-set.
 * When all {@link #SLOTS} are taken, {@link #acquire} returns a random slot shared with another
 * transaction (correct, as before: the engine's isolation orders the two; only a conflict may
 * follow) and {@link #release} of a shared slot frees nothing.
 */
final class UsageSlots {
  /** Slots per session; one byte of the usage key ({@link Keys#usage}). */
  static final int SLOTS = 64;

  private final AtomicLong inUse = new AtomicLong();

  /** A slot no running transaction holds, or a shared one (tagged, see {@link #release}) if none is free. */
  int acquire() {
    while (true) {
      long m = inUse.get();
      if (m == -1L) {
        return SLOTS + ThreadLocalRandom.current().nextInt(SLOTS); // shared: release frees nothing
      }
      int slot = Long.numberOfTrailingZeros(~m);
      if (inUse.compareAndSet(m, m | (1L << slot))) {
        return slot;
      }
    }
  }

  /** Frees what {@link #acquire} returned. */
  void release(int lease) {
    if (lease < SLOTS) {
      inUse.getAndUpdate(m -> m & ~(1L << lease));
    }
  }

  /** The usage key's slot byte for a lease. */
  static int slot(int lease) {
    return lease % SLOTS;
  }
}
