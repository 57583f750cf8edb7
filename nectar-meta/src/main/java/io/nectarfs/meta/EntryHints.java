package io.nectarfs.meta;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The inode each name this client recently looked up, created or renamed pointed to: a hint that
 * lets an operation on the name read the inode's keys in the same round trip as the entry (see
 * {@code KvTxn.prefetch}), instead of reading the entry first and the inode after it. On Redis this
 * makes unlink and rename two round trips (read ahead, commit) instead of three.
 *
 * <p>A hint is never trusted: the operation still reads the entry and acts on the inode it names;
 * a stale hint (another client renamed or replaced the name) costs one key read ahead for nothing
 * and the round trip it would have saved.
 *
 * <p>Concurrency: one lock guards the map; calls are a hash lookup or insert. Bounded to
 * {@value #MAX} names, the oldest inserted dropped first.
 */
final class EntryHints {
  static final int MAX = 8192;

  private record Name(long parent, String name) {}

  private final Map<Name, Long> map = new LinkedHashMap<>(256, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Name, Long> eldest) {
      return size() > MAX;
    }
  };

  /** The inode {@code name} of {@code parent} last pointed to here, or 0 when unknown. */
  synchronized long get(long parent, String name) {
    Long ino = map.get(new Name(parent, name));
    return ino == null ? 0 : ino;
  }

  synchronized void put(long parent, String name, long ino) {
    map.put(new Name(parent, name), ino);
  }

  synchronized void remove(long parent, String name) {
    map.remove(new Name(parent, name));
  }

  /** After a rename: the source name is gone; the target name points to what the source did. */
  synchronized void moved(long ps, String src, long pd, String dst) {
    Long ino = map.remove(new Name(ps, src));
    if (ino == null) {
      map.remove(new Name(pd, dst));
    } else {
      map.put(new Name(pd, dst), ino);
    }
  }
}
