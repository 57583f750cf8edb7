package io.nectarfs.fuse;

import io.nectarfs.fuse.wire.Buf;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Request buffers of one size (max_write + header room). {@link #take} never blocks: it makes a
 * new buffer when none is free; {@link #give} keeps at most {@code retain} for reuse and lets the
 * garbage collector free the rest.
 */
final class BufferPool {
  private final int size;
  private final int retain;
  private final ConcurrentLinkedDeque<Buf> free = new ConcurrentLinkedDeque<>();
  private final AtomicInteger freeCount = new AtomicInteger();
  private final AtomicInteger created = new AtomicInteger();

  BufferPool(int size, int retain) {
    this.size = size;
    this.retain = retain;
  }

  Buf take() {
    Buf b = free.pollFirst();
    if (b != null) {
      freeCount.decrementAndGet();
      return b;
    }
    created.incrementAndGet();
    return new Buf(size);
  }

  void give(Buf b) {
    if (freeCount.incrementAndGet() <= retain) {
      free.addFirst(b);
    } else {
      freeCount.decrementAndGet();
    }
  }

  int bufferSize() {
    return size;
  }

  /** How many buffers were ever allocated (a measure of peak concurrency). */
  int created() {
    return created.get();
  }
}
