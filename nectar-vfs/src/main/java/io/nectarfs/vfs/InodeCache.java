package io.nectarfs.vfs;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.nectarfs.common.Clock;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.Slice;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The client's one per-inode cache: for each inode, the version of the file the kernel's page
 * cache was last known to hold ("seen": mtime and length, decides keep-cache at the next open),
 * its attributes and its resolved slice lists per chunk (for reads of open files, trusted for
 * {@code attrCache}), and what a write would have to drop (see {@link Privileges}): whether it has
 * no {@code security.capability} attribute ({@link #noCapability}, also what the kernel asks before
 * a write(2) on a FUSE mount) and no setuid/setgid bit ({@link #noSetid}), each trusted for {@code
 * attrCache}.
 *
 * <p>Bounds: at most {@code maxEntries} inodes and about {@code maxBytes} bytes (an estimate of
 * the heap an entry holds, dominated by slice lists). Caffeine has one weight bound, so an
 * entry weighs {@code max(its bytes, ceil(maxBytes / maxEntries))} under a maximum weight of
 * {@code maxBytes}: then neither the entries nor their bytes can exceed their bound. Which
 * entries go is Caffeine's policy (W-TinyLFU: recency and frequency, so a one-off open may be
 * the one dropped, and a file opened often stays). An entry with no "seen" state expires {@code
 * attrCache} after it was last written (its content is stale then); one with "seen" state stays
 * until evicted. Time is the injected {@link Clock}'s monotonic time (Caffeine's ticker too), so
 * tests control expiry. A dropped entry is only read again: attributes and slices from the
 * metadata, and a forgotten "seen" state makes the kernel drop that file's pages at its next open.
 *
 * <p>Concurrency: a Caffeine cache (maintenance on the calling thread, no pool). Entries are
 * immutable and replaced whole inside the map's atomic {@code compute}, so each replacement is
 * weighed again and no update of one part loses a concurrent update of another. A reader that
 * fetched attributes or slices from the metadata may only cache them if the inode was not
 * invalidated meanwhile (a write committed by another thread would otherwise be hidden behind
 * the older value): {@link #stamp} before the fetch, and the put compares it inside its {@code
 * compute}. Stamps are counters per stripe of inodes, bumped before an invalidation's {@code
 * compute}; a put that sees an unchanged stamp either precedes that {@code compute} (which then
 * drops it) or no invalidation happened. A collision of stripes only skips a put. What is known of
 * privileges has its own stamps ({@link #privStamp}), bumped by changes of extended attributes and
 * of the mode only: data writes, which invalidate often, do not refuse those puts.
 */
final class InodeCache {
  /** Estimated bytes of an entry without content: cache node, key, state record. */
  static final int ENTRY_BYTES = 160;
  /** Estimated bytes of cached attributes. */
  static final int ATTR_BYTES = 120;
  /** Estimated bytes of one cached chunk's list, besides its slices. */
  static final int CHUNK_BYTES = 96;
  /** Estimated bytes of one slice in a cached list. */
  static final int SLICE_BYTES = 48;

  private static final int STRIPES = 1024; // a power of two

  private final Clock clock;
  private final long ttlNanos;
  private final Cache<Long, State> cache;
  private final AtomicLongArray stamps = new AtomicLongArray(STRIPES);
  private final AtomicLongArray privStamps = new AtomicLongArray(STRIPES);

  /** A value and when it stops being trusted (monotonic nanoseconds). */
  record Timed<T>(T value, long expires) {}

  /**
   * What is cached of one inode; immutable. {@code seen} is {@code {mtime, length}} or null;
   * {@code noCap} and {@code noSetid} are the monotonic times until which the inode is known to
   * have no {@code security.capability} attribute and no setuid/setgid bit a write drops (0: not
   * known).
   */
  record State(long[] seen, Timed<Attr> attr, Map<Integer, Timed<List<Slice>>> slices, long noCap, long noSetid) {
    static final State EMPTY = new State(null, null, Map.of(), 0, 0);

    long bytes() {
      long b = ENTRY_BYTES + (attr == null ? 0 : ATTR_BYTES);
      for (Timed<List<Slice>> t : slices.values()) {
        b += CHUNK_BYTES + (long) SLICE_BYTES * t.value().size();
      }
      return b;
    }

    boolean isEmpty() {
      return seen == null && attr == null && slices.isEmpty() && noCap == 0 && noSetid == 0;
    }
  }

  InodeCache(Clock clock, long ttlNanos, int maxEntries, long maxBytes) {
    if (maxEntries < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("cache bounds must be positive: " + maxEntries + " entries, " + maxBytes + " bytes");
    }
    this.clock = clock;
    this.ttlNanos = ttlNanos;
    long minWeight = Math.ceilDiv(maxBytes, maxEntries); // so that maxBytes / minWeight <= maxEntries
    this.cache = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .<Long, State>weigher((k, s) -> (int) Math.min(Integer.MAX_VALUE, Math.max(minWeight, s.bytes())))
        .expireAfter(new Expiry<Long, State>() {
          @Override
          public long expireAfterCreate(Long key, State s, long now) {
            return s.seen != null ? Long.MAX_VALUE : ttlNanos;
          }

          @Override
          public long expireAfterUpdate(Long key, State s, long now, long left) {
            return expireAfterCreate(key, s, now);
          }

          @Override
          public long expireAfterRead(Long key, State s, long now, long left) {
            return left;
          }
        })
        .ticker(clock::monotonicNanos)
        .executor(Runnable::run)
        .build();
  }

  private long now() {
    return clock.monotonicNanos();
  }

  private void update(long ino, java.util.function.UnaryOperator<State> change) {
    cache.asMap().compute(ino, (k, s) -> {
      State n = change.apply(s == null ? State.EMPTY : s);
      return n.isEmpty() ? null : n;
    });
  }

  private static int stripe(long ino) {
    return Long.hashCode(ino * 0x9E3779B97F4A7C15L) & (STRIPES - 1);
  }

  /** To pass to a put of what is fetched from the metadata after this call. */
  long stamp(long ino) {
    return stamps.get(stripe(ino));
  }

  /** Like {@link #update}, but leaves the entry as it is if {@code ino} was invalidated since {@code stamp}. */
  private void updateIfUnchanged(long ino, long stamp, java.util.function.UnaryOperator<State> change) {
    int i = stripe(ino);
    cache.asMap().compute(ino, (k, s) -> {
      if (stamps.get(i) != stamp) {
        return s;
      }
      State n = change.apply(s == null ? State.EMPTY : s);
      return n.isEmpty() ? null : n;
    });
  }

  /** The cached attributes of {@code ino} if still trusted, else null. */
  Attr attr(long ino) {
    State s = cache.getIfPresent(ino);
    Timed<Attr> a = s == null ? null : s.attr;
    return a != null && a.expires - now() > 0 ? a.value : null;
  }

  /** Caches {@code a}, fetched after {@link #stamp} returned {@code stamp}, unless invalidated since. */
  void putAttr(long ino, Attr a, long stamp) {
    Timed<Attr> t = new Timed<>(a, now() + ttlNanos);
    updateIfUnchanged(ino, stamp, s -> new State(s.seen, t, s.slices, s.noCap, s.noSetid));
  }

  /**
   * An open (close-to-open): drops what is cached of {@code ino} and, unless it was invalidated
   * since {@code stamp}, caches {@code a} (which the open fetched after that stamp). Puts of
   * values fetched before this call are refused from now on.
   */
  void reopen(long ino, Attr a, long stamp) {
    int i = stripe(ino);
    Timed<Attr> t = new Timed<>(a, now() + ttlNanos);
    cache.asMap().compute(ino, (k, s) -> {
      boolean unchanged = stamps.get(i) == stamp;
      stamps.incrementAndGet(i);
      State n = s == null ? new State(null, unchanged ? t : null, Map.of(), 0, 0)
          : new State(s.seen, unchanged ? t : null, Map.of(), s.noCap, s.noSetid);
      return n.isEmpty() ? null : n;
    });
  }

  /** The cached resolved slices of chunk {@code index} of {@code ino} if still trusted, else null. */
  List<Slice> slices(long ino, int index) {
    State s = cache.getIfPresent(ino);
    Timed<List<Slice>> t = s == null ? null : s.slices.get(index);
    return t != null && t.expires - now() > 0 ? t.value : null;
  }

  /** Caches the resolved slices, fetched after {@link #stamp} returned {@code stamp}, unless invalidated since. */
  void putSlices(long ino, int index, List<Slice> resolved, long stamp) {
    long now = now();
    Timed<List<Slice>> t = new Timed<>(List.copyOf(resolved), now + ttlNanos);
    updateIfUnchanged(ino, stamp, s -> {
      Map<Integer, Timed<List<Slice>>> m = new HashMap<>();
      s.slices.forEach((i, c) -> {
        if (c.expires - now > 0) { // expired chunks leave with this replacement
          m.put(i, c);
        }
      });
      m.put(index, t);
      return new State(s.seen, s.attr, Map.copyOf(m), s.noCap, s.noSetid);
    });
  }

  /**
   * Drops the attributes and slices of {@code ino} (the "seen" state stays, and so does what is
   * known of its privileges: data changes do not add any, mode changes go through {@link
   * #forgetSetid}).
   */
  void invalidate(long ino) {
    stamps.incrementAndGet(stripe(ino)); // before the compute: see the class comment
    update(ino, s -> new State(s.seen, null, Map.of(), s.noCap, s.noSetid));
  }

  /** To pass to a put of what is learnt of privileges (xattrs, mode) from the metadata after this call. */
  long privStamp(long ino) {
    return privStamps.get(stripe(ino));
  }

  private void updatePrivIfUnchanged(long ino, long stamp, java.util.function.UnaryOperator<State> change) {
    if (stamp == Long.MIN_VALUE) {
      update(ino, change);
      return;
    }
    int i = stripe(ino);
    cache.asMap().compute(ino, (k, s) -> {
      if (privStamps.get(i) != stamp) {
        return s;
      }
      State n = change.apply(s == null ? State.EMPTY : s);
      return n.isEmpty() ? null : n;
    });
  }

  /** Whether {@code ino} is known (within {@code attrCache}) to have no {@code security.capability}. */
  boolean noCapability(long ino) {
    State s = cache.getIfPresent(ino);
    return s != null && s.noCap != 0 && s.noCap - now() > 0;
  }

  /**
   * Records that {@code ino} has no {@code security.capability}, as the metadata said after {@link
   * #privStamp} returned {@code stamp}, unless its extended attributes or mode changed since;
   * {@code Long.MIN_VALUE} records it unconditionally (an inode this client just created).
   */
  void putNoCapability(long ino, long stamp) {
    long until = deadline();
    updatePrivIfUnchanged(ino, stamp, s -> new State(s.seen, s.attr, s.slices, until, s.noSetid));
  }

  private long deadline() {
    long until = now() + ttlNanos;
    return until == 0 ? 1 : until;
  }

  /** Whether {@code ino} is known (within {@code attrCache}) to have no setuid/setgid bit a write drops. */
  boolean noSetid(long ino) {
    State s = cache.getIfPresent(ino);
    return s != null && s.noSetid != 0 && s.noSetid - now() > 0;
  }

  /**
   * Records whether {@code a}, the attributes of {@code ino} read or written after {@link
   * #privStamp} returned {@code stamp}, has a setuid/setgid bit a write drops (unless the mode or
   * extended attributes changed since; {@code Long.MIN_VALUE}: unconditionally). Forgetting is
   * never refused.
   */
  void putSetid(long ino, Attr a, long stamp) {
    if (Privileges.setidToDrop(a.mode()) != 0) {
      update(ino, s -> new State(s.seen, s.attr, s.slices, s.noCap, 0));
      return;
    }
    long until = deadline();
    updatePrivIfUnchanged(ino, stamp, s -> new State(s.seen, s.attr, s.slices, s.noCap, until));
  }

  /** This client changes an extended attribute of {@code ino}: forgets what it knew of them first. */
  void forgetXattrs(long ino) {
    privStamps.incrementAndGet(stripe(ino)); // before the compute: see the class comment
    update(ino, s -> new State(s.seen, s.attr, s.slices, 0, s.noSetid));
  }

  /** This client may change the mode of {@code ino}: forgets what it knew of its setuid/setgid bits first. */
  void forgetSetid(long ino) {
    privStamps.incrementAndGet(stripe(ino));
    update(ino, s -> new State(s.seen, s.attr, s.slices, s.noCap, 0));
  }

  /** Records the version the kernel's pages now hold; returns the one recorded before (or null). */
  long[] putSeen(long ino, long mtime, long length) {
    long[][] before = {null};
    update(ino, s -> {
      before[0] = s.seen;
      return new State(new long[] {mtime, length}, s.attr, s.slices, s.noCap, s.noSetid);
    });
    return before[0];
  }

  void forgetSeen(long ino) {
    update(ino, s -> new State(null, s.attr, s.slices, s.noCap, s.noSetid));
  }

  /** Inodes cached (after pending maintenance). */
  long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  /** Estimated bytes of everything cached (after pending maintenance). */
  long bytes() {
    cache.cleanUp();
    return cache.asMap().values().stream().mapToLong(State::bytes).sum();
  }
}
