package io.nectarfs.cache;

import io.micrometer.core.instrument.Counter;
import io.nectarfs.chunk.BlockSource;
import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Metrics;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chunk store's way into the group ({@link BlockSource}): a block owned by another member is
 * asked of that member; a block this member owns, or any block before the group is known, is left
 * to the chunk store (null: it reads the object store, and as the owner keeps the block).
 *
 * <p>A member that fails a request for a reason of its own (timeout, lost or refused connection,
 * protocol or authentication error, a corrupt answer) is marked suspect for {@link #SUSPECT}:
 * meanwhile readers go straight to the object store for its blocks, without waiting on it. An
 * answer about the block (ENOENT: not in the object store; ENOSPC: its cache is full; EINVAL)
 * leaves the member trusted; the reader falls back all the same.
 *
 * <p>Concurrency: the view (ring and own id) is an immutable snapshot in a volatile field,
 * replaced whole by {@link #update}; clients and suspect marks are concurrent maps. A client of a
 * member that left is closed at the next update; a call racing with that close fails and falls
 * back. Thread-safe.
 */
final class GroupSource implements BlockSource {
  private static final Logger log = LoggerFactory.getLogger(GroupSource.class);
  /** How long a failing member is left alone. */
  static final Duration SUSPECT = Duration.ofSeconds(10);
  /** Requests in flight to one member from this process; more wait their turn (the wait is not the member's slowness). */
  static final int IN_FLIGHT = 8;
  /** The longest a read waits for a member, its turn included (the per-request limit is the peer timeout). */
  static final Duration QUEUED = Duration.ofSeconds(60);
  private static final Set<Errno> ABOUT_THE_BLOCK = Set.of(Errno.ENOENT, Errno.ENOSPC, Errno.EINVAL);

  private record View(Ring ring, String self, GroupKey key) {}

  private final Metrics metrics;
  private final PeerClient.Options options;
  private final Duration timeout;
  private final Clock clock;
  private volatile View view = new View(Ring.of(List.of()), null, null);
  private final Map<String, PeerClient> clients = new ConcurrentHashMap<>();
  private final Map<String, Long> suspectUntil = new ConcurrentHashMap<>();
  private final Map<String, Counter> skips = new ConcurrentHashMap<>();
  private final Map<String, java.util.concurrent.Semaphore> turns = new ConcurrentHashMap<>();

  GroupSource(Duration timeout, Clock clock, Metrics metrics) {
    this.timeout = timeout;
    this.clock = clock;
    this.metrics = metrics;
    // The client's own bound is a backstop: the chunk store's deadline (timeout()) ends a fetch first.
    this.options = PeerClient.Options.DEFAULT.withTimeout(timeout).withClock(clock);
  }

  /** Starts using {@code members} (placement) with {@code key}; {@code self} is this member's id, or null for a consumer. */
  void update(List<Member> members, String self, GroupKey key) {
    Ring ring = Ring.of(members);
    view = new View(ring, self, key);
    for (String id : List.copyOf(clients.keySet())) {
      if (!ring.ids().contains(id)) {
        PeerClient c = clients.remove(id);
        if (c != null) {
          c.close();
        }
      }
    }
    suspectUntil.keySet().retainAll(ring.ids());
    turns.keySet().retainAll(ring.ids());
  }

  Ring ring() {
    return view.ring();
  }

  /** The client of member {@code m} (opened on first use). */
  PeerClient client(Member m) {
    GroupKey key = view.key();
    if (key == null) {
      throw new IllegalStateException("the cache group is not started");
    }
    return clients.computeIfAbsent(m.id(), id -> PeerClient.connect(m.address(), key, options, metrics));
  }

  boolean suspect(String id) {
    Long until = suspectUntil.get(id);
    return until != null && clock.monotonicNanos() - until < 0;
  }

  @Override
  public byte[] fetch(Ctx ctx, String key, int blockLen, int off, int len) throws IOException {
    View v = view;
    Member owner = v.key() == null ? null : v.ring().owner(key);
    if (owner == null || owner.id().equals(v.self())) {
      return null;
    }
    if (skipSuspect(owner)) {
      return null;
    }
    java.util.concurrent.Semaphore turn = turns.computeIfAbsent(owner.id(), id -> new java.util.concurrent.Semaphore(IN_FLIGHT));
    acquire(ctx, turn);
    try {
      if (skipSuspect(owner)) {
        return null; // it failed while we waited
      }
      // The peer timeout starts now: the time spent waiting for a turn is this process's queue, not the member's slowness.
      return client(owner).get(ctx, key, blockLen, off, len);
    } catch (FsException e) {
      if (!ABOUT_THE_BLOCK.contains(e.errno()) && e.errno() != Errno.EINTR) {
        markSuspect(owner, e);
      }
      throw e;
    } catch (IOException e) {
      markSuspect(owner, e);
      throw e;
    } finally {
      turn.release();
    }
  }

  /** Takes a turn, waiting at most until {@code ctx} ends (its deadline is {@link #timeout()} away at most). */
  private static void acquire(Ctx ctx, java.util.concurrent.Semaphore turn) throws IOException {
    try {
      while (!turn.tryAcquire(20, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        ctx.checkCancelled();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for a turn at a cache group member");
    }
  }

  private boolean skipSuspect(Member owner) {
    if (!suspect(owner.id())) {
      return false;
    }
    skips.computeIfAbsent(owner.id(), id -> Counter.builder("nectar_cache_peer_suspect_skips")
        .description("reads that went to the object store because the owning member is suspect").tag("peer", id)
        .register(metrics.registry())).increment();
    return true;
  }

  private void markSuspect(Member m, IOException why) {
    Long before = suspectUntil.put(m.id(), clock.monotonicNanos() + SUSPECT.toNanos());
    if (before == null || clock.monotonicNanos() - before >= 0) {
      log.warn("cache group member {} failed ({}): reading its blocks from the object store for {} s", m.id(), why.getMessage(), SUSPECT.toSeconds());
    }
  }

  /** The whole wait for a member, its turn included; each request to it is limited to the peer timeout. */
  @Override
  public Duration timeout() {
    return QUEUED.plus(timeout);
  }

  void close() {
    for (PeerClient c : clients.values()) {
      c.close();
    }
    clients.clear();
  }
}
