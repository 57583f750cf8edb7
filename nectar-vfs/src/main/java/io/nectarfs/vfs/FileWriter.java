package io.nectarfs.vfs;

import io.nectarfs.chunk.SliceWriter;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.Chunks;
import io.nectarfs.meta.Committed;
import io.nectarfs.meta.Slice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pending writes of one inode in this client: per chunk, the slices being written, in
 * creation order. A write goes into a slice whose not-yet-uploaded tail it extends or
 * overwrites, unless a newer slice overlaps the range; otherwise it starts a new slice. {@link
 * #flush} finishes every slice (all blocks stored) and only then commits it to the metadata, in
 * creation order, so a later slice always wins over an earlier one.
 *
 * <p>O_APPEND writes go into an append run instead: slices without a file offset, each filled
 * from its start, committed with {@link io.nectarfs.meta.Meta#append}, which places them at the
 * end of the file inside the committing transaction. So appends of any number of clients never
 * overwrite each other, and one write(2) is never split by another client's bytes. A switch
 * between appending and positioned writing first commits what is pending, so the two kinds keep
 * their order without a pending positioned write having to know where an append will land.
 *
 * <p>Concurrency: one lock serialises writes, flushes and the background flusher of this inode;
 * other inodes are independent. Invariant: every slice in {@link #chunks} and {@link #appends}
 * has an id the metadata does not reference yet; at most one of them is non-empty; after a
 * successful {@link #flush} both are empty (the background flush commits the oldest slices, a
 * bounded batch at a time).
 *
 * <p>Journal (kept mounts, issue #17): every piece taken into a pending slice is recorded in the
 * VFS's {@link WriteJournal} before the write returns, and a slice's records are erased when it
 * leaves this writer (committed, or dropped with an error the application is told); a piece the
 * full journal refuses makes the write commit everything pending instead. After a crash the next
 * process's writer takes the crashed one's live pieces as its pending data ({@link #adopt}),
 * without new records: a committed slice also erases the records it replaces.
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
  /** The append run: slices in write order, each filled from offset 0; the last one may grow. */
  private final List<Pending> appends = new ArrayList<>();
  /** Bytes in {@link #appends}. */
  private long appendBytes;
  /** Flushes that took pending data out so far (see {@link #flushes}). */
  private long flushes;
  /** Flushes that committed slices; {@link #synced}: how many of them a metadata sync covered. */
  private final java.util.concurrent.atomic.AtomicLong commits = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong synced = new java.util.concurrent.atomic.AtomicLong();
  /** Set by the last release (or abort): the writer is leaving the VFS's map and takes no writes. */
  private boolean retired;
  private long firstWriteNanos;
  private long lastWriteNanos;
  /** Set while data taken over from a crashed predecessor ({@link #adopt}) is pending: the flusher commits it at once. */
  private boolean adopted;
  private IOException error;

  private static final class Pending {
    final int index;
    final int pos;
    final SliceWriter w;
    int len;
    long mtime;
    boolean frozen;
    /** Slices of a crashed predecessor whose journal records this one's commit makes unneeded ({@link #adopt}). */
    List<Long> replaces = List.of();

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
      for (Pending p : appends) {
        m = Math.max(m, p.mtime);
      }
      return m;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The length the file will have once the pending data is committed, given its committed length
   * {@code committed} (the pending appends land after it, unless other clients append first).
   */
  long pendingEnd(long committed) {
    lock.lock();
    try {
      long end = committed + appendBytes;
      return chunks.isEmpty() ? end : Math.max(end, pendingEnd);
    } finally {
      lock.unlock();
    }
  }

  /**
   * How many times pending data was taken out to be committed (or dropped). Attributes read
   * while this number did not change cannot include data still counted as pending.
   */
  long flushes() {
    lock.lock();
    try {
      return flushes;
    } finally {
      lock.unlock();
    }
  }

  boolean hasPending() {
    lock.lock();
    try {
      return !chunks.isEmpty() || !appends.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Writes {@code src} at {@code off}, or, when {@code append}, at the end the file will have when
   * the write is committed (then {@code off} is ignored). Returns false, writing nothing, when the
   * writer was retired meanwhile: the caller then writes through a new one.
   */
  boolean write(long off, ByteBuffer src, boolean append) throws IOException {
    return write(Ctx.ROOT, off, src, append);
  }

  /**
   * {@link #write(long, ByteBuffer, boolean)} for an operation of {@code ctx}. When {@code ctx} is
   * cancelled while the write waits for buffer memory, the write stops there: with EINTR
   * (ETIMEDOUT) if nothing was taken yet, else short (a chunk piece counts whole or not at all;
   * {@code src}'s position tells how much), as write(2) does when a signal interrupts it.
   */
  boolean write(Ctx ctx, long off, ByteBuffer src, boolean append) throws IOException {
    lock.lock();
    try {
      if (retired) {
        return false;
      }
      if (error != null) {
        throw posix("an earlier write of inode " + ino + " failed", error);
      }
      if (append ? !chunks.isEmpty() : !appends.isEmpty()) {
        flushLocked(); // the other kind is pending: commit it first to keep the order
      }
      if (append) {
        try {
          appendLocked(ctx, src);
        } catch (IOException e) {
          throw discardIfFull(e);
        }
        return true;
      }
      long at = off;
      if (at < 0 || at + src.remaining() > MAX_FILE_SIZE) {
        throw Errno.EFBIG.exception("write beyond the maximum file size");
      }
      long now = vfs.clock().nowNanos();
      if (chunks.isEmpty()) {
        pendingEnd = 0;
        firstWriteNanos = vfs.clock().monotonicNanos();
      }
      try {
        while (src.hasRemaining()) {
          int index = (int) (at >>> Chunks.CHUNK_BITS);
          int pos = (int) (at & (CHUNK - 1));
          int n = Math.min(src.remaining(), CHUNK - pos);
          Pending p = writable(index, pos, n);
          ByteBuffer part = src.slice(src.position(), n);
          if (!writePiece(ctx, p, pos - p.pos, part.duplicate(), at > off)) {
            break;
          }
          p.len = Math.max(p.len, pos - p.pos + n);
          p.mtime = now;
          if (p.pos + p.len == CHUNK) {
            p.frozen = true;
          }
          p.w.flushTo(p.len);
          src.position(src.position() + n);
          at += n;
          pendingEnd = Math.max(pendingEnd, at);
          journal(p, index, pos, part);
        }
      } catch (IOException e) {
        throw discardIfFull(e);
      }
      lastWriteNanos = vfs.clock().monotonicNanos();
      pendingEnd = Math.max(pendingEnd, at);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Writes one piece into a pending slice; false (nothing of the piece taken) when {@code ctx} was
   * cancelled and the write already took something, so that it ends short instead of failing.
   */
  private boolean writePiece(Ctx ctx, Pending p, int off, ByteBuffer part, boolean tookSome) throws IOException {
    try {
      p.w.write(off, part, ctx);
      return true;
    } catch (FsException e) {
      boolean cancelled = ctx.isCancelled() && (e.errno() == Errno.EINTR || e.errno() == Errno.ETIMEDOUT);
      if (cancelled && p.len == 0) { // the slice was opened for this piece: nothing to commit
        List<Pending> list = p.index < 0 ? appends : chunks.get(p.index);
        list.remove(p);
        if (list.isEmpty() && p.index >= 0) {
          chunks.remove(p.index);
        }
        p.w.abort();
      }
      if (cancelled && tookSome) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Adds {@code src} to the append run. A write stays in one slice unless the slice would exceed
   * a chunk (the most one record pair can place), so a write(2) of up to 64 MiB lands whole.
   */
  private void appendLocked(Ctx ctx, ByteBuffer src) throws IOException {
    long now = vfs.clock().nowNanos();
    if (appends.isEmpty()) {
      firstWriteNanos = vfs.clock().monotonicNanos();
    }
    Pending p = appends.isEmpty() ? null : appends.getLast();
    long appendedHere = 0;
    if (p != null && (long) p.len + src.remaining() > CHUNK && src.remaining() <= CHUNK) {
      p.frozen = true; // the whole write goes into the next slice
    }
    while (src.hasRemaining()) {
      if (p == null || p.frozen) {
        p = new Pending(-1, 0, vfs.chunks().newWriter(vfs.meta().newSliceId()));
        appends.add(p);
      }
      int n = Math.min(src.remaining(), CHUNK - p.len);
      ByteBuffer part = src.slice(src.position(), n);
      if (!writePiece(ctx, p, p.len, part.duplicate(), appendedHere > 0)) {
        break;
      }
      appendedHere += n;
      p.len += n;
      p.mtime = now;
      if (p.len == CHUNK) {
        p.frozen = true;
      }
      p.w.flushTo(p.len);
      src.position(src.position() + n);
      appendBytes += n;
      if (journal(p, -1, p.len - n, part)) {
        p = null; // committed
      }
    }
    lastWriteNanos = vfs.clock().monotonicNanos();
  }

  /**
   * Records a piece just written into {@code p} in the VFS's write journal (if it has one: a kept
   * mount, issue #17), so that a crash of this process before the commit loses nothing. When the
   * journal has no room, commits everything pending instead (the piece is then durable without a
   * record) and returns true.
   */
  private boolean journal(Pending p, int index, int pos, ByteBuffer part) throws IOException {
    WriteJournal j = vfs.journal();
    if (j == null || j.piece(ino, p.w.id(), index, pos, Vfs.REQUEST.isBound() ? Vfs.REQUEST.get() : 0, part)) {
      return false;
    }
    flushLocked();
    return true;
  }

  /**
   * Crash recovery (issue #17): takes the journaled pieces a crashed predecessor had acknowledged
   * and not committed ({@code pieces}, of this file, oldest first, all positioned or all appends,
   * none already in the file) as pending data, without committing it: the flusher commits it in
   * the background ({@link #flushIfDue} treats it as due), so the recovery does not wait for the
   * uploads and the metadata. No new journal record is written: the predecessor's stay live until
   * the slice that holds their bytes is committed, so a crash before that replays them again.
   *
   * <p>A positioned slice of the predecessor becomes a new slice (its id may be in the object store
   * with other bytes), carrying the old id for the erasure ({@link Pending#replaces}); replaying
   * it again after a commit only writes the same bytes again. An append slice keeps its id: that is
   * how the next recovery recognises it in the file ({@code VfsImpl.committedAppends}) and does
   * not append it twice. The pieces go into their slices in the order they were written, so every
   * overwrite lands as it did; slices keep their creation order, so a later one still wins.
   *
   * @return the bytes taken
   */
  long adopt(List<WriteJournal.Piece> pieces) throws IOException {
    lock.lock();
    try {
      if (!chunks.isEmpty() || !appends.isEmpty() || retired) {
        throw new IllegalStateException("inode " + ino + ": a writer takes a predecessor's pieces only when new");
      }
      long now = vfs.clock().nowNanos();
      firstWriteNanos = lastWriteNanos = vfs.clock().monotonicNanos();
      pendingEnd = 0;
      Map<Long, Pending> bySlice = new HashMap<>();
      long bytes = 0;
      for (WriteJournal.Piece piece : pieces) {
        boolean append = piece.index() < 0;
        if (append != pieces.getFirst().index() < 0) {
          throw new IllegalArgumentException("inode " + ino + ": appends and positioned pieces adopted together");
        }
        Pending p = bySlice.get(piece.slice());
        int at = append ? piece.pos() : piece.pos() - (p == null ? 0 : p.pos);
        if (p == null || (!append && (at < p.w.uploadedBoundary() || piece.index() != p.index))) {
          // A new slice (for a positioned one, also should its bytes not fit the one before: they
          // always did in the predecessor, which wrote the same pieces in the same order).
          Pending before = p;
          p = new Pending(piece.index(), append ? 0 : piece.pos(), vfs.chunks().newWriter(append ? piece.slice() : vfs.meta().newSliceId()));
          p.frozen = true; // new writes go into slices of their own
          p.replaces = append ? List.of() : List.of(piece.slice());
          if (before != null) {
            before.replaces = List.of(); // the old records go with the last of their slices, committed after this one
          }
          p.mtime = now;
          bySlice.put(piece.slice(), p);
          if (append) {
            appends.add(p);
          } else {
            chunks.computeIfAbsent(p.index, k -> new ArrayList<>()).add(p);
          }
          at = append ? piece.pos() : 0;
        }
        int n = piece.data().remaining();
        p.w.write(at, piece.data().duplicate());
        int grew = Math.max(0, at + n - p.len);
        p.len += grew;
        if (append) {
          appendBytes += grew;
        } else {
          pendingEnd = Math.max(pendingEnd, (long) p.index * CHUNK + p.pos + p.len);
        }
        bytes += n;
      }
      adopted = hasPending();
      return bytes;
    } finally {
      lock.unlock();
    }
  }

  /** The journal records of these slices are no longer needed. */
  private void journalDone(List<Pending> slices) {
    WriteJournal j = vfs.journal();
    if (j != null && !slices.isEmpty()) {
      List<Long> ids = new ArrayList<>(slices.size());
      for (Pending p : slices) {
        ids.add(p.w.id());
        ids.addAll(p.replaces);
      }
      j.done(ids);
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

  /**
   * Commits everything and takes no writes from now on (the last handle of the inode is being
   * released; a write racing with it goes to a new writer instead of being left behind here).
   */
  void retire() throws IOException {
    lock.lock();
    try {
      retired = true;
      flushLocked();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Makes what this writer committed so far durable ({@link io.nectarfs.meta.Meta#sync}), unless a
   * sync since the last commit did already: a small file written and closed costs one sync, an
   * empty one none. Returns whether it synced (every metadata commit so far is then durable).
   */
  boolean syncCommitted() throws IOException {
    long c = commits.get();
    if (c > synced.get()) {
      vfs.meta().sync();
      synced.accumulateAndGet(c, Math::max);
      return true;
    }
    return false;
  }

  /**
   * Flushes if nothing else holds the lock and the data is old or idle enough: at most {@link
   * #SLICES_PER_COMMIT} slices, the oldest, per call, so that writes waiting for the lock wait for
   * one bounded batch (random small writes make a slice each; committing all of them at once held
   * writes for seconds). The flusher comes back every 100 ms while data stays due.
   */
  void flushIfDue(long idleNanos, long maxAgeNanos) {
    if (!lock.tryLock()) {
      return;
    }
    try {
      long now = vfs.clock().monotonicNanos();
      if (hasPending() && (adopted || now - lastWriteNanos >= idleNanos || now - firstWriteNanos >= maxAgeNanos)) {
        flushLocked(SLICES_PER_COMMIT);
      }
    } catch (IOException e) {
      // Kept in 'error' and reported to the application at its next write, flush or fsync.
    } finally {
      lock.unlock();
    }
  }

  private void flushLocked() throws IOException {
    flushLocked(Integer.MAX_VALUE);
  }

  /**
   * Commits the pending slices, or only the oldest {@code limit} positioned ones (in creation order
   * within each chunk, chunk by chunk: what stays pending is newer than what is committed, so a
   * later slice still wins). An append run is always committed whole.
   */
  private void flushLocked(int limit) throws IOException {
    if (error != null) {
      throw posix("writing inode " + ino + " failed", error);
    }
    List<Pending> all = new ArrayList<>();
    long end = chunks.isEmpty() ? 0 : pendingEnd;
    for (var it = chunks.values().iterator(); it.hasNext() && all.size() < limit; ) {
      List<Pending> l = it.next();
      List<Pending> taken = l.subList(0, Math.min(l.size(), limit - all.size()));
      all.addAll(taken);
      taken.clear();
      if (l.isEmpty()) {
        it.remove();
      }
    }
    all.addAll(appends); // (at most one of the two is non-empty)
    appends.clear();
    appendBytes = 0;
    adopted &= !chunks.isEmpty();
    if (!all.isEmpty()) {
      flushes++;
    }
    try {
      commitLocked(all, end);
    } finally {
      journalDone(all); // committed, or dropped with the error the application is told
    }
  }

  /** Commits {@code all}, taken out of this writer, in order; {@code end}: the pending end before. */
  private void commitLocked(List<Pending> all, long end) throws IOException {
    // Every slice of this flush carries the newest write time, so the file's mtime after the
    // flush is what getattr showed while the data was pending: the kernel then keeps its pages.
    long mtime = 0;
    for (Pending p : all) {
      mtime = Math.max(mtime, p.mtime);
    }
    int i = 0;
    int from = 0; // the slices from here on are not committed: a failure aborts them
    long length = -1; // the file's length after this flush's last commit (-1: none committed)
    try {
      InlineSlices inline = vfs.inlineSlices();
      if (all.size() > 1) {
        for (Pending p : all) {
          if (!inlineCandidate(inline, p, end)) {
            p.w.startFinish(p.len); // every upload at once, not one slice after the other
          }
        }
      }
      while (i < all.size()) {
        Pending p = all.get(i);
        from = i;
        if (inlineCandidate(inline, p, end)) {
          try {
            Committed done = inline.commit(Ctx.ROOT, ino, p.index, p.pos, p.w, p.len, end, mtime);
            if (done.done()) {
              from = ++i;
              length = done.length();
              vfs.committed(ino, p.index, done.slices());
              continue;
            }
          } catch (FsException e) {
            if (e.errno() == Errno.ENOENT) {
              p.w.abort();
              from = ++i;
              continue; // the file was deleted meanwhile: its data goes with it
            }
            throw e;
          }
        }
        int next = p.index < 0 ? i + 1 : batchEnd(all, i, inline, end);
        List<Slice> records = new ArrayList<>(next - i);
        for (int k = i; k < next; k++) {
          Pending q = all.get(k);
          q.w.finish(q.len);
          records.add(new Slice(q.pos, q.w.id(), q.len, 0, q.len));
        }
        from = next; // from here on a failed commit may still have happened: kept, left to gc if not
        int index = p.index;
        int inChunk = Compactor.UNKNOWN; // slice records in the chunk after the commit
        try {
          if (p.index < 0) {
            long at = vfs.meta().append(Ctx.ROOT, ino, p.w.id(), p.len, mtime);
            length = at + p.len;
            index = (int) (at >>> Chunks.CHUNK_BITS);
            long lastIndex = (at + p.len - 1) >>> Chunks.CHUNK_BITS;
            if (lastIndex != index) {
              vfs.committed(ino, index, Compactor.UNKNOWN);
              index = (int) lastIndex;
            }
          } else {
            Committed done = records.size() == 1
                ? vfs.meta().write(Ctx.ROOT, ino, p.index, records.getFirst(), mtime)
                : vfs.meta().writeSlices(Ctx.ROOT, ino, p.index, records, mtime); // one transaction for the run
            inChunk = done.slices();
            length = done.length();
          }
        } catch (FsException e) {
          for (int k = i; k < next; k++) {
            vfs.chunks().remove(all.get(k).w.id(), all.get(k).len);
          }
          if (e.errno() == Errno.ENOENT) {
            i = next;
            continue; // the file was deleted meanwhile: its data goes with it
          }
          throw e;
        }
        vfs.committed(ino, index, inChunk);
        i = next;
      }
      if (!all.isEmpty()) {
        commits.incrementAndGet();
        vfs.sawOwnChange(ino, mtime, length); // the kernel's pages already hold what was just committed
      }
    } catch (IOException e) {
      // A slice whose upload failed is deleted with the rest; one whose commit failed is kept
      // (the commit may have happened) and left to gc if it did not.
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

  /**
   * Slices committed in one transaction: a run of positioned slices of one chunk, in creation
   * order. A flush of many small scattered writes (random writes) would otherwise cost a metadata
   * transaction per write.
   */
  static final int SLICES_PER_COMMIT = 512;

  /** The end (exclusive) of the run of slices from {@code i} that one transaction commits. */
  private static int batchEnd(List<Pending> all, int i, InlineSlices inline, long end) {
    int index = all.get(i).index;
    int next = i + 1;
    while (next < all.size() && next - i < SLICES_PER_COMMIT && all.get(next).index == index && !inlineCandidate(inline, all.get(next), end)) {
      next++;
    }
    return next;
  }

  /** Whether the slice may go inline in the metadata (then it is committed on its own, first tried inline). */
  private static boolean inlineCandidate(InlineSlices inline, Pending p, long end) {
    return inline != null && p.index >= 0 && inline.mayTake(p.index, p.pos, p.len, end);
  }

  /**
   * The exception a failed write throws. When the storage is full nothing pending can be
   * committed: the memory and the blocks already uploaded are freed now, rather than left to gc
   * while the storage stays full.
   */
  private IOException discardIfFull(IOException e) {
    if (Errno.of(e) == Errno.ENOSPC && !(e instanceof FsException)) {
      discard(e);
      return posix("writing inode " + ino + " failed", e);
    }
    return e;
  }

  /** Drops every pending slice after a failure that the application learns from now on. */
  private void discard(IOException cause) {
    journalDone(appends);
    chunks.values().forEach(this::journalDone);
    int n = appends.size();
    for (List<Pending> l : chunks.values()) {
      for (Pending p : l) {
        p.w.abort();
        n++;
      }
    }
    chunks.clear();
    appends.forEach(p -> p.w.abort());
    appends.clear();
    appendBytes = 0;
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
      journalDone(appends);
      chunks.values().forEach(this::journalDone);
      chunks.values().forEach(l -> l.forEach(p -> p.w.abort()));
      chunks.clear();
      appends.forEach(p -> p.w.abort());
      appends.clear();
      appendBytes = 0;
      flushes++;
      retired = true;
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
