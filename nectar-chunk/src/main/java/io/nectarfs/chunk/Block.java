package io.nectarfs.chunk;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A whole block's bytes, shared by the memory cache, the disk cache's write queue and the readers
 * copying out of it, with a count of its holders: when the last one releases it, a pooled array
 * goes back to its {@link BlockPool} for the next block read, so a stream of block reads reuses
 * memory it already touched instead of making the heap grow by a fresh array per block.
 *
 * <p>Contract: whoever creates a block holds one reference; every other holder takes one with
 * {@link #retain} (which fails once the count reached zero: the array may already hold another
 * block) and gives it back with exactly one {@link #release}. Only a holder reads the array, and
 * nobody writes it once the block is shared. A reference never released only costs the reuse of
 * the array (the garbage collector takes it); a release without its reference would hand the
 * array out while it is read, so every release sits in a {@code finally} of its retain.
 *
 * <p>Concurrency: the count is atomic and never rises again from zero.
 */
final class Block {
  private final byte[] data;
  private final BlockPool pool;
  private final AtomicInteger refs = new AtomicInteger(1);

  /** A block over {@code data}, which returns to {@code pool} at the last release (null: left to the GC). */
  Block(byte[] data, BlockPool pool) {
    this.data = data;
    this.pool = pool;
  }

  /** A block whose array is not pooled (a block shorter than the block size, a written block, a peer's). */
  static Block unpooled(byte[] data) {
    return new Block(data, null);
  }

  /** The bytes; read them only while holding a reference. */
  byte[] data() {
    return data;
  }

  int length() {
    return data.length;
  }

  /** Takes a reference; false when the block was already released by its last holder. */
  boolean retain() {
    for (int r = refs.get(); r > 0; r = refs.get()) {
      if (refs.compareAndSet(r, r + 1)) {
        return true;
      }
    }
    return false;
  }

  /** Takes {@code n} more references for others, by a holder (whose own reference keeps the count above zero). */
  void retain(int n) {
    if (n > 0 && refs.getAndAdd(n) <= 0) {
      throw new IllegalStateException("references taken on a released block");
    }
  }

  /** Gives a reference back; the last one returns a pooled array to its pool. */
  void release() {
    int r = refs.decrementAndGet();
    if (r == 0 && pool != null) {
      pool.give(data);
    } else if (r < 0) {
      throw new IllegalStateException("block released more often than retained");
    }
  }

  /** Holders now (tests). */
  int refs() {
    return refs.get();
  }
}
