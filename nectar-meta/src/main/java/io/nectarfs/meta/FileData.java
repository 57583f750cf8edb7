package io.nectarfs.meta;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.meta.kv.Bytes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The mapping of file data to slices: write, truncate, fallocate and copy_file_range. Every
 * slice record holds one reference to its slice; records beyond the first are counted in a
 * {@code K} key, and a slice whose last record goes is queued for freeing.
 */
final class FileData {
  /** 2^57 bytes: 2^31 chunks of 64 MiB. */
  static final long MAX_FILE_SIZE = 1L << 57;
  private static final long CHUNK = Chunks.CHUNK_SIZE;
  private final MetaClient m;

  FileData(MetaClient m) {
    this.m = m;
  }

  private static Attr regularFile(Tx tx, long ino) throws IOException {
    Attr a = tx.attr(ino);
    if (a.isDir()) {
      throw Errno.EISDIR.exception("inode " + ino);
    }
    if (a.type() != FileType.FILE) {
      throw Errno.EINVAL.exception("inode " + ino + " is not a regular file");
    }
    return a;
  }

  Committed write(Ctx ctx, long ino, int index, Slice slice, long mtime) throws IOException {
    return write(ctx, ino, index, List.of(slice), null, 0, mtime);
  }

  /**
   * Commits a slice record; {@code stored} non-null: the bytes of an inline slice, put in the same
   * transaction, unless the file would then be longer than {@code inlineLimit} (false, nothing done).
   */
  Committed write(Ctx ctx, long ino, int index, Slice slice, byte[] stored, int inlineLimit, long mtime) throws IOException {
    return write(ctx, ino, index, List.of(slice), stored, inlineLimit, mtime);
  }

  /** Commits slice records of one chunk, in order, in one transaction (see {@link Meta#writeSlices}). */
  Committed write(Ctx ctx, long ino, int index, List<Slice> slices, long mtime) throws IOException {
    if (slices.isEmpty()) {
      throw new IllegalArgumentException("no slice to write");
    }
    return write(ctx, ino, index, slices, null, 0, mtime);
  }

  /** Returns what the commit left, or {@link Committed#NOT_INLINED} when {@code stored} did not fit the inline limit. */
  private Committed write(Ctx ctx, long ino, int index, List<Slice> slices, byte[] stored, int inlineLimit, long mtime) throws IOException {
    if (index < 0) {
      throw Errno.EFBIG.exception("chunk index " + index);
    }
    long end = 0;
    for (Slice slice : slices) {
      end = Math.max(end, (long) index * CHUNK + slice.pos() + slice.len());
    }
    if (end > MAX_FILE_SIZE) {
      throw Errno.EFBIG.exception("write beyond the maximum file size");
    }
    long fileEnd = end;
    long[] delta = {0};
    Committed done = m.tx(ctx, tx -> {
      tx.prefetchSliceCommit(ino, index);
      Attr a = regularFile(tx, ino);
      long newLen = Math.max(a.length(), fileEnd);
      if (stored != null && newLen > inlineLimit) {
        return Committed.NOT_INLINED;
      }
      long d = MetaClient.align4k(newLen) - MetaClient.align4k(a.length());
      m.checkLimits(d, 0);
      m.quotas.accountFile(tx, ino, a, d);
      int n = tx.appendSlices(ino, index, slices);
      if (stored != null) {
        tx.kv.put(Keys.inlineData(slices.getFirst().id()), stored);
      }
      tx.putAttr(ino, a.withLength(newLen).withTimes(a.atime(), mtime, mtime));
      tx.addStats(d, 0);
      delta[0] = d;
      return new Committed(n, newLen);
    });
    if (done.done()) {
      m.updateStats(delta[0], 0);
    }
    return done;
  }

  /**
   * Places slice {@code id} at the end of the file as this transaction sees it: the offset is
   * decided here, not by the writer, so appends of several clients cannot overwrite each other.
   * The slice's stored bytes do not depend on where it lands; across a chunk boundary it gets one
   * record per chunk and one extra reference.
   */
  long append(long ino, long id, int len, long mtime) throws IOException {
    if (len <= 0 || len > CHUNK || id <= 0) {
      throw Errno.EINVAL.exception("append of " + len + " bytes of slice " + id);
    }
    long[] result = new long[2];
    m.tx(tx -> {
      Attr a = regularFile(tx, ino);
      long at = a.length();
      long end = at + len;
      if (end > MAX_FILE_SIZE) {
        throw Errno.EFBIG.exception("append beyond the maximum file size");
      }
      long d = MetaClient.align4k(end) - MetaClient.align4k(at);
      m.checkLimits(d, 0);
      m.quotas.accountFile(tx, ino, a, d);
      int index = (int) (at / CHUNK);
      int pos = (int) (at % CHUNK);
      int first = (int) Math.min(len, CHUNK - pos);
      tx.appendSlices(ino, index, List.of(new Slice(pos, id, len, 0, first)));
      if (first < len) {
        tx.appendSlices(ino, index + 1, List.of(new Slice(0, id, len, first, len - first)));
        tx.addSliceRefs(id, len, 1);
      }
      tx.putAttr(ino, a.withLength(end).withTimes(a.atime(), mtime, mtime));
      tx.addStats(d, 0);
      result[0] = at;
      result[1] = d;
      return null;
    });
    m.updateStats(result[1], 0);
    return result[0];
  }

  /** Shrinks or grows the data of {@code ino} from {@code oldLen} to {@code newLen} inside {@code tx}. */
  void truncateIn(Tx tx, long ino, long oldLen, long newLen, long now) throws IOException {
    if (newLen >= oldLen) {
      return; // holes beyond the old length already read as zeros
    }
    int first = (int) (newLen / CHUNK);
    int within = (int) (newLen % CHUNK);
    int dropFrom = within == 0 ? first : first + 1;
    if (within != 0) {
      long chunkEnd = Math.min(CHUNK, oldLen - (long) first * CHUNK);
      tx.appendSlices(ino, first, List.of(Slice.hole(within, (int) (chunkEnd - within))));
    }
    dropChunksFrom(tx, ino, dropFrom);
  }

  /** Deletes chunk keys with index >= {@code from} and releases their slices. */
  void dropChunksFrom(Tx tx, long ino, int from) throws IOException {
    byte[] prefix = Keys.chunkPrefix(ino);
    List<byte[]> keys = new ArrayList<>();
    List<Slice> records = new ArrayList<>();
    tx.kv.scan(Keys.chunk(ino, from), Bytes.prefixEnd(prefix), 0, (k, v) -> {
      keys.add(k);
      records.addAll(Codec.slices(v));
      return true;
    });
    for (byte[] k : keys) {
      tx.kv.delete(k);
    }
    release(tx, records);
  }

  /**
   * Drops one reference of each record and queues the slices that are no longer used; the data of
   * an unused inline slice is deleted here, in the same transaction (it has no objects to free).
   */
  void release(Tx tx, List<Slice> records) throws IOException {
    List<Slice> unused = new ArrayList<>();
    tx.dropSliceRefs(records, unused);
    List<Slice> freed = new ArrayList<>(unused.size());
    for (Slice s : unused) {
      if (s.inline()) {
        tx.kv.delete(Keys.inlineData(s.id()));
      } else {
        freed.add(s);
      }
    }
    if (freed.isEmpty()) {
      return;
    }
    byte[] v = new byte[freed.size() * 12];
    for (int i = 0; i < freed.size(); i++) {
      Bytes.putU64(v, i * 12, freed.get(i).id());
      Bytes.putU32(v, i * 12 + 8, freed.get(i).size());
    }
    tx.kv.put(Keys.freeSlices(m.config.clock().nowMillis(), ThreadLocalRandom.current().nextLong()), v);
  }

  void fallocate(Ctx ctx, long ino, int mode, long off, long len) throws IOException {
    int known = Meta.FALLOC_KEEP_SIZE | Meta.FALLOC_PUNCH_HOLE | Meta.FALLOC_ZERO_RANGE;
    if ((mode & ~known) != 0) {
      throw Errno.EOPNOTSUPP.exception("fallocate mode " + mode);
    }
    if ((mode & Meta.FALLOC_PUNCH_HOLE) != 0 && (mode & Meta.FALLOC_KEEP_SIZE) == 0) {
      throw Errno.EOPNOTSUPP.exception("punching a hole needs FALLOC_FL_KEEP_SIZE");
    }
    if ((mode & Meta.FALLOC_PUNCH_HOLE) != 0 && (mode & Meta.FALLOC_ZERO_RANGE) != 0) {
      throw Errno.EINVAL.exception("punch-hole and zero-range together");
    }
    if (off < 0 || len <= 0) {
      throw Errno.EINVAL.exception("fallocate range " + off + "+" + len);
    }
    if (off + len > MAX_FILE_SIZE || off + len < 0) {
      throw Errno.EFBIG.exception("fallocate beyond the maximum file size");
    }
    long delta = m.tx(ctx, tx -> {
      Attr a = tx.attr(ino);
      if (a.isDir()) {
        throw Errno.EISDIR.exception("inode " + ino);
      }
      if (a.type() != FileType.FILE) {
        throw Errno.ENODEV.exception("inode " + ino + " is not a regular file");
      }
      long now = m.now();
      long end = off + len;
      boolean changed = false;
      if ((mode & (Meta.FALLOC_PUNCH_HOLE | Meta.FALLOC_ZERO_RANGE)) != 0) {
        // Beyond the length everything already reads as zeros.
        long zeroEnd = Math.min(end, a.length());
        if (zeroEnd > off) {
          zero(tx, ino, off, zeroEnd);
        }
        changed = true;
      }
      long newLen = (mode & Meta.FALLOC_KEEP_SIZE) == 0 ? Math.max(a.length(), end) : a.length();
      long d = MetaClient.align4k(newLen) - MetaClient.align4k(a.length());
      if ((mode & (Meta.FALLOC_PUNCH_HOLE | Meta.FALLOC_ZERO_RANGE)) == 0) {
        // Allocation promises the space up to the end, also with KEEP_SIZE (which accounts
        // nothing): refuse what statfs does not show as available.
        long need = MetaClient.align4k(end) - MetaClient.align4k(a.length());
        m.checkAvailable(need);
        m.quotas.checkFileRoom(tx, ino, a, need);
      }
      m.checkLimits(d, 0);
      m.quotas.accountFile(tx, ino, a, d);
      if (newLen != a.length() || changed) {
        tx.putAttr(ino, a.withLength(newLen).withTimes(a.atime(), now, now));
      }
      tx.addStats(d, 0);
      return d;
    });
    m.updateStats(delta, 0);
  }

  /** Makes {@code [from, to)} read as zeros: whole chunks are dropped, partial ones get a hole slice. */
  private void zero(Tx tx, long ino, long from, long to) throws IOException {
    long at = from;
    while (at < to) {
      int index = (int) (at / CHUNK);
      int pos = (int) (at % CHUNK);
      int n = (int) Math.min(to - at, CHUNK - pos);
      if (pos == 0 && n == CHUNK) {
        byte[] key = Keys.chunk(ino, index);
        byte[] v = tx.kv.get(key);
        if (v != null) {
          tx.kv.delete(key);
          release(tx, Codec.slices(v));
        }
      } else {
        tx.appendSlices(ino, index, List.of(Slice.hole(pos, n)));
      }
      at += n;
    }
  }

  long copyFileRange(Ctx ctx, long inoIn, long offIn, long inoOut, long offOut, long len) throws IOException {
    if (offIn < 0 || offOut < 0 || len < 0) {
      throw Errno.EINVAL.exception("negative offset or length");
    }
    if (inoIn == inoOut && offIn < offOut + len && offOut < offIn + len) {
      throw Errno.EINVAL.exception("overlapping ranges of one file");
    }
    long[] result = new long[2];
    m.tx(ctx, tx -> {
      Attr ain = regularFile(tx, inoIn);
      Attr aout = inoIn == inoOut ? ain : regularFile(tx, inoOut);
      long n = Math.min(len, Math.max(0, ain.length() - offIn));
      result[0] = n;
      result[1] = 0;
      if (n == 0) {
        return null;
      }
      if (offOut + n > MAX_FILE_SIZE) {
        throw Errno.EFBIG.exception("copy beyond the maximum file size");
      }
      long done = 0;
      while (done < n) {
        long src = offIn + done;
        long dst = offOut + done;
        int piece = (int) Math.min(n - done, Math.min(CHUNK - src % CHUNK, CHUNK - dst % CHUNK));
        List<Slice> out = share(tx.chunk(inoIn, (int) (src / CHUNK)), (int) (src % CHUNK), piece, (int) (dst % CHUNK));
        for (Slice s : out) {
          tx.addSliceRefs(s.id(), s.size(), 1);
        }
        tx.appendSlices(inoOut, (int) (dst / CHUNK), out);
        done += piece;
      }
      long now = m.now();
      Attr cur = tx.attr(inoOut);
      long newLen = Math.max(cur.length(), offOut + n);
      long d = MetaClient.align4k(newLen) - MetaClient.align4k(cur.length());
      m.checkLimits(d, 0);
      m.quotas.accountFile(tx, inoOut, cur, d);
      tx.putAttr(inoOut, cur.withLength(newLen).withTimes(cur.atime(), now, now));
      tx.addStats(d, 0);
      result[1] = d;
      return null;
    });
    m.updateStats(result[1], 0);
    return result[0];
  }

  Entry cloneFile(Ctx ctx, long ino, long parent, String name, long newIno) throws IOException {
    return m.tx(ctx, tx -> {
      Attr src = regularFile(tx, ino);
      m.acls.check(tx, ctx, src, Access.R, "read inode " + ino);
      Attr p = tx.dir(parent);
      if (p.nlink() == 0) {
        throw Errno.ENOENT.exception("directory " + parent + " was removed");
      }
      m.acls.check(tx, ctx, p, Access.W | Access.X, "create in directory " + parent);
      if (Trash.inTrash(parent)) {
        throw Errno.EPERM.exception("cannot create in the trash");
      }
      if (tx.dentry(parent, name) != null || (parent == Meta.ROOT && name.equals(".trash"))) {
        throw Errno.EEXIST.exception(name);
      }
      long now = m.now();
      Attr a = new Attr(FileType.FILE, src.mode() & 0777, ctx.uid(), ctx.gid(), now, now, now, 1, src.length(), 0, 0, parent);
      byte[] prefix = Keys.chunkPrefix(ino);
      List<byte[][]> chunks = new ArrayList<>();
      tx.kv.scan(prefix, Bytes.prefixEnd(prefix), 0, (k, v) -> {
        chunks.add(new byte[][] {k, v});
        return true;
      });
      for (byte[][] c : chunks) {
        for (Slice s : Codec.slices(c[1])) {
          tx.addSliceRefs(s.id(), s.size(), 1);
        }
        tx.kv.put(Keys.chunk(newIno, Keys.chunkIndex(c[0])), c[1]);
      }
      m.quotas.account(tx, parent, MetaClient.accountedSpace(a), 1);
      tx.putAttr(newIno, a);
      tx.addStats(MetaClient.accountedSpace(a), 1);
      tx.putDentry(parent, name, FileType.FILE, newIno);
      tx.putAttr(parent, p.withMtimeCtime(now));
      return new Entry(newIno, a);
    });
  }

  boolean compact(long ino, int index, List<Slice> expected, Slice replacement) throws IOException {
    return m.tx(tx -> {
      Attr a = tx.attrOrNull(ino);
      if (a == null || a.type() != FileType.FILE) {
        return false;
      }
      List<Slice> current = tx.chunk(ino, index);
      if (!current.equals(expected)) {
        return false;
      }
      tx.kv.put(Keys.chunk(ino, index), Codec.slices(List.of(replacement)));
      release(tx, expected);
      return true;
    });
  }

  /** Bulk reads of {@link #referencedSlices} before giving up on a volume that never holds still. */
  static final int REFERENCE_SCANS = 5;

  /**
   * Every slice a chunk or the free queue refers to, from one bulk read that is a snapshot (a
   * reference moved between two places during a paged read could be missed, and gc would delete a
   * live slice); retried while writers interfere, then an error.
   */
  java.util.Map<Long, Integer> referencedSlices() throws IOException {
    for (int attempt = 0; attempt < REFERENCE_SCANS; attempt++) {
      io.nectarfs.meta.kv.TxnKv.Bulk<java.util.Map<Long, Integer>> b = m.bulk(FileData::referencedIn);
      if (b.snapshot()) {
        return b.value();
      }
    }
    throw new IOException("files were written during each of " + REFERENCE_SCANS + " scans of the slice references on " + m.kv.describe()
        + "; run gc again when writes are quieter");
  }

  private static java.util.Map<Long, Integer> referencedIn(io.nectarfs.meta.kv.KvTxn kv) throws IOException {
    java.util.Map<Long, Integer> out = new java.util.HashMap<>();
    {
      kv.scan(Keys.ALL_INODES_PREFIX, Bytes.prefixEnd(Keys.ALL_INODES_PREFIX), 0, (k, v) -> {
        if (k.length >= 10 && k[9] == 'C') {
          for (Slice s : Codec.slices(v)) {
            if (s.id() != 0 && !s.inline()) { // inline slices have no objects
              out.put(s.id(), s.size());
            }
          }
        }
        return true;
      });
      kv.scan(Keys.FREE_SLICES_PREFIX, Bytes.prefixEnd(Keys.FREE_SLICES_PREFIX), 0, (k, v) -> {
        for (int at = 0; at + 12 <= v.length; at += 12) {
          out.put(Bytes.getU64(v, at), Bytes.getU32(v, at + 8));
        }
        return true;
      });
    }
    return out;
  }

  /** Slice records that show bytes {@code [from, from+len)} of a chunk at {@code to} of another. */
  static List<Slice> share(List<Slice> srcSlices, int from, int len, int to) {
    List<Slice> out = new ArrayList<>();
    int end = from + len;
    int covered = from;
    for (Slice p : Chunks.resolve(srcSlices)) {
      int a = Math.max(from, p.pos());
      int b = Math.min(end, p.pos() + p.len());
      if (a >= b) {
        continue;
      }
      out.add(p.id() == 0 ? Slice.hole(to + (a - from), b - a) : new Slice(to + (a - from), p.id(), p.size(), p.off() + (a - p.pos()), b - a));
      covered = b;
    }
    if (covered < end) {
      out.add(Slice.hole(to + (covered - from), end - covered));
    }
    return out;
  }
}
