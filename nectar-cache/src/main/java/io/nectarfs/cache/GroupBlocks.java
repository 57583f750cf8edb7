package io.nectarfs.cache;

import io.nectarfs.common.Ctx;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Operations on a set of blocks across the group, each block at its owner, all owners at once:
 * warm-up (each member fetches its share from the object store into its cache, in parallel), the
 * cached fraction, and eviction. The blocks are split by the ring as last read; a member that
 * fails counts its blocks as failed and the others go on.
 *
 * <p>Concurrency: each call runs its batches on virtual threads, {@link #IN_FLIGHT} batches per
 * member at a time, and reports progress from them (the listener must be thread-safe).
 */
public final class GroupBlocks {
  /** Blocks per request: progress stays smooth, a failure costs little. */
  static final int BATCH = 16;
  /** Requests in flight per member (each member also fetches 8 blocks of a request at once). */
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

  /** Each block into its owner's cache. */
  public Result warm(Ctx ctx, List<PeerClient.Key> keys, Listener listener) throws IOException {
    return run(keys, listener, (c, batch) -> {
      PeerClient.Warmed w = c.warm(ctx, batch);
      return w.warmed();
    });
  }

  /** How many of the blocks their owners hold now. */
  public Result check(Ctx ctx, List<PeerClient.Key> keys, Listener listener) throws IOException {
    return run(keys, listener, (c, batch) -> c.has(ctx, batch).cardinality());
  }

  /** Drops the blocks from their owners' caches. */
  public Result evict(Ctx ctx, List<PeerClient.Key> keys, Listener listener) throws IOException {
    return run(keys, listener, (c, batch) -> c.evict(ctx, batch));
  }

  @FunctionalInterface
  private interface Op {
    /** Does the operation on a batch at one member; returns how many blocks succeeded. */
    int apply(PeerClient c, List<PeerClient.Key> batch) throws IOException;
  }

  private Result run(List<PeerClient.Key> keys, Listener listener, Op op) throws IOException {
    Ring ring = source.ring();
    if (ring.isEmpty()) {
      throw io.nectarfs.common.Errno.ENOENT.exception("cache group " + group + " has no live member");
    }
    Map<Member, List<PeerClient.Key>> byOwner = new LinkedHashMap<>();
    for (PeerClient.Key k : keys) {
      byOwner.computeIfAbsent(ring.owner(k.key()), m -> new ArrayList<>()).add(k);
    }
    Map<String, Share> out = new LinkedHashMap<>();
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      Map<Member, Future<Share>> running = new LinkedHashMap<>();
      for (var e : byOwner.entrySet()) {
        running.put(e.getKey(), ex.submit(() -> member(e.getKey(), e.getValue(), listener, op)));
      }
      for (var e : running.entrySet()) {
        try {
          out.put(e.getKey().id(), e.getValue().get());
        } catch (ExecutionException ee) {
          throw ee.getCause() instanceof IOException io ? io : new IOException(ee.getCause());
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted");
        }
      }
    }
    return new Result(out);
  }

  private Share member(Member m, List<PeerClient.Key> keys, Listener listener, Op op) {
    // A client of its own: the readers' clients give up after the peer timeout, a warm-up waits on the store.
    try (PeerClient c = PeerClient.connect(m.address(), key, PeerClient.Options.DEFAULT.withTimeout(REQUEST_TIMEOUT), metrics)) {
      return member(c, keys, listener, op);
    }
  }

  private Share member(PeerClient c, List<PeerClient.Key> keys, Listener listener, Op op) {
    Semaphore slots = new Semaphore(IN_FLIGHT);
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    java.util.concurrent.atomic.AtomicReference<String> error = new java.util.concurrent.atomic.AtomicReference<>();
    long bytes = 0;
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int from = 0; from < keys.size(); from += BATCH) {
        List<PeerClient.Key> batch = keys.subList(from, Math.min(keys.size(), from + BATCH));
        long batchBytes = batch.stream().mapToLong(PeerClient.Key::blockLen).sum();
        bytes += batchBytes;
        slots.acquireUninterruptibly();
        ex.execute(() -> {
          int good = 0;
          try {
            good = op.apply(c, batch);
          } catch (IOException | RuntimeException e) {
            error.compareAndSet(null, e.getMessage());
          } finally {
            slots.release();
          }
          ok.addAndGet(good);
          failed.addAndGet(batch.size() - good);
          listener.done(batch.size(), batchBytes, batch.size() - good);
        });
      }
    }
    return new Share(keys.size(), bytes, ok.get(), failed.get(), error.get());
  }
}
