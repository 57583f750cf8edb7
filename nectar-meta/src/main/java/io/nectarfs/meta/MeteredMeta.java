package io.nectarfs.meta;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
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
 * <p>Latency histograms are registered on an operation's first use, so a scrape lists only the
 * operations the client ran (each histogram is dozens of series); the error counters, one series
 * each, exist from the start. Concurrency: the timer array is filled racily but idempotently (the
 * registry returns the same meter for the same name and tags); meters themselves are thread-safe.
 */
final class MeteredMeta implements Meta {
  enum Op {
    LOOKUP, GETATTR, SETATTR, MKNOD, MKDIR, SYMLINK, READLINK, UNLINK, UNLINK_ALL, RMDIR, RENAME, LINK, READDIR,
    STATFS, OPEN, TOUCH_ATIME, CLOSE, READ, NEW_SLICE_ID, WRITE, APPEND, COMPACT, FALLOCATE,
    COPY_FILE_RANGE, CLONE, GETXATTR, LISTXATTR, SETXATTR, REMOVEXATTR, ACCESS, FLOCK, GETLK, SETLK,
    RELEASE_LOCKS, SUMMARY, GET_QUOTA, SET_QUOTA, REMOVE_QUOTA, SESSIONS;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  @FunctionalInterface
  private interface Call<T> {
    T run() throws IOException;
  }

  @FunctionalInterface
  private interface VoidCall {
    void run() throws IOException;
  }

  private final Meta next;
  private final Metrics metrics;
  private final String engine;
  private final Timer[] timers = new Timer[Op.values().length];
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

  private <T> T timed(Op op, Call<T> call) throws IOException {
    long t0 = System.nanoTime();
    try {
      return call.run();
    } catch (FsException e) {
      throw e; // a POSIX outcome, not a failure of the engine
    } catch (IOException | RuntimeException e) {
      errors[op.ordinal()].increment();
      throw e;
    } finally {
      timer(op).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  private void timedVoid(Op op, VoidCall call) throws IOException {
    timed(op, () -> {
      call.run();
      return null;
    });
  }

  private Timer timer(Op op) {
    Timer t = timers[op.ordinal()];
    if (t == null) {
      t = metrics.timer("nectar_meta_op", "latency of metadata operations, retries included", "op", op.label, "engine", engine);
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
    return timed(Op.LOOKUP, () -> next.lookup(ctx, parent, name));
  }

  @Override
  public Attr getattr(Ctx ctx, long ino) throws IOException {
    return timed(Op.GETATTR, () -> next.getattr(ctx, ino));
  }

  @Override
  public Attr setattr(Ctx ctx, long ino, SetAttr req) throws IOException {
    return timed(Op.SETATTR, () -> next.setattr(ctx, ino, req));
  }

  @Override
  public Entry mknod(Ctx ctx, long parent, String name, FileType type, int mode, int umask, int rdev) throws IOException {
    return timed(Op.MKNOD, () -> next.mknod(ctx, parent, name, type, mode, umask, rdev));
  }

  @Override
  public Entry mkdir(Ctx ctx, long parent, String name, int mode, int umask) throws IOException {
    return timed(Op.MKDIR, () -> next.mkdir(ctx, parent, name, mode, umask));
  }

  @Override
  public Entry symlink(Ctx ctx, long parent, String name, String target) throws IOException {
    return timed(Op.SYMLINK, () -> next.symlink(ctx, parent, name, target));
  }

  @Override
  public String readlink(Ctx ctx, long ino) throws IOException {
    return timed(Op.READLINK, () -> next.readlink(ctx, ino));
  }

  @Override
  public void unlink(Ctx ctx, long parent, String name) throws IOException {
    timedVoid(Op.UNLINK, () -> next.unlink(ctx, parent, name));
  }

  @Override
  public void unlinkAll(Ctx ctx, long parent, List<String> names) throws IOException {
    timedVoid(Op.UNLINK_ALL, () -> next.unlinkAll(ctx, parent, names));
  }

  @Override
  public void rmdir(Ctx ctx, long parent, String name) throws IOException {
    timedVoid(Op.RMDIR, () -> next.rmdir(ctx, parent, name));
  }

  @Override
  public void rename(Ctx ctx, long parentSrc, String nameSrc, long parentDst, String nameDst, int flags) throws IOException {
    timedVoid(Op.RENAME, () -> next.rename(ctx, parentSrc, nameSrc, parentDst, nameDst, flags));
  }

  @Override
  public Entry link(Ctx ctx, long ino, long newParent, String newName) throws IOException {
    return timed(Op.LINK, () -> next.link(ctx, ino, newParent, newName));
  }

  @Override
  public List<DirEntry> readdir(Ctx ctx, long ino, String after, int limit, boolean plus) throws IOException {
    return timed(Op.READDIR, () -> next.readdir(ctx, ino, after, limit, plus));
  }

  @Override
  public StatFs statfs(Ctx ctx, long ino) throws IOException {
    return timed(Op.STATFS, () -> next.statfs(ctx, ino));
  }

  @Override
  public Attr open(Ctx ctx, long ino, int flags) throws IOException {
    return timed(Op.OPEN, () -> next.open(ctx, ino, flags));
  }

  @Override
  public void touchAtime(long ino, long atimeNanos) throws IOException {
    timedVoid(Op.TOUCH_ATIME, () -> next.touchAtime(ino, atimeNanos));
  }

  @Override
  public void close(Ctx ctx, long ino) throws IOException {
    timedVoid(Op.CLOSE, () -> next.close(ctx, ino));
  }

  @Override
  public List<Slice> read(Ctx ctx, long ino, int index) throws IOException {
    return timed(Op.READ, () -> next.read(ctx, ino, index));
  }

  @Override
  public long newSliceId() throws IOException {
    return timed(Op.NEW_SLICE_ID, next::newSliceId);
  }

  @Override
  public void write(Ctx ctx, long ino, int index, Slice slice, long mtime) throws IOException {
    timedVoid(Op.WRITE, () -> next.write(ctx, ino, index, slice, mtime));
  }

  @Override
  public long append(Ctx ctx, long ino, long id, int len, long mtime) throws IOException {
    return timed(Op.APPEND, () -> next.append(ctx, ino, id, len, mtime));
  }

  @Override
  public boolean compact(Ctx ctx, long ino, int index, List<Slice> expected, Slice replacement) throws IOException {
    return timed(Op.COMPACT, () -> next.compact(ctx, ino, index, expected, replacement));
  }

  @Override
  public void fallocate(Ctx ctx, long ino, int mode, long off, long len) throws IOException {
    timedVoid(Op.FALLOCATE, () -> next.fallocate(ctx, ino, mode, off, len));
  }

  @Override
  public long copyFileRange(Ctx ctx, long inoIn, long offIn, long inoOut, long offOut, long len) throws IOException {
    return timed(Op.COPY_FILE_RANGE, () -> next.copyFileRange(ctx, inoIn, offIn, inoOut, offOut, len));
  }

  @Override
  public Entry clone(Ctx ctx, long ino, long newParent, String newName) throws IOException {
    return timed(Op.CLONE, () -> next.clone(ctx, ino, newParent, newName));
  }

  @Override
  public byte[] getxattr(Ctx ctx, long ino, String name) throws IOException {
    return timed(Op.GETXATTR, () -> next.getxattr(ctx, ino, name));
  }

  @Override
  public List<String> listxattr(Ctx ctx, long ino) throws IOException {
    return timed(Op.LISTXATTR, () -> next.listxattr(ctx, ino));
  }

  @Override
  public void setxattr(Ctx ctx, long ino, String name, byte[] value, int flags) throws IOException {
    timedVoid(Op.SETXATTR, () -> next.setxattr(ctx, ino, name, value, flags));
  }

  @Override
  public void removexattr(Ctx ctx, long ino, String name) throws IOException {
    timedVoid(Op.REMOVEXATTR, () -> next.removexattr(ctx, ino, name));
  }

  @Override
  public void access(Ctx ctx, long ino, int mask) throws IOException {
    timedVoid(Op.ACCESS, () -> next.access(ctx, ino, mask));
  }

  @Override
  public void flock(Ctx ctx, long ino, long owner, int type, boolean wait) throws IOException {
    timedVoid(Op.FLOCK, () -> next.flock(ctx, ino, owner, type, wait));
  }

  @Override
  public PosixLock getlk(Ctx ctx, long ino, long owner, int type, long start, long end, int pid) throws IOException {
    return timed(Op.GETLK, () -> next.getlk(ctx, ino, owner, type, start, end, pid));
  }

  @Override
  public void setlk(Ctx ctx, long ino, long owner, int type, long start, long end, int pid, boolean wait) throws IOException {
    timedVoid(Op.SETLK, () -> next.setlk(ctx, ino, owner, type, start, end, pid, wait));
  }

  @Override
  public void releaseLocks(Ctx ctx, long ino, long owner) throws IOException {
    timedVoid(Op.RELEASE_LOCKS, () -> next.releaseLocks(ctx, ino, owner));
  }

  @Override
  public DirStats summary(Ctx ctx, long dir) throws IOException {
    return timed(Op.SUMMARY, () -> next.summary(ctx, dir));
  }

  @Override
  public Quota getQuota(Ctx ctx, long dir) throws IOException {
    return timed(Op.GET_QUOTA, () -> next.getQuota(ctx, dir));
  }

  @Override
  public Quota setQuota(Ctx ctx, long dir, long maxSpace, long maxInodes) throws IOException {
    return timed(Op.SET_QUOTA, () -> next.setQuota(ctx, dir, maxSpace, maxInodes));
  }

  @Override
  public boolean removeQuota(Ctx ctx, long dir) throws IOException {
    return timed(Op.REMOVE_QUOTA, () -> next.removeQuota(ctx, dir));
  }

  @Override
  public List<SessionInfo> sessions() throws IOException {
    return timed(Op.SESSIONS, next::sessions);
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
}
