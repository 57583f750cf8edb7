package io.nectarfs.chunk;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An in-memory LRU cache of whole blocks, bounded in bytes ({@link ChunkConfig#memoryCacheSize()}),
 * in two areas: blocks of sequential streams (read ahead, read in order, or written) go to a
 * stream area of at most {@code streamCapacity} bytes, the others to the main area with the rest.
 * A stream evicts its own oldest blocks, never the blocks random readers come back to: a 231 GB
 * checkpoint read once does not flush them (the kernel's page cache and the disk cache keep what
 * was streamed), and its arrays are reused through the {@link BlockPool} instead of the heap
 * growing by the whole cache. A stream block read again at random moves to the main area.
 *
 * <p>Concurrency: every method holds the instance monitor. The cache holds one reference to each
 * cached {@link Block}; {@link #acquire} hands the caller another (released by the caller after
 * copying); evicted blocks are released after the monitor is left. Invariants: {@code mainBytes}
 * and {@code streamBytes} are the sums of the lengths of each area's blocks; after every
 * {@link #put}, {@code streamBytes <= streamCapacity} and {@code mainBytes <= capacity -
 * streamCapacity} (a block larger than its area is not cached).
 */
final class MemCache {
  private final long capacity;
  private final long streamCapacity;
  private final LinkedHashMap<String, Block> main = new LinkedHashMap<>(64, 0.75f, true);
  private final LinkedHashMap<String, Block> stream = new LinkedHashMap<>(64, 0.75f, true);
  private long mainBytes;
  private long streamBytes;
  private long evictions;

  /** A cache without a stream area: every block shares the whole capacity. */
  MemCache(long capacity) {
    this(capacity, 0);
  }

  /** {@code streamCapacity} (at most {@code capacity}; 0: no stream area) of it for streamed blocks. */
  MemCache(long capacity, long streamCapacity) {
    this.capacity = capacity;
    this.streamCapacity = Math.min(Math.max(streamCapacity, 0), Math.max(capacity, 0));
  }

  boolean enabled() {
    return capacity > 0;
  }

  /** The cached block {@code key} with a reference for the caller (who must release it), or null. */
  synchronized Block acquire(String key) {
    Block b = main.get(key);
    if (b == null) {
      b = stream.get(key);
    }
    return b != null && b.retain() ? b : null;
  }

  synchronized boolean contains(String key) {
    return main.containsKey(key) || stream.containsKey(key);
  }

  /**
   * Caches {@code block} (taking a reference of its own; the caller keeps its reference) in the
   * stream area when {@code streamed} and there is one, else in the main area; a streamed put of a
   * block already in the main area leaves it there.
   */
  void put(String key, Block block, boolean streamed) {
    List<Block> dropped = new ArrayList<>(2);
    synchronized (this) {
      boolean toStream = streamCapacity > 0 && (streamed && !main.containsKey(key));
      long room = toStream ? streamCapacity : capacity - streamCapacity;
      if (block.length() > room || !block.retain()) {
        return;
      }
      take(key, dropped);
      if (toStream) {
        stream.put(key, block);
        streamBytes += block.length();
        streamBytes = evict(stream, streamBytes, streamCapacity, dropped);
      } else {
        toMain(key, block, dropped);
      }
    }
    dropped.forEach(Block::release);
  }

  /** Moves a stream block read again at random to the main area (nothing when it is not cached there). */
  void promote(String key) {
    List<Block> dropped = new ArrayList<>(1);
    synchronized (this) {
      Block b = stream.remove(key);
      if (b == null) {
        return;
      }
      streamBytes -= b.length();
      if (b.length() > capacity - streamCapacity) {
        dropped.add(b);
      } else {
        toMain(key, b, dropped);
      }
    }
    dropped.forEach(Block::release);
  }

  /** Adds a block (its reference the cache's) to the main area and evicts down to its size (caller holds the monitor). */
  private void toMain(String key, Block b, List<Block> dropped) {
    main.put(key, b);
    mainBytes += b.length();
    mainBytes = evict(main, mainBytes, capacity - streamCapacity, dropped);
  }

  void remove(String key) {
    List<Block> dropped = new ArrayList<>(1);
    synchronized (this) {
      take(key, dropped);
    }
    dropped.forEach(Block::release);
  }

  /** Unlinks {@code key} from whichever area has it (caller holds the monitor), adding it to {@code dropped}. */
  private void take(String key, List<Block> dropped) {
    Block old = main.remove(key);
    if (old != null) {
      mainBytes -= old.length();
      dropped.add(old);
    }
    old = stream.remove(key);
    if (old != null) {
      streamBytes -= old.length();
      dropped.add(old);
    }
  }

  /** Drops the area's least recently used blocks until it holds at most {@code limit} bytes; its new byte count. */
  private long evict(LinkedHashMap<String, Block> area, long bytes, long limit, List<Block> dropped) {
    Iterator<Map.Entry<String, Block>> it = area.entrySet().iterator();
    while (bytes > limit && it.hasNext()) {
      Block b = it.next().getValue();
      bytes -= b.length();
      it.remove();
      dropped.add(b);
      evictions++;
    }
    return bytes;
  }

  /** Blocks dropped to make room since creation. */
  synchronized long evictions() {
    return evictions;
  }

  synchronized long bytes() {
    return mainBytes + streamBytes;
  }

  /** Bytes of the stream area (tests). */
  synchronized long streamBytes() {
    return streamBytes;
  }
}
