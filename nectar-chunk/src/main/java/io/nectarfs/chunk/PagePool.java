package io.nectarfs.chunk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Write-buffer pages off the Java heap, reused: a page given back is kept for the next writer
 * instead of becoming garbage, so buffered writes cost the heap nothing and the kernel reads
 * uploads straight from the pages (no copy into a temporary direct buffer).
 *
 * <p>Memory bound: pages are taken only after the {@link MemoryBudget} granted their bytes, so the
 * pages in use never exceed the budget's {@code used}. A page given back is kept while the pool
 * holds at most {@code limit} bytes in all (in use plus free) and freed at once otherwise (it was
 * a grant beyond the budget); hence {@link #allocated()} {@code <= max(limit, pages in use)}.
 * A page's contents are not cleared: its taker must not read what it did not write.
 *
 * <p>Concurrency: one monitor guards the free list and the counters. Each page has its own
 * shared arena (any thread may free it), closed when the page is freed (by {@link #give} beyond the bound or
 * by {@link #close}); a page given back after {@link #close} is freed at once.
 */
final class PagePool implements AutoCloseable {
  /** One page: its buffer (position 0, limit = capacity) and the arena that owns its memory. */
  record Page(ByteBuffer buf, MemorySegment seg, Arena arena) {}

  private final int pageSize;
  private final long limitPages;
  private final ArrayDeque<Page> free = new ArrayDeque<>();
  private long allocated;
  private long peakAllocated;
  private boolean closed;

  PagePool(int pageSize, long limitBytes) {
    this.pageSize = pageSize;
    this.limitPages = Math.max(1, limitBytes / pageSize);
  }

  int pageSize() {
    return pageSize;
  }

  /** A page whose budget the caller already holds: a reused one when there is one. */
  Page take() {
    synchronized (this) {
      Page p = free.pollFirst();
      if (p != null) {
        return p;
      }
      allocated++;
      peakAllocated = Math.max(peakAllocated, allocated);
    }
    Arena a = Arena.ofShared();
    MemorySegment seg = a.allocate(pageSize, 4096);
    return new Page(seg.asByteBuffer(), seg, a);
  }

  /** Gives a page back: kept for reuse within the bound, freed otherwise. */
  void give(Page p) {
    synchronized (this) {
      if (!closed && allocated <= limitPages) {
        p.buf().clear();
        free.addFirst(p);
        return;
      }
      allocated--;
    }
    p.arena().close();
  }

  /** Pages that exist now (in use or free). */
  synchronized long allocated() {
    return allocated;
  }

  /** The most pages that ever existed at once. */
  synchronized long peakAllocated() {
    return peakAllocated;
  }

  /** Frees the free pages; pages in use are freed as they come back. */
  @Override
  public void close() {
    ArrayDeque<Page> drop;
    synchronized (this) {
      closed = true;
      drop = new ArrayDeque<>(free);
      allocated -= free.size();
      free.clear();
    }
    for (Page p : drop) {
      p.arena().close();
    }
  }
}
