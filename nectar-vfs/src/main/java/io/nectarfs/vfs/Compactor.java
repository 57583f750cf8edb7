package io.nectarfs.vfs;

import io.nectarfs.chunk.SliceWriter;
import io.nectarfs.common.Ctx;
import io.nectarfs.meta.Chunks;
import io.nectarfs.meta.Slice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compaction of fragmented chunks: when a chunk has {@code compactThreshold} slices or more, its
 * visible bytes are rewritten as one new slice in the background and committed only if the chunk
 * did not change meanwhile ({@link io.nectarfs.meta.Meta#compact}); otherwise the new slice is
 * deleted. Objects of the replaced slices are freed by the metadata's deferred deletion.
 *
 * <p>Concurrency: one background thread; a set of (inode, chunk) pairs queued or running keeps a
 * chunk from being queued twice.
 */
final class Compactor {
  private static final Logger log = LoggerFactory.getLogger(Compactor.class);
  private final VfsImpl v;
  private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "nectar-compactor");
    t.setDaemon(true);
    return t;
  });
  private final Set<Long> queued = ConcurrentHashMap.newKeySet();

  Compactor(VfsImpl v) {
    this.v = v;
  }

  void maybeCompact(long ino, int index) {
    int threshold = v.config().compactThreshold();
    if (threshold <= 0) {
      return;
    }
    long key = ino * 31 + index;
    if (!queued.add(key)) {
      return;
    }
    try {
      executor.execute(() -> {
        try {
          // A write committed meanwhile makes the attempt fail (the chunk changed); try again
          // while the chunk is still fragmented, since that write's own trigger found us busy.
          for (int attempt = 0; attempt < 5; attempt++) {
            if (compact(ino, index, threshold) || v.meta().read(Ctx.ROOT, ino, index).size() < threshold) {
              break;
            }
          }
        } catch (IOException | RuntimeException e) {
          log.warn("compaction of inode {} chunk {} failed: {}", ino, index, e.toString());
        } finally {
          queued.remove(key);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      queued.remove(key);
    }
  }

  /** Compacts now if the chunk has at least {@code threshold} slices; returns whether it did. */
  boolean compact(long ino, int index, int threshold) throws IOException {
    List<Slice> slices = v.meta().read(Ctx.ROOT, ino, index);
    if (slices.size() < threshold) {
      return false;
    }
    List<Slice> visible = Chunks.resolve(slices);
    if (visible.isEmpty()) {
      return false;
    }
    Slice last = visible.getLast();
    int len = last.pos() + last.len();
    long id = v.meta().newSliceId();
    SliceWriter w = v.chunks().newWriter(id);
    try {
      ByteBuffer buf = ByteBuffer.allocate(1 << 20);
      for (Slice p : visible) {
        int done = 0;
        while (done < p.len()) {
          int n = Math.min(buf.capacity(), p.len() - done);
          buf.clear().limit(n);
          if (p.id() == 0) {
            java.util.Arrays.fill(buf.array(), 0, n, (byte) 0);
            buf.position(n);
          } else {
            int got = v.chunks().read(p.id(), p.size(), p.off() + done, buf);
            if (got != n) {
              throw new IOException("short read of slice " + p.id());
            }
          }
          buf.flip();
          w.write(p.pos() + done, buf);
          done += n;
        }
      }
      w.finish(len);
    } catch (IOException | RuntimeException e) {
      w.abort();
      throw e;
    }
    boolean ok = v.meta().compact(Ctx.ROOT, ino, index, slices, new Slice(0, id, len, 0, len));
    if (!ok) {
      v.chunks().remove(id, len);
      return false;
    }
    v.committed(ino, index);
    v.metrics().add("nectar_vfs_compactions_total", 1);
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
