package io.nectarfs.vfs;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.Chunks;
import io.nectarfs.meta.Slice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Reads file data: the length from the attributes, each chunk's slices resolved (later wins,
 * holes are zeros), pieces read from the chunk store; and the adaptive read-ahead of sequential
 * streams.
 *
 * <p>Concurrency: lock-free apart from each handle's read-ahead state (guarded by the handle).
 * Attributes and slice lists come from the VFS's bounded {@link InodeCache}, trusted for {@code
 * attrCache} and dropped by this client's own changes (and at every open).
 */
final class FileReader {
  private static final long CHUNK = Chunks.CHUNK_SIZE;
  private final VfsImpl v;
  private final InodeCache cache;
  private final BadBlocks badBlocks = new BadBlocks();

  FileReader(VfsImpl v, InodeCache cache) {
    this.v = v;
    this.cache = cache;
  }

  void invalidate(long ino) {
    cache.invalidate(ino);
  }

  private Attr attr(long ino) throws IOException {
    Attr a = cache.attr(ino);
    if (a == null) {
      long stamp = cache.stamp(ino);
      a = v.meta().getattr(Ctx.ROOT, ino);
      cache.putAttr(ino, a, stamp);
    }
    return a;
  }

  List<Slice> resolved(long ino, int index) throws IOException {
    List<Slice> r = cache.slices(ino, index);
    if (r == null) {
      long stamp = cache.stamp(ino);
      r = Chunks.resolve(v.meta().read(Ctx.ROOT, ino, index));
      cache.putSlices(ino, index, r, stamp);
    }
    return r;
  }

  /**
   * Reads into {@code dst} for an operation of {@code ctx}, checking it before each chunk and each
   * slice piece (an object request may follow); a cancelled read fails with EINTR/ETIMEDOUT.
   */
  int read(Ctx ctx, long ino, Handle.File h, long off, ByteBuffer dst) throws IOException {
    long length = attr(ino).length();
    if (off >= length || !dst.hasRemaining()) {
      return 0;
    }
    int total = (int) Math.min(dst.remaining(), length - off);
    readAhead(ino, h, off, total, length);
    int done = 0;
    while (done < total) {
      long at = off + done;
      int index = (int) (at / CHUNK);
      int pos = (int) (at % CHUNK);
      int n = (int) Math.min(total - done, CHUNK - pos);
      ctx.checkCancelled();
      readChunk(ctx, ino, index, pos, n, dst);
      done += n;
    }
    return total;
  }

  /**
   * Reads {@code [pos, pos+n)} of one chunk into {@code dst}; ranges no slice covers are zeros.
   * When a slice's data is gone, the slice list held may be stale (another client replaced the
   * data and the old slice was freed): the list is read again and, if it changed, the chunk is
   * read once more from it; data missing from a current list is EIO.
   */
  private void readChunk(Ctx ctx, long ino, int index, int pos, int n, ByteBuffer dst) throws IOException {
    int start = dst.position();
    List<Slice> slices = resolved(ino, index);
    try {
      readChunk(ctx, ino, slices, pos, n, dst);
      return;
    } catch (SliceMissing e) {
      cache.invalidate(ino);
      List<Slice> now = resolved(ino, index);
      if (now.equals(slices)) {
        throw missing(ino, e);
      }
      dst.position(start);
      try {
        readChunk(ctx, ino, now, pos, n, dst);
      } catch (SliceMissing again) {
        throw missing(ino, again);
      }
    }
  }

  /** The data of slice {@code id} is not in the store (or, inline, not in the metadata). */
  private static final class SliceMissing extends IOException {
    final long id;

    SliceMissing(long id, java.nio.file.NoSuchFileException cause) {
      super(cause.getMessage(), cause);
      this.id = id;
    }
  }

  private io.nectarfs.common.FsException missing(long ino, SliceMissing e) {
    java.nio.file.NoSuchFileException cause = (java.nio.file.NoSuchFileException) e.getCause();
    badBlocks.failed(ino, e.id, cause);
    return Errno.EIO.exception("data of inode " + ino + " is missing from the object store (" + cause.getMessage()
        + "): not uploaded yet by a writeback client, or lost");
  }

  private void readChunk(Ctx ctx, long ino, List<Slice> slices, int pos, int n, ByteBuffer dst) throws IOException {
    int end = pos + n;
    int at = pos;
    for (Slice p : slices) {
      int a = Math.max(at, p.pos());
      int b = Math.min(end, p.pos() + p.len());
      if (a >= b) {
        continue;
      }
      if (a > at) {
        zeros(dst, a - at);
      }
      if (p.id() == 0) {
        zeros(dst, b - a);
      } else {
        ByteBuffer part = dst.slice(dst.position(), b - a);
        int got;
        try {
          got = v.chunks().read(ctx, p.id(), p.size(), p.off() + (a - p.pos()), part);
        } catch (java.nio.file.NoSuchFileException e) {
          throw new SliceMissing(p.id(), e); // the caller checks whether the slice list was stale
        } catch (io.nectarfs.common.FsException e) {
          throw e;
        } catch (IOException e) {
          badBlocks.failed(ino, p.id(), e);
          throw Errno.EIO.exception("cannot read data of inode " + ino + ": " + e.getMessage());
        }
        if (got != b - a) {
          throw Errno.EIO.exception("slice " + p.id() + " of inode " + ino + " is shorter than its metadata says");
        }
        dst.position(dst.position() + got);
      }
      at = b;
    }
    if (at < end) {
      zeros(dst, end - at);
    }
  }

  private static void zeros(ByteBuffer dst, int n) {
    for (int i = 0; i < n; i++) {
      dst.put((byte) 0);
    }
  }

  /**
   * Sequential streams get a read-ahead window that doubles up to {@code readAheadMax}; a random
   * read resets it. The window's blocks are prefetched into the cache in the background.
   *
   * <p>A read counts as sequential when it starts within {@link #reorderSlack} of where the stream
   * has read to: the kernel sends several read-ahead requests of one stream at once and the server
   * handles them concurrently, so they arrive here slightly out of order; demanding an exact
   * continuation would reset the window at every swap. The slack scales with the request size, so
   * small random reads (4 KiB: 32 KiB of slack) practically never start a window.
   *
   * <p>What the chunk store does not take (its download queue or read-ahead memory is full) stays
   * ahead of {@code prefetchedTo} and is asked for again at the next read: skipping it would leave
   * those blocks to be fetched by the reader itself, one at a time, when it gets there.
   */
  private void readAhead(long ino, Handle.File h, long off, int len, long length) {
    long max = v.config().readAheadMax();
    if (max <= 0) {
      return;
    }
    long from;
    long to;
    synchronized (h) {
      long slack = reorderSlack(len);
      if (h.lastReadEnd >= 0 && off >= h.lastReadEnd - slack && off <= h.lastReadEnd + slack) {
        h.window = Math.min(max, Math.max(h.window * 2, 1L << 20));
        h.lastReadEnd = Math.max(h.lastReadEnd, off + len);
      } else {
        h.window = 0;
        h.prefetchedTo = 0;
        h.lastReadEnd = off + len;
      }
      if (h.window == 0) {
        return;
      }
      from = Math.max(off + len, h.prefetchedTo);
      to = Math.min(length, off + len + h.window);
      if (from >= to) {
        return;
      }
      h.prefetchedTo = to;
    }
    long reached = prefetch(ino, from, to);
    if (reached < to) {
      synchronized (h) {
        if (h.prefetchedTo == to) {
          h.prefetchedTo = reached; // the rest is asked for again at a later read
        }
      }
    }
  }

  /**
   * Asks the chunk store to prefetch {@code [from, to)} and returns where it stopped: {@code to},
   * or the first byte it did not take because its download queue or read-ahead memory was full.
   */
  private long prefetch(long ino, long from, long to) {
    try {
      for (long at = from; at < to; ) {
        int index = (int) (at / CHUNK);
        int pos = (int) (at % CHUNK);
        int n = (int) Math.min(to - at, CHUNK - pos);
        for (Slice p : resolved(ino, index)) {
          int a = Math.max(pos, p.pos());
          int b = Math.min(pos + n, p.pos() + p.len());
          if (a < b && p.id() != 0) {
            int took = v.chunks().prefetch(p.id(), p.size(), p.off() + (a - p.pos()), b - a);
            if (took < b - a) {
              return at + (a - pos) + took;
            }
          }
        }
        at += n;
      }
    } catch (IOException e) {
      // Read-ahead is an optimisation; the read itself reports real failures.
    }
    return to;
  }

  /** How far from the stream's end a read of {@code len} bytes may start and still count as sequential. */
  static long reorderSlack(long len) {
    return Math.min(8 * len, 64L << 20);
  }

  /** SEEK_DATA ({@code data}) or SEEK_HOLE from {@code off}. ENXIO at or past the end. */
  long seekDataOrHole(long ino, long off, boolean data) throws IOException {
    long length = v.meta().getattr(Ctx.ROOT, ino).length();
    if (off < 0 || off >= length) {
      throw Errno.ENXIO.exception("offset " + off + " is past the end");
    }
    long at = off;
    while (at < length) {
      int index = (int) (at / CHUNK);
      long base = (long) index * CHUNK;
      boolean found = false;
      for (Slice p : resolved(ino, index)) {
        long a = base + p.pos();
        long b = a + p.len();
        if (b <= at) {
          continue;
        }
        boolean isData = p.id() != 0;
        if (isData == data) {
          return Math.max(at, a);
        }
        at = Math.max(at, b);
        found = true;
      }
      long chunkEnd = base + CHUNK;
      if (!data) {
        // Past the last slice of the chunk is a hole (if still inside the file).
        return Math.min(at, length);
      }
      at = found ? Math.max(at, chunkEnd) : chunkEnd;
    }
    if (data) {
      throw Errno.ENXIO.exception("no data after offset " + off);
    }
    return length;
  }
}
