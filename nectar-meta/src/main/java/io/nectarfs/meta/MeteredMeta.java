package io.nectarfs.meta;

import io.micrometer.core.instrument.Counter;
import io.nectarfs.common.Latency;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Metrics;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Meta} that records every namespace operation in the process registry: {@code
 * nectar_meta_op_seconds{op,engine}} (latency histogram of the whole operation, retries included:
 * what the VFS waits for) and {@code nectar_meta_op_errors_total{op,engine}} (operations that
 * failed with an engine error, not a POSIX outcome such as ENOENT). {@code op} is the method name
 * in snake_case ({@code lookup}, {@code copy_file_range}); {@code engine} the URL scheme only. The
 * per-attempt view lives one layer down ({@code nectar_meta_txn_seconds}, {@link
 * io.nectarfs.meta.kv.MeteredTxnKv}).
 *
 * <p>Each method times itself inline: routing all of them through one helper that takes a lambda
 * cost about 170 ns per operation (a capturing lambda, a megamorphic call), measured with {@code
 * ObservabilityBenchmark}; inline it is the timer's own cost.
 *
 * <p>Latency histograms are registered on an operation's first use, so a scrape lists only the
 * operations the client ran (each histogram is dozens of series); the error counters, one series
 * each, exist from the start. Concurrency: the timer array is filled racily but idempotently (the
 * registry returns the same meter for the same name and tags); meters themselves are thread-safe.
 */
final class MeteredMeta implements Meta {
  enum Op {
    LOOKUP, GETATTR, SETATTR, MKNOD, MKDIR, SYMLINK, READLINK, UNLINK, UNLINK_ALL, RMDIR, RENAME, LINK, READDIR,
    STATFS, OPEN, TOUCH_ATIME, CLOSE, READ, NEW_SLICE_ID, WRITE, WRITE_SLICES, WRITE_INLINE, READ_INLINE, APPEND, COMPACT, FALLOCATE,
    COPY_FILE_RANGE, CLONE, GETXATTR, LISTXATTR, SETXATTR, REMOVEXATTR, ACCESS, FLOCK, GETLK, SETLK,
    RELEASE_LOCKS, SUMMARY, GET_QUOTA, SET_QUOTA, REMOVE_QUOTA, SESSIONS, SYNC;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  private final Meta next;
  private final Metrics metrics;
  private final String engine;
  private final Latency[] timers = new Latency[Op.values().length];
  private final Counter[] errors = new Counter[Op.values().length];

  MeteredMeta(Meta next, String engine, Metrics metrics) {
    this.next = next;
    this.engine = engine;
    this.metrics = metrics;
    for (Op op : Op.values()) {
      errors[op.ordinal()] = Counter.builder("nectar_meta_op_errors").tags("op", op.label, "engine", engine)
          .description("metadata operations that failed with an engine error").register(metrics.registry());
    }
  }

  /** Counts an engine failure; a POSIX outcome ({@link FsException}) is not one. */
  private void failed(Op op, Exception e) {
    if (!(e instanceof FsException)) {
      errors[op.ordinal()].increment();
    }
  }

  private Latency timer(Op op) {
    Latency t = timers[op.ordinal()];
    if (t == null) {
      t = metrics.latency("nectar_meta_op", "latency of metadata operations, retries included", "op", op.label, "engine", engine);
      timers[op.ordinal()] = t;
    }
    return t;
  }

  @Override
  public Format format() {
    return next.format();
  }

  @Override
  public String describe() {
    return next.describe();
  }

  @Override
  public long sessionId() {
    return next.sessionId();
  }

  @Override
  public Entry lookup(Ctx ctx, long parent, String name) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.lookup(ctx, parent, name);
    } catch (IOException | RuntimeException e) {
      failed(Op.LOOKUP, e);
      throw e;
    } finally {
      timer(Op.LOOKUP).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public Attr getattr(Ctx ctx, long ino) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.getattr(ctx, ino);
    } catch (IOException | RuntimeException e) {
      failed(Op.GETATTR, e);
      throw e;
    } finally {
      timer(Op.GETATTR).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public Attr setattr(Ctx ctx, long ino, SetAttr req) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.setattr(ctx, ino, req);
    } catch (IOException | RuntimeException e) {
      failed(Op.SETATTR, e);
      throw e;
    } finally {
      timer(Op.SETATTR).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public Entry mknod(Ctx ctx, long parent, String name, FileType type, int mode, int umask, int rdev) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.mknod(ctx, parent, name, type, mode, umask, rdev);
    } catch (IOException | RuntimeException e) {
      failed(Op.MKNOD, e);
      throw e;
    } finally {
      timer(Op.MKNOD).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public Entry mkdir(Ctx ctx, long parent, String name, int mode, int umask) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.mkdir(ctx, parent, name, mode, umask);
    } catch (IOException | RuntimeException e) {
      failed(Op.MKDIR, e);
      throw e;
    } finally {
      timer(Op.MKDIR).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public Entry symlink(Ctx ctx, long parent, String name, String target) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.symlink(ctx, parent, name, target);
    } catch (IOException | RuntimeException e) {
      failed(Op.SYMLINK, e);
      throw e;
    } finally {
      timer(Op.SYMLINK).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public String readlink(Ctx ctx, long ino) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.readlink(ctx, ino);
    } catch (IOException | RuntimeException e) {
      failed(Op.READLINK, e);
      throw e;
    } finally {
      timer(Op.READLINK).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void unlink(Ctx ctx, long parent, String name) throws IOException {
    long t0 = System.nanoTime();
    try {
      next.unlink(ctx, parent, name);
    } catch (IOException | RuntimeException e) {
      failed(Op.UNLINK, e);
      throw e;
    } finally {
      timer(Op.UNLINK).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void unlinkAll(Ctx ctx, long parent, List<String> names) throws IOException {
    long t0 = System.nanoTime();
    try {
      next.unlinkAll(ctx, parent, names);
    } catch (IOException | RuntimeException e) {
      failed(Op.UNLINK_ALL, e);
      throw e;
    } finally {
      timer(Op.UNLINK_ALL).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void rmdir(Ctx ctx, long parent, String name) throws IOException {
    long t0 = System.nanoTime();
    try {
      next.rmdir(ctx, parent, name);
    } catch (IOException | RuntimeException e) {
      failed(Op.RMDIR, e);
      throw e;
    } finally {
      timer(Op.RMDIR).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void rename(Ctx ctx, long parentSrc, String nameSrc, long parentDst, String nameDst, int flags) throws IOException {
    long t0 = System.nanoTime();
    try {
      next.rename(ctx, parentSrc, nameSrc, parentDst, nameDst, flags);
    } catch (IOException | RuntimeException e) {
      failed(Op.RENAME, e);
      throw e;
    } finally {
      timer(Op.RENAME).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public Entry link(Ctx ctx, long ino, long newParent, String newName) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.link(ctx, ino, newParent, newName);
    } catch (IOException | RuntimeException e) {
      failed(Op.LINK, e);
      throw e;
    } finally {
      timer(Op.LINK).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public List<DirEntry> readdir(Ctx ctx, long ino, String after, int limit, boolean plus) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.readdir(ctx, ino, after, limit, plus);
    } catch (IOException | RuntimeException e) {
      failed(Op.READDIR, e);
      throw e;
    } finally {
      timer(Op.READDIR).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public StatFs statfs(Ctx ctx, long ino) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.statfs(ctx, ino);
    } catch (IOException | RuntimeException e) {
      failed(Op.STATFS, e);
      throw e;
    } finally {
      timer(Op.STATFS).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public Attr open(Ctx ctx, long ino, int flags) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.open(ctx, ino, flags);
    } catch (IOException | RuntimeException e) {
      failed(Op.OPEN, e);
      throw e;
    } finally {
      timer(Op.OPEN).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void openCreated(long ino) {
    next.openCreated(ino); // memory only: nothing to time
  }

  @Override
  public void touchAtime(long ino, long atimeNanos) throws IOException {
    long t0 = System.nanoTime();
    try {
      next.touchAtime(ino, atimeNanos);
    } catch (IOException | RuntimeException e) {
      failed(Op.TOUCH_ATIME, e);
      throw e;
    } finally {
      timer(Op.TOUCH_ATIME).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void close(Ctx ctx, long ino) throws IOException {
    long t0 = System.nanoTime();
    try {
      next.close(ctx, ino);
    } catch (IOException | RuntimeException e) {
      failed(Op.CLOSE, e);
      throw e;
    } finally {
      timer(Op.CLOSE).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public List<Slice> read(Ctx ctx, long ino, int index) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.read(ctx, ino, index);
    } catch (IOException | RuntimeException e) {
      failed(Op.READ, e);
      throw e;
    } finally {
      timer(Op.READ).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public long newSliceId() throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.newSliceId();
    } catch (IOException | RuntimeException e) {
      failed(Op.NEW_SLICE_ID, e);
      throw e;
    } finally {
      timer(Op.NEW_SLICE_ID).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public Committed write(Ctx ctx, long ino, int index, Slice slice, long mtime) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.write(ctx, ino, index, slice, mtime);
    } catch (IOException | RuntimeException e) {
      failed(Op.WRITE, e);
      throw e;
    } finally {
      timer(Op.WRITE).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public Committed writeSlices(Ctx ctx, long ino, int index, java.util.List<Slice> slices, long mtime) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.writeSlices(ctx, ino, index, slices, mtime);
    } catch (IOException | RuntimeException e) {
      failed(Op.WRITE_SLICES, e);
      throw e;
    } finally {
      timer(Op.WRITE_SLICES).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public Committed writeInline(Ctx ctx, long ino, int index, Slice slice, byte[] stored, long mtime) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.writeInline(ctx, ino, index, slice, stored, mtime);
    } catch (IOException | RuntimeException e) {
      failed(Op.WRITE_INLINE, e);
      throw e;
    } finally {
      timer(Op.WRITE_INLINE).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public byte[] readInline(Ctx ctx, long id) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.readInline(ctx, id);
    } catch (IOException | RuntimeException e) {
      failed(Op.READ_INLINE, e);
      throw e;
    } finally {
      timer(Op.READ_INLINE).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public long append(Ctx ctx, long ino, long id, int len, long mtime) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.append(ctx, ino, id, len, mtime);
    } catch (IOException | RuntimeException e) {
      failed(Op.APPEND, e);
      throw e;
    } finally {
      timer(Op.APPEND).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public boolean compact(Ctx ctx, long ino, int index, List<Slice> expected, Slice replacement) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.compact(ctx, ino, index, expected, replacement);
    } catch (IOException | RuntimeException e) {
      failed(Op.COMPACT, e);
      throw e;
    } finally {
      timer(Op.COMPACT).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void fallocate(Ctx ctx, long ino, int mode, long off, long len) throws IOException {
    long t0 = System.nanoTime();
    try {
      next.fallocate(ctx, ino, mode, off, len);
    } catch (IOException | RuntimeException e) {
      failed(Op.FALLOCATE, e);
      throw e;
    } finally {
      timer(Op.FALLOCATE).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public long copyFileRange(Ctx ctx, long inoIn, long offIn, long inoOut, long offOut, long len) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.copyFileRange(ctx, inoIn, offIn, inoOut, offOut, len);
    } catch (IOException | RuntimeException e) {
      failed(Op.COPY_FILE_RANGE, e);
      throw e;
    } finally {
      timer(Op.COPY_FILE_RANGE).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public Entry clone(Ctx ctx, long ino, long newParent, String newName) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.clone(ctx, ino, newParent, newName);
    } catch (IOException | RuntimeException e) {
      failed(Op.CLONE, e);
      throw e;
    } finally {
      timer(Op.CLONE).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public byte[] getxattr(Ctx ctx, long ino, String name) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.getxattr(ctx, ino, name);
    } catch (IOException | RuntimeException e) {
      failed(Op.GETXATTR, e);
      throw e;
    } finally {
      timer(Op.GETXATTR).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public List<String> listxattr(Ctx ctx, long ino) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.listxattr(ctx, ino);
    } catch (IOException | RuntimeException e) {
      failed(Op.LISTXATTR, e);
      throw e;
    } finally {
      timer(Op.LISTXATTR).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void setxattr(Ctx ctx, long ino, String name, byte[] value, int flags) throws IOException {
    long t0 = System.nanoTime();
    try {
      next.setxattr(ctx, ino, name, value, flags);
    } catch (IOException | RuntimeException e) {
      failed(Op.SETXATTR, e);
      throw e;
    } finally {
      timer(Op.SETXATTR).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void removexattr(Ctx ctx, long ino, String name) throws IOException {
    long t0 = System.nanoTime();
    try {
      next.removexattr(ctx, ino, name);
    } catch (IOException | RuntimeException e) {
      failed(Op.REMOVEXATTR, e);
      throw e;
    } finally {
      timer(Op.REMOVEXATTR).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void access(Ctx ctx, long ino, int mask) throws IOException {
    long t0 = System.nanoTime();
    try {
      next.access(ctx, ino, mask);
    } catch (IOException | RuntimeException e) {
      failed(Op.ACCESS, e);
      throw e;
    } finally {
      timer(Op.ACCESS).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void flock(Ctx ctx, long ino, long owner, int type, boolean wait) throws IOException {
    long t0 = System.nanoTime();
    try {
      next.flock(ctx, ino, owner, type, wait);
    } catch (IOException | RuntimeException e) {
      failed(Op.FLOCK, e);
      throw e;
    } finally {
      timer(Op.FLOCK).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public PosixLock getlk(Ctx ctx, long ino, long owner, int type, long start, long end, int pid) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.getlk(ctx, ino, owner, type, start, end, pid);
    } catch (IOException | RuntimeException e) {
      failed(Op.GETLK, e);
      throw e;
    } finally {
      timer(Op.GETLK).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void setlk(Ctx ctx, long ino, long owner, int type, long start, long end, int pid, boolean wait) throws IOException {
    long t0 = System.nanoTime();
    try {
      next.setlk(ctx, ino, owner, type, start, end, pid, wait);
    } catch (IOException | RuntimeException e) {
      failed(Op.SETLK, e);
      throw e;
    } finally {
      timer(Op.SETLK).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void sync() throws IOException {
    long t0 = System.nanoTime();
    try {
      next.sync();
    } catch (IOException | RuntimeException e) {
      failed(Op.SYNC, e);
      throw e;
    } finally {
      timer(Op.SYNC).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void releaseLocks(Ctx ctx, long ino, long owner) throws IOException {
    long t0 = System.nanoTime();
    try {
      next.releaseLocks(ctx, ino, owner);
    } catch (IOException | RuntimeException e) {
      failed(Op.RELEASE_LOCKS, e);
      throw e;
    } finally {
      timer(Op.RELEASE_LOCKS).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public DirStats summary(Ctx ctx, long dir) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.summary(ctx, dir);
    } catch (IOException | RuntimeException e) {
      failed(Op.SUMMARY, e);
      throw e;
    } finally {
      timer(Op.SUMMARY).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public Quota getQuota(Ctx ctx, long dir) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.getQuota(ctx, dir);
    } catch (IOException | RuntimeException e) {
      failed(Op.GET_QUOTA, e);
      throw e;
    } finally {
      timer(Op.GET_QUOTA).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public Quota setQuota(Ctx ctx, long dir, long maxSpace, long maxInodes) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.setQuota(ctx, dir, maxSpace, maxInodes);
    } catch (IOException | RuntimeException e) {
      failed(Op.SET_QUOTA, e);
      throw e;
    } finally {
      timer(Op.SET_QUOTA).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public boolean removeQuota(Ctx ctx, long dir) throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.removeQuota(ctx, dir);
    } catch (IOException | RuntimeException e) {
      failed(Op.REMOVE_QUOTA, e);
      throw e;
    } finally {
      timer(Op.REMOVE_QUOTA).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public List<SessionInfo> sessions() throws IOException {
    long t0 = System.nanoTime();
    try {
      return next.sessions();
    } catch (IOException | RuntimeException e) {
      failed(Op.SESSIONS, e);
      throw e;
    } finally {
      timer(Op.SESSIONS).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void onSliceFreed(SliceDeleter listener) {
    next.onSliceFreed(listener);
  }

  @Override
  public void runBackgroundJobs() throws IOException {
    next.runBackgroundJobs();
  }

  @Override
  public void close() throws IOException {
    next.close();
  }

  @Override
  public long handOver() throws IOException {
    return next.handOver();
  }
}
