package io.nectarfs.chunk;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An in-memory LRU cache of whole blocks, bounded in bytes ({@link ChunkConfig#memoryCacheSize()}).
 *
 * <p>Concurrency: every method holds the instance monitor; the cached arrays are never modified
 * after insertion (callers copy out of them). Invariants: {@code bytes} is the sum of the lengths
 * of the cached arrays and, after every {@link #put}, at most {@code capacity}.
 */
final class MemCache {
  private final long capacity;
  private final LinkedHashMap<String, byte[]> map = new LinkedHashMap<>(64, 0.75f, true);
  private long bytes;
  private long evictions;

  MemCache(long capacity) {
    this.capacity = capacity;
  }

  boolean enabled() {
    return capacity > 0;
  }

  synchronized byte[] get(String key) {
    return map.get(key);
  }

  synchronized boolean contains(String key) {
    return map.containsKey(key);
  }

  /** Caches a whole block (not copied: the caller must not modify it afterwards). */
  synchronized void put(String key, byte[] block) {
    if (block.length > capacity) {
      return;
    }
    byte[] old = map.put(key, block);
    if (old != null) {
      bytes -= old.length;
    }
    bytes += block.length;
    Iterator<Map.Entry<String, byte[]>> it = map.entrySet().iterator();
    while (bytes > capacity && it.hasNext()) {
      Map.Entry<String, byte[]> e = it.next();
      bytes -= e.getValue().length;
      it.remove();
      evictions++;
    }
  }

  synchronized void remove(String key) {
    byte[] old = map.remove(key);
    if (old != null) {
      bytes -= old.length;
    }
  }

  /** Blocks dropped to make room since creation. */
  synchronized long evictions() {
    return evictions;
  }

  synchronized long bytes() {
    return bytes;
  }
}
