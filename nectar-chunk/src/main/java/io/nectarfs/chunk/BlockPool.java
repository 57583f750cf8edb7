package io.nectarfs.chunk;

import java.lang.ref.SoftReference;
import java.util.ArrayDeque;

/**
 * Arrays of exactly one block size, given back by {@link Block#release} and reused by the next
 * whole-block read. Without it every block read from storage was a new array (4 MiB, five of G1's
 * 1 MiB regions) that the JVM zeroes and the kernel faults in afresh; on a VM that returns free
 * memory to its host, faulting it back took half of a cold sequential read's CPU (docs/decisions.md,
 * "Block arrays are reused").
 *
 * <p>Bound: at most {@code maxFree} arrays wait here; one given back beyond that is left to the
 * garbage collector. The arrays in use are bounded by their holders (the memory cache's capacity,
 * the disk cache's write queue, the reads and prefetches in flight). Free arrays are held softly, so
 * the collector may take back those left unused for long (the JVM's soft-reference policy, {@code
 * SoftRefLRUPolicyMSPerMB}: about a second per free MiB of the maximum heap) without a thread of
 * ours: an idle mount's periodic collection can return them.
 *
 * <p>Concurrency: one monitor guards the free list. An array's contents are not cleared: its
 * taker overwrites all of it or gives it back.
 */
final class BlockPool {
  private final int size;
  private final int maxFree;
  private final ArrayDeque<SoftReference<byte[]>> free = new ArrayDeque<>();
  private long reused;

  BlockPool(int size, int maxFree) {
    this.size = size;
    this.maxFree = maxFree;
  }

  int size() {
    return size;
  }

  /** A free array, or a new one when none is free. */
  byte[] take() {
    synchronized (this) {
      for (SoftReference<byte[]> r = free.pollFirst(); r != null; r = free.pollFirst()) {
        byte[] a = r.get();
        if (a != null) {
          reused++;
          return a;
        }
      }
    }
    return new byte[size];
  }

  /** Keeps {@code a} for the next taker, within the bound. */
  void give(byte[] a) {
    if (a.length != size) {
      throw new IllegalArgumentException("an array of " + a.length + " bytes given to a pool of " + size);
    }
    synchronized (this) {
      if (free.size() < maxFree) {
        free.addFirst(new SoftReference<>(a));
      }
    }
  }

  /** Arrays waiting now (some may have been cleared by the collector since). */
  synchronized int free() {
    return free.size();
  }

  /** Takes served by a given-back array since creation. */
  synchronized long reused() {
    return reused;
  }
}
