package io.nectarfs.vfs;

import io.nectarfs.chunk.SliceWriter;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.Chunks;
import io.nectarfs.meta.Slice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pending writes of one inode in this client: per chunk, the slices being written, in
 * creation order. A write goes into a slice whose not-yet-uploaded tail it extends or
 * overwrites, unless a newer slice overlaps the range; otherwise it starts a new slice. {@link
 * #flush} finishes every slice (all blocks stored) and only then commits it to the metadata, in
 * creation order, so a later slice always wins over an earlier one.
 *
 * <p>Concurrency: one lock serialises writes, flushes and the background flusher of this inode;
 * other inodes are independent. Invariant: every slice in {@link #chunks} has an id the metadata
 * does not reference yet; after a successful flush {@link #chunks} is empty.
 *
 * <p>Failures: a slice whose upload failed is aborted at once (its uploaded blocks deleted); when
 * the storage is full (ENOSPC) every pending slice is dropped at the write that notices it. The
 * application sees ENOSPC for a full storage, EIO for other storage failures, at that write and
 * at the next flush/fsync/close.
 */
final class FileWriter {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FileWriter.class);
  private static final int CHUNK = Chunks.CHUNK_SIZE;
  private static final int MAX_OPEN_SLICES = 8;
  static final long MAX_FILE_SIZE = 1L << 57;

  private final long ino;
  private final VfsImpl vfs;
  private final ReentrantLock lock = new ReentrantLock();
  private final TreeMap<Integer, List<Pending>> chunks = new TreeMap<>();
  private long pendingEnd;
  /** The committed length read by the first append since the last flush (-1: not read yet). */
  private long committedAtBatchStart = -1;
  private long firstWriteNanos;
  private long lastWriteNanos;
  private IOException error;

  private static final class Pending {
    final int index;
    final int pos;
    final SliceWriter w;
    int len;
    long mtime;
    boolean frozen;

    Pending(int index, int pos, SliceWriter w) {
      this.index = index;
      this.pos = pos;
      this.w = w;
    }
  }

  FileWriter(long ino, VfsImpl vfs) {
    this.ino = ino;
    this.vfs = vfs;
  }

  /** The mtime the pending data will be committed with (0 when nothing is pending). */
  long pendingMtime() {
    lock.lock();
    try {
      long m = 0;
      for (List<Pending> l : chunks.values()) {
        for (Pending p : l) {
          m = Math.max(m, p.mtime);
        }
      }
      return m;
    } finally {
      lock.unlock();
    }
  }

  /** The end of the furthest pending byte (0 when nothing is pending). */
  long pendingEnd() {
    lock.lock();
    try {
      return chunks.isEmpty() ? 0 : pendingEnd;
    } finally {
      lock.unlock();
    }
  }

  boolean hasPending() {
    lock.lock();
    try {
      return !chunks.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Writes {@code src} at {@code off}, or at the end of the file when {@code append} (the file's
   * committed length is {@code committedLength}); returns the offset written at.
   */
  long write(long off, ByteBuffer src, boolean append, java.util.function.LongSupplier committedLength) throws IOException {
    lock.lock();
    try {
      if (error != null) {
        throw posix("an earlier write of inode " + ino + " failed", error);
      }
      if (chunks.isEmpty()) {
        committedAtBatchStart = -1; // everything earlier is committed: the length may have moved
      }
      if (append && committedAtBatchStart < 0) {
        // Only the first append of a batch asks the metadata; later ones know the pending end.
        committedAtBatchStart = committedLength.getAsLong();
      }
      long at = append ? Math.max(committedAtBatchStart, chunks.isEmpty() ? 0 : pendingEnd) : off;
      if (at < 0 || at + src.remaining() > MAX_FILE_SIZE) {
        throw Errno.EFBIG.exception("write beyond the maximum file size");
      }
      long start = at;
      long now = vfs.clock().nowNanos();
      if (chunks.isEmpty()) {
        pendingEnd = 0;
        firstWriteNanos = System.nanoTime();
      }
      try {
        while (src.hasRemaining()) {
          int index = (int) (at >>> Chunks.CHUNK_BITS);
          int pos = (int) (at & (CHUNK - 1));
          int n = Math.min(src.remaining(), CHUNK - pos);
          Pending p = writable(index, pos, n);
          ByteBuffer part = src.slice(src.position(), n);
          p.w.write(pos - p.pos, part);
          p.len = Math.max(p.len, pos - p.pos + n);
          p.mtime = now;
          if (p.pos + p.len == CHUNK) {
            p.frozen = true;
          }
          p.w.flushTo(p.len);
          src.position(src.position() + n);
          at += n;
        }
      } catch (IOException e) {
        if (Errno.of(e) == Errno.ENOSPC && !(e instanceof FsException)) {
          // The storage is full: nothing pending can be committed. Free the memory and the blocks
          // already uploaded now, rather than leaving them to gc while the storage stays full.
          discard(e);
          throw posix("writing inode " + ino + " failed", e);
        }
        throw e;
      }
      lastWriteNanos = System.nanoTime();
      pendingEnd = Math.max(pendingEnd, at);
      return start;
    } finally {
      lock.unlock();
    }
  }

  /** A slice that may take {@code n} bytes at {@code pos} of chunk {@code index}, new if needed. */
  private Pending writable(int index, int pos, int n) throws IOException {
    List<Pending> list = chunks.computeIfAbsent(index, k -> new ArrayList<>());
    for (int i = list.size() - 1; i >= 0; i--) {
      Pending p = list.get(i);
      if (!p.frozen && pos >= p.pos + p.w.uploadedBoundary() && pos <= p.pos + p.len) {
        return p;
      }
      boolean overlaps = pos < p.pos + p.len && p.pos < pos + n;
      if (overlaps) {
        break; // a newer slice covers part of the range: writing into an older one would lose
      }
    }
    int open = 0;
    for (Pending p : list) {
      if (!p.frozen) {
        open++;
      }
    }
    if (open >= MAX_OPEN_SLICES) {
      for (Pending p : list) {
        if (!p.frozen) {
          p.frozen = true;
          p.w.flushTo(p.len);
          break;
        }
      }
    }
    long id = vfs.meta().newSliceId();
    Pending p = new Pending(index, pos, vfs.chunks().newWriter(id));
    list.add(p);
    return p;
  }

  /** Finishes and commits every pending slice; the first failure is returned from now on. */
  void flush() throws IOException {
    lock.lock();
    try {
      flushLocked();
    } finally {
      lock.unlock();
    }
  }

  /** Flushes if nothing else holds the lock and the data is old or idle enough. */
  void flushIfDue(long idleNanos, long maxAgeNanos) {
    if (!lock.tryLock()) {
      return;
    }
    try {
      long now = System.nanoTime();
      if (!chunks.isEmpty() && (now - lastWriteNanos >= idleNanos || now - firstWriteNanos >= maxAgeNanos)) {
        flushLocked();
      }
    } catch (IOException e) {
      // Kept in 'error' and reported to the application at its next write, flush or fsync.
    } finally {
      lock.unlock();
    }
  }

  private void flushLocked() throws IOException {
    if (error != null) {
      throw posix("writing inode " + ino + " failed", error);
    }
    List<Pending> all = new ArrayList<>();
    chunks.values().forEach(all::addAll);
    chunks.clear();
    // Every slice of this flush carries the newest write time, so the file's mtime after the
    // flush is what getattr showed while the data was pending: the kernel then keeps its pages.
    long mtime = 0;
    for (Pending p : all) {
      mtime = Math.max(mtime, p.mtime);
    }
    int i = 0;
    boolean finished = false;
    try {
      for (; i < all.size(); i++) {
        Pending p = all.get(i);
        finished = false;
        p.w.finish(p.len);
        finished = true;
        try {
          vfs.meta().write(Ctx.ROOT, ino, p.index, new Slice(p.pos, p.w.id(), p.len, 0, p.len), mtime);
        } catch (FsException e) {
          vfs.chunks().remove(p.w.id(), p.len);
          if (e.errno() == Errno.ENOENT) {
            continue; // the file was deleted meanwhile: its data goes with it
          }
          throw e;
        }
        vfs.committed(ino, p.index);
      }
      if (!all.isEmpty()) {
        vfs.sawOwnChange(ino); // the kernel's pages already hold what was just committed
      }
    } catch (IOException e) {
      // A slice whose upload failed is deleted with the rest; one whose commit failed is kept
      // (the commit may have happened) and left to gc if it did not.
      int from = finished ? i + 1 : i;
      for (int j = from; j < all.size(); j++) {
        all.get(j).w.abort();
      }
      error = e;
      if (!(e instanceof FsException)) { // a storage or engine failure, not a POSIX outcome such as EDQUOT
        log.warn("writing inode {} failed; {} uncommitted slice(s) dropped and their uploaded blocks deleted: {}", ino, all.size() - from,
            e.getMessage());
      }
      throw posix("writing inode " + ino + " failed", e);
    }
  }

  /** Drops every pending slice after a failure that the application learns from now on. */
  private void discard(IOException cause) {
    int n = 0;
    for (List<Pending> l : chunks.values()) {
      for (Pending p : l) {
        p.w.abort();
        n++;
      }
    }
    chunks.clear();
    error = cause;
    log.warn("writing inode {} failed; {} uncommitted slice(s) dropped and their uploaded blocks deleted: {}", ino, n, cause.getMessage());
  }

  /** The errno the application sees: a POSIX outcome as is, a full storage ENOSPC, anything else EIO. */
  private static FsException posix(String what, IOException e) {
    if (e instanceof FsException fe) {
      return fe;
    }
    return (Errno.of(e) == Errno.ENOSPC ? Errno.ENOSPC : Errno.EIO).exception(what + ": " + e.getMessage());
  }

  /** Drops pending data without committing (file deleted, or shutdown after a failure). */
  void abort() {
    lock.lock();
    try {
      chunks.values().forEach(l -> l.forEach(p -> p.w.abort()));
      chunks.clear();
    } finally {
      lock.unlock();
    }
  }

  /** Clears a reported error so later writes can try again (after the last handle closed). */
  void clearError() {
    lock.lock();
    try {
      error = null;
    } finally {
      lock.unlock();
    }
  }
}
