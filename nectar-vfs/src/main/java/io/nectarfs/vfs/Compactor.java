package io.nectarfs.vfs;

import io.nectarfs.common.Ctx;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compaction of fragmented chunks: when a chunk has {@code compactThreshold} slices or more, its
 * visible bytes are rewritten as one new slice in the background and committed only if the chunk
 * did not change meanwhile ({@link io.nectarfs.meta.Meta#compact}); otherwise the new slice is
 * deleted. Objects of the replaced slices are freed by the metadata's deferred deletion.
 *
 * <p>Concurrency: one background thread. {@link #pending} holds the chunks queued or being
 * compacted, each with a "triggered again" flag; both are changed only inside the map's atomic
 * {@code compute}. Invariant: a trigger is never lost. A trigger for a chunk that is not pending
 * queues it; a trigger for a pending chunk sets its flag, and a run removes its chunk only if the
 * flag is clear (otherwise it clears the flag and runs again), so every trigger is followed by a
 * run that starts after it and reads the chunk as that trigger's commit left it.
 */
final class Compactor {
  private static final Logger log = LoggerFactory.getLogger(Compactor.class);
  /** Attempts per run when the chunk keeps changing under us (commits by other clients). */
  private static final int ATTEMPTS = 5;
  /** {@link #maybeCompact}'s record count when the committer does not know it. */
  static final int UNKNOWN = Integer.MAX_VALUE;

  /** One chunk of one inode. */
  record ChunkKey(long ino, int index) {}

  private final VfsImpl v;
  private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "nectar-compactor");
    t.setDaemon(true);
    return t;
  });
  /** Chunks queued or running; the value: triggered again since the current run started. */
  private final ConcurrentHashMap<ChunkKey, Boolean> pending = new ConcurrentHashMap<>();
  /** Notified when a chunk leaves {@link #pending} (for {@link #awaitIdle}). */
  private final Object idle = new Object();

  Compactor(VfsImpl v) {
    this.v = v;
  }

  /**
   * A slice of chunk {@code index} of {@code ino} was committed, leaving {@code records} slice
   * records in it ({@link #UNKNOWN}: not known): compact it if it is fragmented. A chunk known to
   * hold fewer than the threshold is left alone without reading it (a small file's commit would
   * otherwise cost a metadata read each).
   */
  void maybeCompact(long ino, int index, int records) {
    int threshold = v.config().compactThreshold();
    if (threshold <= 0 || records < threshold) {
      return;
    }
    ChunkKey key = new ChunkKey(ino, index);
    boolean[] queue = {false};
    pending.compute(key, (k, again) -> {
      queue[0] = again == null;
      return again != null; // a new entry starts with "not triggered again"
    });
    if (!queue[0]) {
      return;
    }
    try {
      executor.execute(() -> run(key, threshold));
    } catch (RejectedExecutionException e) { // closing
      done(key);
    }
  }

  private void run(ChunkKey key, int threshold) {
    do {
      try {
        // A write committed meanwhile makes an attempt fail (the chunk changed); try again while
        // the chunk is still fragmented. Our own commits also set the flag (another run follows).
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
          if (compact(key.ino(), key.index(), threshold) || v.meta().read(Ctx.ROOT, key.ino(), key.index()).size() < threshold) {
            break;
          }
        }
      } catch (IOException | RuntimeException e) {
        log.warn("compaction of inode {} chunk {} failed: {}", key.ino(), key.index(), e.toString());
      }
    } while (!finishRun(key));
  }

  /** Ends a run: true (and the chunk leaves {@link #pending}) unless it was triggered again meanwhile. */
  private boolean finishRun(ChunkKey key) {
    if (pending.compute(key, (k, again) -> again ? Boolean.FALSE : null) != null) {
      return false;
    }
    synchronized (idle) {
      idle.notifyAll();
    }
    return true;
  }

  private void done(ChunkKey key) {
    pending.remove(key);
    synchronized (idle) {
      idle.notifyAll();
    }
  }

  /**
   * Waits until no chunk is queued or being compacted; false if {@code timeout} passed first. A
   * chunk whose commit triggered compaction before this call has then been checked (and compacted
   * if fragmented) after that commit.
   */
  boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos(); // a bound on real waiting, not a decision on file system state
    synchronized (idle) {
      while (!pending.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(idle, left);
      }
    }
    return true;
  }

  /** Compacts now if the chunk has at least {@code threshold} slices; returns whether it did. */
  boolean compact(long ino, int index, int threshold) throws IOException {
    if (!Compaction.chunk(v.meta(), v.chunks(), ino, index, threshold)) {
      return false;
    }
    v.committed(ino, index, UNKNOWN);
    v.meters().compactions.increment();
    return true;
  }

  void close() {
    executor.shutdown();
    try {
      executor.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
