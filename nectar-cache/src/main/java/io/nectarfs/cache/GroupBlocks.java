package io.nectarfs.cache;

import io.nectarfs.common.Ctx;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Operations on a set of blocks across the group, each block at its owner, all owners at once:
 * warm-up (each member fetches its share from the object store into its cache, in parallel), the
 * cached fraction, and eviction. The blocks are split by the ring as last read; a member that
 * fails counts its blocks as failed and the others go on.
 *
 * <p>Concurrency: each call runs {@link #IN_FLIGHT} workers per member on virtual threads; the
 * queues of batches are guarded by one lock per call, counts are atomic; progress is reported from
 * the workers (the listener must be thread-safe).
 */
public final class GroupBlocks {
  /** Blocks per request: small, so that what is still queued at the end can be shared out. */
  static final int BATCH = 4;
  /** Requests in flight per member (a member fetches the blocks of a request at once). */
  static final int IN_FLIGHT = 4;

  /** How long one request may take: a batch of warm-ups waits on the object store. */
  static final java.time.Duration REQUEST_TIMEOUT = java.time.Duration.ofMinutes(10);

  private final String group;
  private final GroupSource source;
  private final GroupKey key;
  private final io.nectarfs.common.Metrics metrics;

  GroupBlocks(String group, GroupSource source, GroupKey key, io.nectarfs.common.Metrics metrics) {
    this.group = group;
    this.source = source;
    this.key = key;
    this.metrics = metrics;
  }

  /** Told after each batch: blocks and bytes it covered, and how many of its blocks failed. */
  @FunctionalInterface
  public interface Listener {
    void done(int blocks, long bytes, int failed);
  }

  /**
   * The outcome per member.
   *
   * @param blocks blocks the member owns among those asked about
   * @param bytes their bytes
   * @param ok blocks warmed / cached / evicted
   * @param failed blocks the member could not warm (or could not be asked about)
   * @param error why the member could not be reached, or null
   */
  public record Share(long blocks, long bytes, long ok, long failed, String error) {}

  /** What each member did, by member id. */
  public record Result(Map<String, Share> members) {
    public long blocks() {
      return members.values().stream().mapToLong(Share::blocks).sum();
    }

    public long bytes() {
      return members.values().stream().mapToLong(Share::bytes).sum();
    }

    public long ok() {
      return members.values().stream().mapToLong(Share::ok).sum();
    }

    public long failed() {
      return members.values().stream().mapToLong(Share::failed).sum();
    }
  }

  /**
   * Each block into its owner's cache. A member that has fetched its own share while others still
   * have blocks queued takes some of theirs: it fetches them from the object store and the owner
   * reads them from it ({@link PeerClient#warmFrom}), so the slowest share does not set the pace.
   */
  public Result warm(Ctx ctx, List<PeerClient.Key> keys, Listener listener) throws IOException {
    return run(ctx, keys, listener, true, (c, batch) -> c.warm(ctx, batch).warmed());
  }

  /** How many of the blocks their owners hold now. */
  public Result check(Ctx ctx, List<PeerClient.Key> keys, Listener listener) throws IOException {
    return run(ctx, keys, listener, false, (c, batch) -> c.has(ctx, batch).cardinality());
  }

  /** Drops the blocks from their owners' caches. */
  public Result evict(Ctx ctx, List<PeerClient.Key> keys, Listener listener) throws IOException {
    return run(ctx, keys, listener, false, (c, batch) -> c.evict(ctx, batch));
  }

  @FunctionalInterface
  private interface Op {
    /** Does the operation on a batch at its owner; returns how many blocks succeeded. */
    int apply(PeerClient c, List<PeerClient.Key> batch) throws IOException;
  }

  /** One owner's share: its queued batches and its counts (queues are guarded by the run's lock). */
  private static final class Share0 {
    final java.util.ArrayDeque<List<PeerClient.Key>> queue = new java.util.ArrayDeque<>();
    long blocks;
    long bytes;
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final java.util.concurrent.atomic.AtomicReference<String> error = new java.util.concurrent.atomic.AtomicReference<>();
    volatile boolean broken; // its own requests failed: it helps no one

    Share done() {
      return new Share(blocks, bytes, ok.get(), failed.get(), error.get());
    }
  }

  private Result run(Ctx ctx, List<PeerClient.Key> keys, Listener listener, boolean steal, Op op) throws IOException {
    Ring ring = source.ring();
    if (ring.isEmpty()) {
      throw io.nectarfs.common.Errno.ENOENT.exception("cache group " + group + " has no live member");
    }
    Map<Member, List<PeerClient.Key>> byOwner = new LinkedHashMap<>();
    for (PeerClient.Key k : keys) {
      byOwner.computeIfAbsent(ring.owner(k.key()), m -> new ArrayList<>()).add(k);
    }
    Map<Member, Share0> shares = new LinkedHashMap<>();
    for (Member m : steal ? ring.members() : List.copyOf(byOwner.keySet())) {
      Share0 s = new Share0();
      List<PeerClient.Key> mine = byOwner.getOrDefault(m, List.of());
      for (int from = 0; from < mine.size(); from += BATCH) {
        s.queue.add(mine.subList(from, Math.min(mine.size(), from + BATCH)));
      }
      s.blocks = mine.size();
      s.bytes = mine.stream().mapToLong(PeerClient.Key::blockLen).sum();
      shares.put(m, s);
    }
    Map<Member, PeerClient> clients = new LinkedHashMap<>();
    // Clients of their own: the readers' clients give up after the peer timeout, a warm-up waits on the store.
    for (Member m : shares.keySet()) {
      clients.put(m, PeerClient.connect(m.address(), key, PeerClient.Options.DEFAULT.withTimeout(REQUEST_TIMEOUT), metrics));
    }
    Object lock = new Object();
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Member m : shares.keySet()) {
        for (int i = 0; i < IN_FLIGHT; i++) {
          ex.execute(() -> work(ctx, m, shares, clients, lock, steal, listener, op));
        }
      }
    } finally {
      clients.values().forEach(PeerClient::close);
    }
    Map<String, Share> out = new LinkedHashMap<>();
    shares.forEach((m, s) -> {
      if (s.blocks > 0) {
        out.put(m.id(), s.done());
      }
    });
    return new Result(out);
  }

  /** One of member {@code m}'s workers: its own batches first, then (warm-up) the longest queue's last ones. */
  private static void work(Ctx ctx, Member m, Map<Member, Share0> shares, Map<Member, PeerClient> clients, Object lock, boolean steal,
      Listener listener, Op op) {
    while (!ctx.isCancelled()) {
      Member owner = m;
      List<PeerClient.Key> batch;
      synchronized (lock) {
        batch = shares.get(m).queue.pollFirst();
        if (batch == null && steal && !shares.get(m).broken) {
          Member victim = null;
          for (var e : shares.entrySet()) {
            if (!e.getValue().queue.isEmpty() && (victim == null || e.getValue().queue.size() > shares.get(victim).queue.size())) {
              victim = e.getKey();
            }
          }
          if (victim != null) {
            owner = victim;
            batch = shares.get(victim).queue.pollLast();
          }
        }
      }
      if (batch == null) {
        return;
      }
      Share0 s = shares.get(owner);
      int good = 0;
      try {
        good = owner == m ? op.apply(clients.get(m), batch) : clients.get(owner).warmFrom(ctx, m.address(), batch).warmed();
      } catch (IOException | RuntimeException e) {
        s.error.compareAndSet(null, e.getMessage());
        if (owner == m) {
          s.broken = true;
        }
      }
      long bytes = batch.stream().mapToLong(PeerClient.Key::blockLen).sum();
      s.ok.addAndGet(good);
      s.failed.addAndGet(batch.size() - good);
      listener.done(batch.size(), bytes, batch.size() - good);
    }
  }
}
