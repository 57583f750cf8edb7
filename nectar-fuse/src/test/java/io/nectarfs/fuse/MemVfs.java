package io.nectarfs.fuse;

import static io.nectarfs.common.OpenFlags.O_APPEND;
import static io.nectarfs.common.OpenFlags.O_EXCL;
import static io.nectarfs.common.OpenFlags.O_TRUNC;
import static io.nectarfs.common.OpenFlags.writable;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.Entry;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.StatFs;
import io.nectarfs.vfs.Vfs;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small in-memory {@link Vfs} that exists only to test the FUSE wire server: inodes, directories,
 * files as 1 MiB byte-array blocks (holes are null), symlinks, xattrs, POSIX and flock locks.
 * No permission checks (the tests run as root). One monitor guards everything; lock waiters wait on
 * it, looking at their request's cancellation token every 50 ms (an INTERRUPT ends the wait with
 * EINTR).
 */
final class MemVfs implements Vfs {
  private static final int BLOCK = 1 << 20;

  final AtomicInteger closed = new AtomicInteger();
  private final Map<Long, Node> inodes = new HashMap<>();
  private final Map<Long, Handle> handles = new HashMap<>();
  private long nextIno = 2;
  private long nextFh = 1;
  private volatile Invalidator invalidator;

  private static final class Node {
    final long ino;
    final FileType type;
    int mode;
    int uid;
    int gid;
    long atime;
    long mtime;
    long ctime;
    int nlink;
    int rdev;
    long parent;
    long length;
    int openCount;
    String target;
    final List<byte[]> blocks = new ArrayList<>();
    final TreeMap<String, Long> children = new TreeMap<>();
    final Map<String, byte[]> xattrs = new LinkedHashMap<>();
    final List<Lock> plocks = new ArrayList<>();
    final List<Long> plockOwners = new ArrayList<>();
    final Map<Long, Integer> flocks = new HashMap<>();

    Node(long ino, FileType type, int mode, int uid, int gid) {
      this.ino = ino;
      this.type = type;
      this.mode = mode & 07777;
      this.uid = uid;
      this.gid = gid;
      long now = now();
      atime = mtime = ctime = now;
      nlink = type == FileType.DIR ? 2 : 1;
    }

    Attr attr() {
      long len = type == FileType.DIR ? Attr.DIR_SIZE : type == FileType.SYMLINK ? target.getBytes().length : length;
      return new Attr(type, mode, uid, gid, atime, mtime, ctime, nlink, len, rdev, 0, parent);
    }
  }

  private record Handle(long ino, int flags, List<DirEntryAt> listing) {}

  MemVfs() {
    Node root = new Node(1, FileType.DIR, 0777, 0, 0);
    root.parent = 1;
    inodes.put(1L, root);
  }

  static long now() {
    java.time.Instant i = java.time.Instant.now();
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  Invalidator invalidator() {
    return invalidator;
  }

  /** Test hook: another client removed {@code name}; tells the kernel. */
  void removeBehindKernel(long parent, String name) throws FsException {
    synchronized (this) {
      Node d = dir(parent);
      Long ino = d.children.remove(name);
      if (ino == null) {
        throw Errno.ENOENT.exception(name);
      }
      Node n = node(ino);
      n.nlink--;
      maybeFree(n);
    }
    invalidator.entry(parent, name);
  }

  private Node node(long ino) throws FsException {
    Node n = inodes.get(ino);
    if (n == null) {
      throw Errno.ENOENT.exception("inode " + ino);
    }
    return n;
  }

  private Node dir(long ino) throws FsException {
    Node n = node(ino);
    if (n.type != FileType.DIR) {
      throw Errno.ENOTDIR.exception("inode " + ino);
    }
    return n;
  }

  private static void checkName(String name) throws FsException {
    if (name.isEmpty() || name.contains("/") || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
      throw (name.length() > 255 ? Errno.ENAMETOOLONG : Errno.EINVAL).exception(name);
    }
  }

  private Entry add(Ctx ctx, long parent, String name, FileType type, int mode, int umask) throws FsException {
    checkName(name);
    Node d = dir(parent);
    if (d.children.containsKey(name)) {
      throw Errno.EEXIST.exception(name);
    }
    Node n = new Node(nextIno++, type, mode & ~umask, ctx.uid(), ctx.gid());
    n.parent = parent;
    inodes.put(n.ino, n);
    d.children.put(name, n.ino);
    if (type == FileType.DIR) {
      d.nlink++;
    }
    d.mtime = d.ctime = now();
    return new Entry(n.ino, n.attr());
  }

  private void maybeFree(Node n) {
    if (n.nlink <= 0 && n.openCount == 0) {
      inodes.remove(n.ino);
    }
  }

  @Override
  public synchronized Entry lookup(Ctx ctx, long parent, String name) throws FsException {
    Node d = dir(parent);
    long ino;
    if (name.equals(".")) {
      ino = parent;
    } else if (name.equals("..")) {
      ino = d.parent;
    } else {
      if (name.length() > 255) {
        throw Errno.ENAMETOOLONG.exception(name);
      }
      Long c = d.children.get(name);
      if (c == null) {
        throw Errno.ENOENT.exception(name);
      }
      ino = c;
    }
    return new Entry(ino, node(ino).attr());
  }

  @Override
  public synchronized Attr getattr(Ctx ctx, long ino) throws FsException {
    return node(ino).attr();
  }

  @Override
  public synchronized Attr setattr(Ctx ctx, long ino, long fh, SetAttr req, boolean dropSuidGid) throws FsException {
    Node n = node(ino);
    long now = now();
    if (req.has(SetAttr.MODE)) {
      n.mode = req.mode() & 07777;
    }
    if (req.has(SetAttr.UID)) {
      n.uid = req.uid();
    }
    if (req.has(SetAttr.GID)) {
      n.gid = req.gid();
    }
    if (req.has(SetAttr.SIZE)) {
      if (n.type == FileType.DIR) {
        throw Errno.EISDIR.exception("truncate");
      }
      truncate(n, req.size());
      n.mtime = now;
    }
    if (req.has(SetAttr.ATIME)) {
      n.atime = req.atime();
    }
    if (req.has(SetAttr.ATIME_NOW)) {
      n.atime = now;
    }
    if (req.has(SetAttr.MTIME)) {
      n.mtime = req.mtime();
    }
    if (req.has(SetAttr.MTIME_NOW)) {
      n.mtime = now;
    }
    n.ctime = req.has(SetAttr.CTIME) ? req.ctime() : now;
    return n.attr();
  }

  private static void truncate(Node n, long size) {
    int keep = (int) ((size + BLOCK - 1) / BLOCK);
    while (n.blocks.size() > keep) {
      n.blocks.remove(n.blocks.size() - 1);
    }
    if (size < n.length && size % BLOCK != 0 && keep > 0 && keep <= n.blocks.size() && n.blocks.get(keep - 1) != null) {
      byte[] b = n.blocks.get(keep - 1);
      java.util.Arrays.fill(b, (int) (size % BLOCK), BLOCK, (byte) 0);
    }
    n.length = size;
  }

  @Override
  public synchronized String readlink(Ctx ctx, long ino) throws FsException {
    Node n = node(ino);
    if (n.type != FileType.SYMLINK) {
      throw Errno.EINVAL.exception("not a symlink");
    }
    return n.target;
  }

  @Override
  public synchronized Entry mknod(Ctx ctx, long parent, String name, int mode, int umask, int rdev) throws FsException {
    FileType t = FileType.ofMode(mode);
    if (t == null || t == FileType.DIR || t == FileType.SYMLINK) {
      throw Errno.EINVAL.exception("mknod type");
    }
    Entry e = add(ctx, parent, name, t, mode, umask);
    inodes.get(e.ino()).rdev = rdev;
    return new Entry(e.ino(), inodes.get(e.ino()).attr());
  }

  @Override
  public synchronized Entry mkdir(Ctx ctx, long parent, String name, int mode, int umask) throws FsException {
    return add(ctx, parent, name, FileType.DIR, mode, umask);
  }

  @Override
  public synchronized Entry symlink(Ctx ctx, long parent, String name, String target) throws FsException {
    checkName(name);
    Node d = dir(parent);
    if (d.children.containsKey(name)) {
      throw Errno.EEXIST.exception(name);
    }
    Node n = new Node(nextIno++, FileType.SYMLINK, 0777, ctx.uid(), ctx.gid());
    n.target = target;
    n.parent = parent;
    inodes.put(n.ino, n);
    d.children.put(name, n.ino);
    return new Entry(n.ino, n.attr());
  }

  @Override
  public synchronized void unlink(Ctx ctx, long parent, String name) throws FsException {
    Node d = dir(parent);
    Long ino = d.children.get(name);
    if (ino == null) {
      throw Errno.ENOENT.exception(name);
    }
    Node n = node(ino);
    if (n.type == FileType.DIR) {
      throw Errno.EISDIR.exception(name);
    }
    d.children.remove(name);
    d.mtime = d.ctime = now();
    n.nlink--;
    n.ctime = now();
    maybeFree(n);
  }

  @Override
  public synchronized void rmdir(Ctx ctx, long parent, String name) throws FsException {
    Node d = dir(parent);
    Long ino = d.children.get(name);
    if (ino == null) {
      throw Errno.ENOENT.exception(name);
    }
    Node n = node(ino);
    if (n.type != FileType.DIR) {
      throw Errno.ENOTDIR.exception(name);
    }
    if (!n.children.isEmpty()) {
      throw Errno.ENOTEMPTY.exception(name);
    }
    d.children.remove(name);
    d.nlink--;
    d.mtime = d.ctime = now();
    n.nlink = 0;
    maybeFree(n);
  }

  @Override
  public synchronized void rename(Ctx ctx, long ps, String ns, long pd, String nd, int flags) throws FsException {
    final int noReplace = 1;
    final int exchange = 2;
    checkName(nd);
    Node src = dir(ps);
    Node dst = dir(pd);
    Long ino = src.children.get(ns);
    if (ino == null) {
      throw Errno.ENOENT.exception(ns);
    }
    Node n = node(ino);
    Long existing = dst.children.get(nd);
    if ((flags & exchange) != 0) {
      if (existing == null) {
        throw Errno.ENOENT.exception(nd);
      }
      src.children.put(ns, existing);
      dst.children.put(nd, ino);
      node(existing).parent = ps;
      n.parent = pd;
      return;
    }
    if (existing != null) {
      if ((flags & noReplace) != 0) {
        throw Errno.EEXIST.exception(nd);
      }
      if (existing.equals(ino)) {
        return;
      }
      Node old = node(existing);
      if (old.type == FileType.DIR) {
        if (n.type != FileType.DIR) {
          throw Errno.EISDIR.exception(nd);
        }
        if (!old.children.isEmpty()) {
          throw Errno.ENOTEMPTY.exception(nd);
        }
        dst.nlink--;
        old.nlink = 0;
      } else {
        if (n.type == FileType.DIR) {
          throw Errno.ENOTDIR.exception(nd);
        }
        old.nlink--;
      }
      maybeFree(old);
    }
    src.children.remove(ns);
    dst.children.put(nd, ino);
    if (n.type == FileType.DIR && ps != pd) {
      src.nlink--;
      dst.nlink++;
    }
    n.parent = pd;
    long now = now();
    n.ctime = now;
    src.mtime = src.ctime = dst.mtime = dst.ctime = now;
  }

  @Override
  public synchronized Entry link(Ctx ctx, long ino, long newParent, String newName) throws FsException {
    checkName(newName);
    Node n = node(ino);
    if (n.type == FileType.DIR) {
      throw Errno.EPERM.exception("link to a directory");
    }
    Node d = dir(newParent);
    if (d.children.containsKey(newName)) {
      throw Errno.EEXIST.exception(newName);
    }
    d.children.put(newName, ino);
    n.nlink++;
    n.ctime = now();
    return new Entry(ino, n.attr());
  }

  @Override
  public synchronized Opened create(Ctx ctx, long parent, String name, int mode, int umask, int flags, boolean dropSuidGid) throws FsException {
    Node d = dir(parent);
    Long existing = d.children.get(name);
    if (existing != null) {
      if ((flags & O_EXCL) != 0) {
        throw Errno.EEXIST.exception(name);
      }
      long fh = open(ctx, existing, flags, dropSuidGid);
      return new Opened(new Entry(existing, node(existing).attr()), fh);
    }
    Entry e = add(ctx, parent, name, FileType.FILE, mode, umask);
    return new Opened(e, newHandle(node(e.ino()), flags, null));
  }

  /** Handles (files and directories) not released yet. */
  synchronized int openHandles() {
    return handles.size();
  }

  private long newHandle(Node n, int flags, List<DirEntryAt> listing) {
    long fh = nextFh++;
    handles.put(fh, new Handle(n.ino, flags, listing));
    n.openCount++;
    return fh;
  }

  private Handle handle(long ino, long fh) throws FsException {
    Handle h = handles.get(fh);
    if (h == null || h.ino != ino) {
      throw Errno.EBADF.exception("handle " + fh);
    }
    return h;
  }

  @Override
  public synchronized long open(Ctx ctx, long ino, int flags, boolean dropSuidGid) throws FsException {
    Node n = node(ino);
    if (n.type == FileType.DIR && writable(flags)) {
      throw Errno.EISDIR.exception("open");
    }
    if ((flags & O_TRUNC) != 0 && writable(flags)) {
      truncate(n, 0);
      n.mtime = n.ctime = now();
    }
    return newHandle(n, flags, null);
  }

  @Override
  public synchronized int read(Ctx ctx, long ino, long fh, long off, ByteBuffer dst) throws FsException {
    handle(ino, fh);
    Node n = node(ino);
    if (off >= n.length) {
      return 0;
    }
    int want = (int) Math.min(dst.remaining(), n.length - off);
    int done = 0;
    while (done < want) {
      long p = off + done;
      int bi = (int) (p / BLOCK);
      int bo = (int) (p % BLOCK);
      int k = Math.min(want - done, BLOCK - bo);
      byte[] b = bi < n.blocks.size() ? n.blocks.get(bi) : null;
      if (b == null) {
        for (int i = 0; i < k; i++) {
          dst.put((byte) 0);
        }
      } else {
        dst.put(b, bo, k);
      }
      done += k;
    }
    return done;
  }

  /** When set, every write fails with it, as a store that stopped taking writes makes the real VFS do. */
  volatile FsException failWrites;

  @Override
  public synchronized int write(Ctx ctx, long ino, long fh, long off, ByteBuffer src, boolean dropSuidGid) throws FsException {
    if (failWrites != null) {
      throw failWrites;
    }
    Handle h = handle(ino, fh);
    Node n = node(ino);
    if ((h.flags & O_APPEND) != 0) {
      off = n.length;
    }
    int len = src.remaining();
    int done = 0;
    while (done < len) {
      long p = off + done;
      int bi = (int) (p / BLOCK);
      int bo = (int) (p % BLOCK);
      int k = Math.min(len - done, BLOCK - bo);
      while (n.blocks.size() <= bi) {
        n.blocks.add(null);
      }
      byte[] b = n.blocks.get(bi);
      if (b == null) {
        b = new byte[BLOCK];
        n.blocks.set(bi, b);
      }
      src.get(b, bo, k);
      done += k;
    }
    n.length = Math.max(n.length, off + len);
    n.mtime = n.ctime = now();
    return len;
  }

  @Override
  public synchronized void flush(Ctx ctx, long ino, long fh, long lockOwner) throws FsException {
    handle(ino, fh);
    Node n = node(ino);
    for (int i = n.plocks.size() - 1; i >= 0; i--) {
      if (n.plockOwners.get(i) == lockOwner) {
        n.plocks.remove(i);
        n.plockOwners.remove(i);
      }
    }
    notifyAll();
  }

  @Override
  public synchronized void fsync(Ctx ctx, long ino, long fh, boolean dataOnly) throws FsException {
    handle(ino, fh);
  }

  @Override
  public void sync() {
    // memory: nothing to make durable
  }

  @Override
  public synchronized void release(Ctx ctx, long ino, long fh) throws FsException {
    handle(ino, fh);
    handles.remove(fh);
    Node n = inodes.get(ino);
    if (n != null) {
      n.openCount--;
      maybeFree(n);
    }
    notifyAll();
  }

  @Override
  public synchronized long opendir(Ctx ctx, long ino, int flags) throws FsException {
    Node d = dir(ino);
    List<DirEntryAt> list = new ArrayList<>();
    list.add(new DirEntryAt(".", ino, FileType.DIR.dtype(), d.attr(), 1));
    Node p = node(d.parent);
    list.add(new DirEntryAt("..", p.ino, FileType.DIR.dtype(), p.attr(), 2));
    for (Map.Entry<String, Long> e : d.children.entrySet()) {
      Node c = node(e.getValue());
      list.add(new DirEntryAt(e.getKey(), c.ino, c.type.dtype(), c.attr(), list.size() + 1));
    }
    return newHandle(d, flags, list);
  }

  @Override
  public synchronized List<DirEntryAt> readdir(Ctx ctx, long ino, long fh, long offset, int max, boolean plus) throws FsException {
    Handle h = handle(ino, fh);
    int from = (int) Math.min(offset, h.listing.size());
    return List.copyOf(h.listing.subList(from, Math.min(h.listing.size(), from + max)));
  }

  @Override
  public synchronized void releasedir(Ctx ctx, long ino, long fh) throws FsException {
    release(ctx, ino, fh);
  }

  @Override
  public synchronized StatFs statfs(Ctx ctx, long ino) {
    long used = 0;
    for (Node n : inodes.values()) {
      used += n.length;
    }
    long total = 1L << 40;
    return new StatFs(total, total - used, inodes.size(), 1_000_000);
  }

  @Override
  public synchronized void access(Ctx ctx, long ino, int mask) throws FsException {
    node(ino);
  }

  @Override
  public synchronized byte[] getxattr(Ctx ctx, long ino, String name) throws FsException {
    byte[] v = node(ino).xattrs.get(name);
    if (v == null) {
      throw Errno.ENODATA.exception(name);
    }
    return v.clone();
  }

  @Override
  public synchronized List<String> listxattr(Ctx ctx, long ino) throws FsException {
    return List.copyOf(node(ino).xattrs.keySet());
  }

  @Override
  public synchronized void setxattr(Ctx ctx, long ino, String name, byte[] value, int flags) throws FsException {
    Node n = node(ino);
    boolean exists = n.xattrs.containsKey(name);
    if ((flags & 1) != 0 && exists) {
      throw Errno.EEXIST.exception(name);
    }
    if ((flags & 2) != 0 && !exists) {
      throw Errno.ENODATA.exception(name);
    }
    n.xattrs.put(name, value.clone());
    n.ctime = now();
  }

  @Override
  public synchronized void removexattr(Ctx ctx, long ino, String name) throws FsException {
    if (node(ino).xattrs.remove(name) == null) {
      throw Errno.ENODATA.exception(name);
    }
  }

  @Override
  public synchronized void fallocate(Ctx ctx, long ino, long fh, int mode, long off, long len) throws FsException {
    handle(ino, fh);
    if (mode != 0) {
      throw Errno.EOPNOTSUPP.exception("fallocate mode " + mode);
    }
    Node n = node(ino);
    if (off + len > n.length) {
      n.length = off + len;
    }
  }

  @Override
  public long copyFileRange(Ctx ctx, long inoIn, long fhIn, long offIn, long inoOut, long fhOut, long offOut, long len, int flags) throws FsException {
    synchronized (this) {
      ByteBuffer tmp = ByteBuffer.allocate((int) Math.min(len, 64 << 20));
      int n = read(ctx, inoIn, fhIn, offIn, tmp);
      tmp.flip();
      return n <= 0 ? 0 : write(ctx, inoOut, fhOut, offOut, tmp, false);
    }
  }

  @Override
  public synchronized long lseek(Ctx ctx, long ino, long fh, long off, int whence) throws FsException {
    handle(ino, fh);
    Node n = node(ino);
    if (off >= n.length) {
      throw Errno.ENXIO.exception("lseek");
    }
    return whence == 3 ? off : n.length;
  }

  private static boolean overlaps(Lock a, Lock b) {
    return a.start() <= b.end() && b.start() <= a.end();
  }

  private static Lock conflict(Node n, long owner, Lock l) {
    for (int i = 0; i < n.plocks.size(); i++) {
      Lock x = n.plocks.get(i);
      if (n.plockOwners.get(i) != owner && overlaps(x, l) && (x.type() == 1 || l.type() == 1)) {
        return x;
      }
    }
    return null;
  }

  @Override
  public synchronized Lock getlk(Ctx ctx, long ino, long fh, long owner, Lock lock) throws FsException {
    Lock c = conflict(node(ino), owner, lock);
    return c != null ? c : new Lock(2, lock.start(), lock.end(), lock.pid());
  }

  @Override
  public synchronized void setlk(Ctx ctx, long ino, long fh, long owner, Lock lock, boolean wait) throws FsException {
    Node n = node(ino);
    if (lock.type() != 2) {
      while (conflict(n, owner, lock) != null) {
        if (!wait) {
          throw Errno.EAGAIN.exception("locked");
        }
        waitForChange(ctx);
      }
    }
    // drop (and split) this owner's locks in the range, then add the new one
    List<Lock> keep = new ArrayList<>();
    List<Long> keepOwners = new ArrayList<>();
    for (int i = 0; i < n.plocks.size(); i++) {
      Lock x = n.plocks.get(i);
      long o = n.plockOwners.get(i);
      if (o != owner || !overlaps(x, lock)) {
        keep.add(x);
        keepOwners.add(o);
        continue;
      }
      if (x.start() < lock.start()) {
        keep.add(new Lock(x.type(), x.start(), lock.start() - 1, x.pid()));
        keepOwners.add(o);
      }
      if (x.end() > lock.end()) {
        keep.add(new Lock(x.type(), lock.end() + 1, x.end(), x.pid()));
        keepOwners.add(o);
      }
    }
    if (lock.type() != 2) {
      keep.add(lock);
      keepOwners.add(owner);
    }
    n.plocks.clear();
    n.plocks.addAll(keep);
    n.plockOwners.clear();
    n.plockOwners.addAll(keepOwners);
    notifyAll();
  }

  @Override
  public synchronized void flock(Ctx ctx, long ino, long fh, long owner, int op, boolean wait) throws FsException {
    Node n = node(ino);
    if (op == 8) {
      n.flocks.remove(owner);
      notifyAll();
      return;
    }
    while (true) {
      boolean busy = false;
      for (Iterator<Map.Entry<Long, Integer>> it = n.flocks.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<Long, Integer> e = it.next();
        if (e.getKey() != owner && (op == 2 || e.getValue() == 2)) {
          busy = true;
        }
      }
      if (!busy) {
        break;
      }
      if (!wait) {
        throw Errno.EAGAIN.exception("flock");
      }
      waitForChange(ctx);
    }
    n.flocks.put(owner, op);
  }

  private void waitForChange(Ctx ctx) throws FsException {
    try {
      ctx.checkCancelled();
      wait(50);
      ctx.checkCancelled();
    } catch (InterruptedException e) {
      throw Errno.EINTR.exception("lock wait interrupted");
    }
  }

  @Override
  public void setInvalidator(Invalidator invalidator) {
    this.invalidator = invalidator;
  }

  @Override
  public void close() {
    closed.incrementAndGet();
  }
}
