package io.nectarfs.vfs;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.OpenFlags;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.DirEntry;
import io.nectarfs.meta.DirStats;
import io.nectarfs.meta.Entry;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.Quota;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.StatFs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The outermost VFS layer: logs every operation to the {@link AccessLog} and serves {@code
 * /.accesslog}, the file that streams it. The one place operations are logged; when nobody reads,
 * each operation costs one volatile read. Operations on {@code /.accesslog} itself are not logged
 * (reading the log would feed it).
 *
 * <p>Who may read: root and the mount owner (the uid of this process); everyone else gets EACCES
 * (the log shows every user's names and processes). The file is mode 0400, owned by the owner.
 *
 * <p>Concurrency: thread-safe like the VFS it wraps; the reader table is a concurrent map, each
 * reader guards its own state (see {@link AccessLog}). A read blocks until a line arrives, at most
 * the keep-alive time (then it returns the note {@code #}), and wakes at once when its request
 * is interrupted (EINTR), its handle released or the VFS closed, so it never pins a FUSE thread.
 */
final class AccessLogVfs implements HandoverForwarding {
  static final String NAME = ".accesslog";
  static final long INO = Internal.ACCESSLOG;
  /** Handles of open logs live up here, apart from the wrapped VFS's handles. */
  private static final long FH_BASE = 1L << 62;

  private final Vfs vfs;
  private final AccessLog log;
  private final int owner;
  private final Map<Long, AccessLog.Reader> open = new ConcurrentHashMap<>();
  private final AtomicLong nextFh = new AtomicLong(FH_BASE);
  private final List<Thread> sinks = new java.util.concurrent.CopyOnWriteArrayList<>();

  AccessLogVfs(Vfs vfs, AccessLog log, int owner) {
    this.vfs = vfs;
    this.log = log;
    this.owner = owner;
  }

  AccessLog log() {
    return log;
  }

  /**
   * Appends every line from now on to {@code file} (created 0600; an existing file is set to 0600)
   * until the returned handle is closed or this VFS closes: a reader like any other, drained by a
   * daemon thread (keep-alive notes are left out). The file sees drops like a slow reader would.
   * Closing (the handle or the VFS) waits until the lines logged before it are written.
   */
  AutoCloseable writeTo(java.nio.file.Path file) throws IOException {
    var perms = java.nio.file.attribute.PosixFilePermissions.fromString("rw-------");
    if (!java.nio.file.Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      java.nio.file.Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(perms));
    }
    java.nio.file.Files.setPosixFilePermissions(file, perms);
    java.io.OutputStream out = java.nio.file.Files.newOutputStream(file, java.nio.file.StandardOpenOption.APPEND, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    AccessLog.Reader r = log.open();
    Thread t = Thread.ofPlatform().daemon().name("nectar-access-log-file").unstarted(() -> {
      ByteBuffer buf = ByteBuffer.allocate(64 << 10);
      try (out) {
        for (int n; (n = r.read(Ctx.ROOT, buf.clear())) > 0; ) {
          if (n == 2 && buf.get(0) == '#' && buf.get(1) == '\n') {
            continue; // keep-alive
          }
          out.write(buf.array(), 0, n);
          out.flush();
        }
      } catch (IOException e) {
        r.close();
        org.slf4j.LoggerFactory.getLogger(AccessLogVfs.class).warn("access log file {}: {}", file, e.getMessage());
      }
    });
    sinks.add(t);
    t.start();
    return () -> {
      r.close();
      t.join(java.time.Duration.ofMinutes(1));
    };
  }

  private static boolean isLog(long parent, String name) {
    return parent == Meta.ROOT && name.equals(NAME);
  }

  private Attr attr() {
    long now = log.now();
    return new Attr(FileType.FILE, 0400, owner, 0, now, now, now, 1, 0, 0, 0, 1);
  }

  private void mayRead(Ctx ctx) throws FsException {
    if (ctx.uid() != 0 && ctx.uid() != owner) {
      throw Errno.EACCES.exception(NAME + " is readable by root and the mount owner only");
    }
  }

  private static FsException internal() {
    return Errno.EPERM.exception(NAME + " is an internal file");
  }

  private <T> T logged(Ctx ctx, String op, String args, Ctx.IoCall<T> body, Function<? super T, String> result) throws IOException {
    long t0 = log.start();
    T r;
    try {
      r = body.call();
    } catch (IOException | RuntimeException e) {
      log.log(ctx, op, args, e, null, t0);
      throw e;
    }
    log.log(ctx, op, args, null, result == null || r == null ? null : result.apply(r), t0);
    return r;
  }

  private void loggedVoid(Ctx ctx, String op, String args, VoidCall body) throws IOException {
    logged(ctx, op, args, () -> {
      body.call();
      return null;
    }, null);
  }

  @FunctionalInterface
  private interface VoidCall {
    void call() throws IOException;
  }

  private static String entry(Entry e) {
    return "ino=" + e.ino();
  }

  private static String named(long parent, String name) {
    return "parent=" + parent + ",name=" + AccessLog.quote(name);
  }

  private static String hex(int v) {
    return "0x" + Integer.toHexString(v);
  }

  private static String oct(int v) {
    return "0" + Integer.toOctalString(v);
  }

  @Override
  public Entry lookup(Ctx ctx, long parent, String name) throws IOException {
    if (isLog(parent, name)) {
      return new Entry(INO, attr());
    }
    if (!log.active()) {
      return vfs.lookup(ctx, parent, name);
    }
    return logged(ctx, "lookup", named(parent, name), () -> vfs.lookup(ctx, parent, name), AccessLogVfs::entry);
  }

  @Override
  public Attr getattr(Ctx ctx, long ino) throws IOException {
    if (ino == INO) {
      return attr();
    }
    if (!log.active()) {
      return vfs.getattr(ctx, ino);
    }
    return logged(ctx, "getattr", "ino=" + ino, () -> vfs.getattr(ctx, ino), null);
  }

  @Override
  public Attr setattr(Ctx ctx, long ino, long fh, SetAttr req) throws IOException {
    return setattrAs(ctx, ino, fh, req, null);
  }

  @Override
  public Attr setattr(Ctx ctx, long ino, long fh, SetAttr req, boolean dropSuidGid) throws IOException {
    return setattrAs(ctx, ino, fh, req, dropSuidGid);
  }

  /** {@code drop} null: the wrapped VFS's own rule for the caller (which a mapping below may change). */
  private Attr setattrAs(Ctx ctx, long ino, long fh, SetAttr req, Boolean drop) throws IOException {
    if (ino == INO) {
      throw internal();
    }
    if (!log.active()) {
      return drop == null ? vfs.setattr(ctx, ino, fh, req) : vfs.setattr(ctx, ino, fh, req, drop);
    }
    String args = "ino=" + ino + ",fh=" + fh + ",valid=" + hex(req.valid())
        + (req.has(SetAttr.MODE) ? ",mode=" + oct(req.mode()) : "")
        + (req.has(SetAttr.UID) ? ",uid=" + req.uid() : "")
        + (req.has(SetAttr.GID) ? ",gid=" + req.gid() : "")
        + (req.has(SetAttr.SIZE) ? ",size=" + req.size() : "") + (Boolean.TRUE.equals(drop) ? ",killsuidgid" : "");
    return logged(ctx, "setattr", args,
        () -> drop == null ? vfs.setattr(ctx, ino, fh, req) : vfs.setattr(ctx, ino, fh, req, drop), null);
  }

  @Override
  public String readlink(Ctx ctx, long ino) throws IOException {
    if (ino == INO) {
      throw Errno.EINVAL.exception(NAME + " is not a symbolic link");
    }
    if (!log.active()) {
      return vfs.readlink(ctx, ino);
    }
    return logged(ctx, "readlink", "ino=" + ino, () -> vfs.readlink(ctx, ino), null);
  }

  @Override
  public Entry mknod(Ctx ctx, long parent, String name, int mode, int umask, int rdev) throws IOException {
    if (isLog(parent, name)) {
      throw internal();
    }
    if (!log.active()) {
      return vfs.mknod(ctx, parent, name, mode, umask, rdev);
    }
    return logged(ctx, "mknod", named(parent, name) + ",mode=" + oct(mode) + ",umask=" + oct(umask) + ",rdev=" + rdev,
        () -> vfs.mknod(ctx, parent, name, mode, umask, rdev), AccessLogVfs::entry);
  }

  @Override
  public Entry mkdir(Ctx ctx, long parent, String name, int mode, int umask) throws IOException {
    if (isLog(parent, name)) {
      throw internal();
    }
    if (!log.active()) {
      return vfs.mkdir(ctx, parent, name, mode, umask);
    }
    return logged(ctx, "mkdir", named(parent, name) + ",mode=" + oct(mode) + ",umask=" + oct(umask),
        () -> vfs.mkdir(ctx, parent, name, mode, umask), AccessLogVfs::entry);
  }

  @Override
  public Entry symlink(Ctx ctx, long parent, String name, String target) throws IOException {
    if (isLog(parent, name)) {
      throw internal();
    }
    if (!log.active()) {
      return vfs.symlink(ctx, parent, name, target);
    }
    return logged(ctx, "symlink", named(parent, name) + ",target=" + AccessLog.quote(target.contains("://") ? io.nectarfs.common.Uris.redact(target) : target),
        () -> vfs.symlink(ctx, parent, name, target), AccessLogVfs::entry);
  }

  @Override
  public void unlink(Ctx ctx, long parent, String name) throws IOException {
    if (isLog(parent, name)) {
      throw internal();
    }
    if (!log.active()) {
      vfs.unlink(ctx, parent, name);
      return;
    }
    loggedVoid(ctx, "unlink", named(parent, name), () -> vfs.unlink(ctx, parent, name));
  }

  @Override
  public void rmdir(Ctx ctx, long parent, String name) throws IOException {
    if (!log.active()) {
      vfs.rmdir(ctx, parent, name);
      return;
    }
    loggedVoid(ctx, "rmdir", named(parent, name), () -> vfs.rmdir(ctx, parent, name));
  }

  @Override
  public void rename(Ctx ctx, long ps, String ns, long pd, String nd, int flags) throws IOException {
    if (isLog(ps, ns) || isLog(pd, nd)) {
      throw internal();
    }
    if (!log.active()) {
      vfs.rename(ctx, ps, ns, pd, nd, flags);
      return;
    }
    String args = named(ps, ns) + ",newparent=" + pd + ",newname=" + AccessLog.quote(nd) + ",flags=" + hex(flags);
    loggedVoid(ctx, "rename", args, () -> vfs.rename(ctx, ps, ns, pd, nd, flags));
  }

  @Override
  public Entry link(Ctx ctx, long ino, long newParent, String newName) throws IOException {
    if (ino == INO || isLog(newParent, newName)) {
      throw internal();
    }
    if (!log.active()) {
      return vfs.link(ctx, ino, newParent, newName);
    }
    return logged(ctx, "link", "ino=" + ino + ",newparent=" + newParent + ",newname=" + AccessLog.quote(newName),
        () -> vfs.link(ctx, ino, newParent, newName), AccessLogVfs::entry);
  }

  @Override
  public Opened create(Ctx ctx, long parent, String name, int mode, int umask, int flags) throws IOException {
    return createAs(ctx, parent, name, mode, umask, flags, null);
  }

  @Override
  public Opened create(Ctx ctx, long parent, String name, int mode, int umask, int flags, boolean dropSuidGid) throws IOException {
    return createAs(ctx, parent, name, mode, umask, flags, dropSuidGid);
  }

  private Opened createAs(Ctx ctx, long parent, String name, int mode, int umask, int flags, Boolean drop) throws IOException {
    if (isLog(parent, name)) {
      throw internal();
    }
    Ctx.IoCall<Opened> call = () -> drop == null ? vfs.create(ctx, parent, name, mode, umask, flags)
        : vfs.create(ctx, parent, name, mode, umask, flags, drop);
    if (!log.active()) {
      return call.call();
    }
    return logged(ctx, "create", named(parent, name) + ",mode=" + oct(mode) + ",umask=" + oct(umask) + ",flags=" + hex(flags),
        call, o -> "ino=" + o.entry().ino() + ",fh=" + o.fh());
  }

  @Override
  public long open(Ctx ctx, long ino, int flags) throws IOException {
    return openAs(ctx, ino, flags, null);
  }

  @Override
  public long open(Ctx ctx, long ino, int flags, boolean dropSuidGid) throws IOException {
    return openAs(ctx, ino, flags, dropSuidGid);
  }

  private long openAs(Ctx ctx, long ino, int flags, Boolean drop) throws IOException {
    if (ino == INO) {
      if (OpenFlags.writable(flags) || OpenFlags.has(flags, OpenFlags.O_TRUNC)) {
        throw Errno.EACCES.exception(NAME + " is read-only");
      }
      mayRead(ctx);
      long fh = nextFh.getAndIncrement();
      open.put(fh, log.open());
      return fh;
    }
    Ctx.IoCall<Long> call = () -> drop == null ? vfs.open(ctx, ino, flags) : vfs.open(ctx, ino, flags, drop);
    if (!log.active()) {
      return call.call();
    }
    return logged(ctx, "open", "ino=" + ino + ",flags=" + hex(flags), call, fh -> "fh=" + fh);
  }

  @Override
  public Backing backingFile(Ctx ctx, long ino, long fh) throws IOException {
    return ino == INO ? Backing.none("internal") : vfs.backingFile(ctx, ino, fh);
  }

  @Override
  public boolean keepCache(long ino, long fh) {
    return ino != INO && vfs.keepCache(ino, fh);
  }

  @Override
  public int read(Ctx ctx, long ino, long fh, long off, ByteBuffer dst) throws IOException {
    if (ino == INO) {
      AccessLog.Reader r = open.get(fh);
      if (r == null) {
        throw Errno.EBADF.exception("file handle " + fh);
      }
      return r.read(ctx, dst);
    }
    if (!log.active()) {
      return vfs.read(ctx, ino, fh, off, dst);
    }
    return logged(ctx, "read", "ino=" + ino + ",fh=" + fh + ",off=" + off + ",size=" + dst.remaining(),
        () -> vfs.read(ctx, ino, fh, off, dst), n -> Integer.toString(n));
  }

  @Override
  public int write(Ctx ctx, long ino, long fh, long off, ByteBuffer src) throws IOException {
    return writeAs(ctx, ino, fh, off, src, null);
  }

  @Override
  public int write(Ctx ctx, long ino, long fh, long off, ByteBuffer src, boolean dropSuidGid) throws IOException {
    return writeAs(ctx, ino, fh, off, src, dropSuidGid);
  }

  private int writeAs(Ctx ctx, long ino, long fh, long off, ByteBuffer src, Boolean drop) throws IOException {
    if (ino == INO) {
      throw Errno.EBADF.exception(NAME + " is read-only");
    }
    Ctx.IoCall<Integer> call = () -> drop == null ? vfs.write(ctx, ino, fh, off, src) : vfs.write(ctx, ino, fh, off, src, drop);
    if (!log.active()) {
      return call.call();
    }
    return logged(ctx, "write", "ino=" + ino + ",fh=" + fh + ",off=" + off + ",size=" + src.remaining(),
        call, n -> Integer.toString(n));
  }

  @Override
  public void flush(Ctx ctx, long ino, long fh, long lockOwner) throws IOException {
    if (ino == INO) {
      return;
    }
    if (!log.active()) {
      vfs.flush(ctx, ino, fh, lockOwner);
      return;
    }
    loggedVoid(ctx, "flush", "ino=" + ino + ",fh=" + fh, () -> vfs.flush(ctx, ino, fh, lockOwner));
  }

  @Override
  public void fsync(Ctx ctx, long ino, long fh, boolean dataOnly) throws IOException {
    if (ino == INO) {
      return;
    }
    if (!log.active()) {
      vfs.fsync(ctx, ino, fh, dataOnly);
      return;
    }
    loggedVoid(ctx, "fsync", "ino=" + ino + ",fh=" + fh + ",datasync=" + dataOnly, () -> vfs.fsync(ctx, ino, fh, dataOnly));
  }

  @Override
  public void sync() throws IOException {
    vfs.sync(); // not a request of anyone: not logged
  }

  @Override
  public void release(Ctx ctx, long ino, long fh) throws IOException {
    if (ino == INO) {
      AccessLog.Reader r = open.remove(fh);
      if (r == null) {
        throw Errno.EBADF.exception("file handle " + fh);
      }
      r.close();
      return;
    }
    if (!log.active()) {
      vfs.release(ctx, ino, fh);
      return;
    }
    loggedVoid(ctx, "release", "ino=" + ino + ",fh=" + fh, () -> vfs.release(ctx, ino, fh));
  }

  @Override
  public long opendir(Ctx ctx, long ino, int flags) throws IOException {
    if (ino == INO) {
      throw Errno.ENOTDIR.exception(NAME);
    }
    if (!log.active()) {
      return vfs.opendir(ctx, ino, flags);
    }
    return logged(ctx, "opendir", "ino=" + ino + ",flags=" + hex(flags), () -> vfs.opendir(ctx, ino, flags), fh -> "fh=" + fh);
  }

  @Override
  public List<DirEntryAt> readdir(Ctx ctx, long ino, long fh, long offset, int max, boolean plus) throws IOException {
    if (!log.active()) {
      return vfs.readdir(ctx, ino, fh, offset, max, plus);
    }
    return logged(ctx, plus ? "readdirplus" : "readdir", "ino=" + ino + ",fh=" + fh + ",off=" + offset + ",max=" + max,
        () -> vfs.readdir(ctx, ino, fh, offset, max, plus), l -> Integer.toString(l.size()));
  }

  @Override
  public List<DirEntry> readdirAfter(Ctx ctx, long ino, String after, int limit) throws IOException {
    if (!log.active()) {
      return vfs.readdirAfter(ctx, ino, after, limit);
    }
    return logged(ctx, "readdir", "ino=" + ino + ",after=" + AccessLog.quote(after) + ",max=" + limit,
        () -> vfs.readdirAfter(ctx, ino, after, limit), l -> Integer.toString(l.size()));
  }

  @Override
  public void releasedir(Ctx ctx, long ino, long fh) throws IOException {
    if (!log.active()) {
      vfs.releasedir(ctx, ino, fh);
      return;
    }
    loggedVoid(ctx, "releasedir", "ino=" + ino + ",fh=" + fh, () -> vfs.releasedir(ctx, ino, fh));
  }

  @Override
  public StatFs statfs(Ctx ctx, long ino) throws IOException {
    if (!log.active()) {
      return vfs.statfs(ctx, ino);
    }
    return logged(ctx, "statfs", "ino=" + ino, () -> vfs.statfs(ctx, ino), null);
  }

  @Override
  public void access(Ctx ctx, long ino, int mask) throws IOException {
    if (ino == INO) {
      if ((mask & 3) != 0) {
        throw Errno.EACCES.exception(NAME + " is read-only");
      }
      if ((mask & 4) != 0) {
        mayRead(ctx);
      }
      return;
    }
    if (!log.active()) {
      vfs.access(ctx, ino, mask);
      return;
    }
    loggedVoid(ctx, "access", "ino=" + ino + ",mask=" + mask, () -> vfs.access(ctx, ino, mask));
  }

  @Override
  public byte[] getxattr(Ctx ctx, long ino, String name) throws IOException {
    if (ino == INO) {
      throw Errno.ENODATA.exception(name);
    }
    if (!log.active()) {
      return vfs.getxattr(ctx, ino, name);
    }
    return logged(ctx, "getxattr", "ino=" + ino + ",name=" + AccessLog.quote(name), () -> vfs.getxattr(ctx, ino, name), v -> Integer.toString(v.length));
  }

  @Override
  public List<String> listxattr(Ctx ctx, long ino) throws IOException {
    if (ino == INO) {
      return List.of();
    }
    if (!log.active()) {
      return vfs.listxattr(ctx, ino);
    }
    return logged(ctx, "listxattr", "ino=" + ino, () -> vfs.listxattr(ctx, ino), l -> Integer.toString(l.size()));
  }

  @Override
  public void setxattr(Ctx ctx, long ino, String name, byte[] value, int flags) throws IOException {
    if (ino == INO) {
      throw internal();
    }
    if (!log.active()) {
      vfs.setxattr(ctx, ino, name, value, flags);
      return;
    }
    loggedVoid(ctx, "setxattr", "ino=" + ino + ",name=" + AccessLog.quote(name) + ",size=" + value.length + ",flags=" + flags,
        () -> vfs.setxattr(ctx, ino, name, value, flags));
  }

  @Override
  public void removexattr(Ctx ctx, long ino, String name) throws IOException {
    if (ino == INO) {
      throw internal();
    }
    if (!log.active()) {
      vfs.removexattr(ctx, ino, name);
      return;
    }
    loggedVoid(ctx, "removexattr", "ino=" + ino + ",name=" + AccessLog.quote(name), () -> vfs.removexattr(ctx, ino, name));
  }

  @Override
  public void fallocate(Ctx ctx, long ino, long fh, int mode, long off, long len) throws IOException {
    if (ino == INO) {
      throw Errno.EBADF.exception(NAME + " is read-only");
    }
    if (!log.active()) {
      vfs.fallocate(ctx, ino, fh, mode, off, len);
      return;
    }
    loggedVoid(ctx, "fallocate", "ino=" + ino + ",fh=" + fh + ",mode=" + hex(mode) + ",off=" + off + ",len=" + len,
        () -> vfs.fallocate(ctx, ino, fh, mode, off, len));
  }

  @Override
  public long copyFileRange(Ctx ctx, long inoIn, long fhIn, long offIn, long inoOut, long fhOut, long offOut, long len, int flags) throws IOException {
    if (inoIn == INO || inoOut == INO) {
      throw Errno.EINVAL.exception(NAME + " is an internal file");
    }
    if (!log.active()) {
      return vfs.copyFileRange(ctx, inoIn, fhIn, offIn, inoOut, fhOut, offOut, len, flags);
    }
    String args = "ino=" + inoIn + ",fh=" + fhIn + ",off=" + offIn + ",outino=" + inoOut + ",outfh=" + fhOut + ",outoff=" + offOut + ",len=" + len + ",flags=" + flags;
    return logged(ctx, "copy_file_range", args, () -> vfs.copyFileRange(ctx, inoIn, fhIn, offIn, inoOut, fhOut, offOut, len, flags), n -> Long.toString(n));
  }

  @Override
  public long lseek(Ctx ctx, long ino, long fh, long off, int whence) throws IOException {
    if (ino == INO) {
      throw Errno.ESPIPE.exception(NAME);
    }
    if (!log.active()) {
      return vfs.lseek(ctx, ino, fh, off, whence);
    }
    return logged(ctx, "lseek", "ino=" + ino + ",fh=" + fh + ",off=" + off + ",whence=" + whence, () -> vfs.lseek(ctx, ino, fh, off, whence), n -> Long.toString(n));
  }

  @Override
  public Lock getlk(Ctx ctx, long ino, long fh, long owner, Lock lock) throws IOException {
    if (!log.active()) {
      return vfs.getlk(ctx, ino, fh, owner, lock);
    }
    return logged(ctx, "getlk", lockArgs(ino, fh, owner, lock), () -> vfs.getlk(ctx, ino, fh, owner, lock), l -> "type=" + l.type());
  }

  @Override
  public void setlk(Ctx ctx, long ino, long fh, long owner, Lock lock, boolean wait) throws IOException {
    if (!log.active()) {
      vfs.setlk(ctx, ino, fh, owner, lock, wait);
      return;
    }
    loggedVoid(ctx, wait ? "setlkw" : "setlk", lockArgs(ino, fh, owner, lock), () -> vfs.setlk(ctx, ino, fh, owner, lock, wait));
  }

  private static String lockArgs(long ino, long fh, long owner, Lock l) {
    return "ino=" + ino + ",fh=" + fh + ",owner=" + Long.toHexString(owner) + ",type=" + l.type() + ",start=" + l.start() + ",end=" + l.end() + ",pid=" + l.pid();
  }

  @Override
  public void flock(Ctx ctx, long ino, long fh, long owner, int op, boolean wait) throws IOException {
    if (!log.active()) {
      vfs.flock(ctx, ino, fh, owner, op, wait);
      return;
    }
    loggedVoid(ctx, "flock", "ino=" + ino + ",fh=" + fh + ",owner=" + Long.toHexString(owner) + ",op=" + op + ",wait=" + wait,
        () -> vfs.flock(ctx, ino, fh, owner, op, wait));
  }

  @Override
  public DirStats summary(Ctx ctx, long ino) throws IOException {
    if (!log.active()) {
      return vfs.summary(ctx, ino);
    }
    return logged(ctx, "summary", "ino=" + ino, () -> vfs.summary(ctx, ino), null);
  }

  @Override
  public Quota getQuota(Ctx ctx, long ino) throws IOException {
    if (!log.active()) {
      return vfs.getQuota(ctx, ino);
    }
    return logged(ctx, "getquota", "ino=" + ino, () -> vfs.getQuota(ctx, ino), null);
  }

  @Override
  public Quota setQuota(Ctx ctx, long ino, long maxSpace, long maxInodes) throws IOException {
    if (!log.active()) {
      return vfs.setQuota(ctx, ino, maxSpace, maxInodes);
    }
    return logged(ctx, "setquota", "ino=" + ino + ",space=" + maxSpace + ",inodes=" + maxInodes, () -> vfs.setQuota(ctx, ino, maxSpace, maxInodes), null);
  }

  @Override
  public boolean removeQuota(Ctx ctx, long ino) throws IOException {
    if (!log.active()) {
      return vfs.removeQuota(ctx, ino);
    }
    return logged(ctx, "removequota", "ino=" + ino, () -> vfs.removeQuota(ctx, ino), b -> Boolean.toString(b));
  }

  @Override
  public byte[] control(Ctx ctx, long ino, long fh, String request) throws IOException {
    return vfs.control(ctx, ino, fh, request);
  }

  @Override
  public void setReadOnly(boolean readOnly) {
    vfs.setReadOnly(readOnly);
  }

  @Override
  public Vfs handoverTarget() {
    return vfs;
  }

  @Override
  public void setInvalidator(Invalidator invalidator) {
    vfs.setInvalidator(invalidator);
  }

  @Override
  public void close() throws IOException {
    try {
      vfs.close();
    } finally {
      log.closeAll();
      open.clear();
      for (Thread t : sinks) {
        try {
          t.join(java.time.Duration.ofMinutes(1)); // the file gets the lines of the last operations
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
