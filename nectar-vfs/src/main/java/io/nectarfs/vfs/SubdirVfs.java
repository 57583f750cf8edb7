package io.nectarfs.vfs;

import io.nectarfs.common.Ctx;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.Entry;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.StatFs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A VFS whose root is a subdirectory of the volume ({@code --subdir}): inode {@link Meta#ROOT}
 * seen by the front end is the subdirectory; the subdirectory's inode is shown as the root; ".."
 * of the root is the root, so nothing above it can be reached.
 */
final class SubdirVfs implements HandoverForwarding {
  private final Vfs inner;
  private final long top;

  SubdirVfs(Vfs inner, long top) {
    this.inner = inner;
    this.top = top;
  }

  private long in(long ino) {
    return ino == Meta.ROOT ? top : ino;
  }

  private long out(long ino) {
    return ino == top ? Meta.ROOT : ino;
  }

  private Attr outAttr(Attr a) {
    return a == null ? null : a.parent() == top ? a.withParent(Meta.ROOT) : a;
  }

  private Entry out(Entry e) {
    return new Entry(out(e.ino()), outAttr(e.attr()));
  }

  @Override
  public Entry lookup(Ctx ctx, long parent, String name) throws IOException {
    if (parent == Meta.ROOT && name.equals("..")) {
      return new Entry(Meta.ROOT, getattr(ctx, Meta.ROOT));
    }
    return out(inner.lookup(ctx, in(parent), name));
  }

  @Override
  public Attr getattr(Ctx ctx, long ino) throws IOException {
    return outAttr(inner.getattr(ctx, in(ino)));
  }

  @Override
  public Attr setattr(Ctx ctx, long ino, long fh, SetAttr req) throws IOException {
    return outAttr(inner.setattr(ctx, in(ino), fh, req));
  }

  @Override
  public Attr setattr(Ctx ctx, long ino, long fh, SetAttr req, boolean dropSuidGid) throws IOException {
    return outAttr(inner.setattr(ctx, in(ino), fh, req, dropSuidGid));
  }

  @Override
  public String readlink(Ctx ctx, long ino) throws IOException {
    return inner.readlink(ctx, in(ino));
  }

  @Override
  public Entry mknod(Ctx ctx, long parent, String name, int mode, int umask, int rdev) throws IOException {
    return out(inner.mknod(ctx, in(parent), name, mode, umask, rdev));
  }

  @Override
  public Entry mkdir(Ctx ctx, long parent, String name, int mode, int umask) throws IOException {
    return out(inner.mkdir(ctx, in(parent), name, mode, umask));
  }

  @Override
  public Entry symlink(Ctx ctx, long parent, String name, String target) throws IOException {
    return out(inner.symlink(ctx, in(parent), name, target));
  }

  @Override
  public void unlink(Ctx ctx, long parent, String name) throws IOException {
    inner.unlink(ctx, in(parent), name);
  }

  @Override
  public void rmdir(Ctx ctx, long parent, String name) throws IOException {
    inner.rmdir(ctx, in(parent), name);
  }

  @Override
  public void rename(Ctx ctx, long ps, String ns, long pd, String nd, int flags) throws IOException {
    inner.rename(ctx, in(ps), ns, in(pd), nd, flags);
  }

  @Override
  public Entry link(Ctx ctx, long ino, long newParent, String newName) throws IOException {
    return out(inner.link(ctx, in(ino), in(newParent), newName));
  }

  @Override
  public Opened create(Ctx ctx, long parent, String name, int mode, int umask, int flags) throws IOException {
    Opened o = inner.create(ctx, in(parent), name, mode, umask, flags);
    return new Opened(out(o.entry()), o.fh());
  }

  @Override
  public Opened create(Ctx ctx, long parent, String name, int mode, int umask, int flags, boolean dropSuidGid) throws IOException {
    Opened o = inner.create(ctx, in(parent), name, mode, umask, flags, dropSuidGid);
    return new Opened(out(o.entry()), o.fh());
  }

  @Override
  public long open(Ctx ctx, long ino, int flags) throws IOException {
    return inner.open(ctx, in(ino), flags);
  }

  @Override
  public long open(Ctx ctx, long ino, int flags, boolean dropSuidGid) throws IOException {
    return inner.open(ctx, in(ino), flags, dropSuidGid);
  }

  @Override
  public int read(Ctx ctx, long ino, long fh, long off, ByteBuffer dst) throws IOException {
    return inner.read(ctx, in(ino), fh, off, dst);
  }

  @Override
  public int write(Ctx ctx, long ino, long fh, long off, ByteBuffer src) throws IOException {
    return inner.write(ctx, in(ino), fh, off, src);
  }

  @Override
  public int write(Ctx ctx, long ino, long fh, long off, ByteBuffer src, boolean dropSuidGid) throws IOException {
    return inner.write(ctx, in(ino), fh, off, src, dropSuidGid);
  }

  @Override
  public void flush(Ctx ctx, long ino, long fh, long lockOwner) throws IOException {
    inner.flush(ctx, in(ino), fh, lockOwner);
  }

  @Override
  public void fsync(Ctx ctx, long ino, long fh, boolean dataOnly) throws IOException {
    inner.fsync(ctx, in(ino), fh, dataOnly);
  }

  @Override
  public void sync() throws IOException {
    inner.sync();
  }

  @Override
  public void release(Ctx ctx, long ino, long fh) throws IOException {
    inner.release(ctx, in(ino), fh);
  }

  @Override
  public long opendir(Ctx ctx, long ino, int flags) throws IOException {
    return inner.opendir(ctx, in(ino), flags);
  }

  @Override
  public List<DirEntryAt> readdir(Ctx ctx, long ino, long fh, long offset, int max, boolean plus) throws IOException {
    List<DirEntryAt> page = inner.readdir(ctx, in(ino), fh, offset, max, plus);
    List<DirEntryAt> out = new ArrayList<>(page.size());
    for (DirEntryAt e : page) {
      long id = ino == Meta.ROOT && e.name().equals("..") ? Meta.ROOT : out(e.ino());
      Attr a = ino == Meta.ROOT && e.name().equals("..") && e.attr() != null ? getattr(ctx, Meta.ROOT) : outAttr(e.attr());
      out.add(new DirEntryAt(e.name(), id, e.dtype(), a, e.offset()));
    }
    return out;
  }

  @Override
  public List<io.nectarfs.meta.DirEntry> readdirAfter(Ctx ctx, long ino, String after, int limit) throws IOException {
    List<io.nectarfs.meta.DirEntry> page = inner.readdirAfter(ctx, in(ino), after, limit);
    List<io.nectarfs.meta.DirEntry> out = new ArrayList<>(page.size());
    for (io.nectarfs.meta.DirEntry e : page) {
      out.add(new io.nectarfs.meta.DirEntry(e.name(), out(e.ino()), e.type(), outAttr(e.attr())));
    }
    return out;
  }

  @Override
  public io.nectarfs.meta.DirStats summary(Ctx ctx, long ino) throws IOException {
    return inner.summary(ctx, in(ino));
  }

  @Override
  public io.nectarfs.meta.Quota getQuota(Ctx ctx, long ino) throws IOException {
    return outQuota(inner.getQuota(ctx, in(ino)));
  }

  @Override
  public io.nectarfs.meta.Quota setQuota(Ctx ctx, long ino, long maxSpace, long maxInodes) throws IOException {
    return outQuota(inner.setQuota(ctx, in(ino), maxSpace, maxInodes));
  }

  @Override
  public boolean removeQuota(Ctx ctx, long ino) throws IOException {
    return inner.removeQuota(ctx, in(ino));
  }

  private io.nectarfs.meta.Quota outQuota(io.nectarfs.meta.Quota q) {
    return q == null ? null : new io.nectarfs.meta.Quota(out(q.ino()), q.maxSpace(), q.maxInodes(), q.usedSpace(), q.usedInodes());
  }

  @Override
  public void releasedir(Ctx ctx, long ino, long fh) throws IOException {
    inner.releasedir(ctx, in(ino), fh);
  }

  @Override
  public StatFs statfs(Ctx ctx, long ino) throws IOException {
    return inner.statfs(ctx, in(ino));
  }

  @Override
  public void access(Ctx ctx, long ino, int mask) throws IOException {
    inner.access(ctx, in(ino), mask);
  }

  @Override
  public byte[] getxattr(Ctx ctx, long ino, String name) throws IOException {
    return inner.getxattr(ctx, in(ino), name);
  }

  @Override
  public List<String> listxattr(Ctx ctx, long ino) throws IOException {
    return inner.listxattr(ctx, in(ino));
  }

  @Override
  public void setxattr(Ctx ctx, long ino, String name, byte[] value, int flags) throws IOException {
    inner.setxattr(ctx, in(ino), name, value, flags);
  }

  @Override
  public void removexattr(Ctx ctx, long ino, String name) throws IOException {
    inner.removexattr(ctx, in(ino), name);
  }

  @Override
  public void fallocate(Ctx ctx, long ino, long fh, int mode, long off, long len) throws IOException {
    inner.fallocate(ctx, in(ino), fh, mode, off, len);
  }

  @Override
  public long copyFileRange(Ctx ctx, long inoIn, long fhIn, long offIn, long inoOut, long fhOut, long offOut, long len, int flags) throws IOException {
    return inner.copyFileRange(ctx, in(inoIn), fhIn, offIn, in(inoOut), fhOut, offOut, len, flags);
  }

  @Override
  public long lseek(Ctx ctx, long ino, long fh, long off, int whence) throws IOException {
    return inner.lseek(ctx, in(ino), fh, off, whence);
  }

  @Override
  public Lock getlk(Ctx ctx, long ino, long fh, long owner, Lock lock) throws IOException {
    return inner.getlk(ctx, in(ino), fh, owner, lock);
  }

  @Override
  public void setlk(Ctx ctx, long ino, long fh, long owner, Lock lock, boolean wait) throws IOException {
    inner.setlk(ctx, in(ino), fh, owner, lock, wait);
  }

  @Override
  public void flock(Ctx ctx, long ino, long fh, long owner, int op, boolean wait) throws IOException {
    inner.flock(ctx, in(ino), fh, owner, op, wait);
  }

  @Override
  public Backing backingFile(Ctx ctx, long ino, long fh) throws IOException {
    return inner.backingFile(ctx, in(ino), fh);
  }

  @Override
  public boolean keepCache(long ino, long fh) {
    return inner.keepCache(in(ino), fh);
  }

  @Override
  public byte[] control(Ctx ctx, long ino, long fh, String request) throws IOException {
    return inner.control(ctx, in(ino), fh, request);
  }

  @Override
  public void setReadOnly(boolean readOnly) {
    inner.setReadOnly(readOnly);
  }

  @Override
  public Vfs handoverTarget() {
    return inner;
  }

  @Override
  public void setInvalidator(Invalidator invalidator) {
    inner.setInvalidator(new Invalidator() {
      @Override
      public void entry(long parent, String name) {
        invalidator.entry(out(parent), name);
      }

      @Override
      public void inode(long ino, long off, long len) {
        invalidator.inode(out(ino), off, len);
      }
    });
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
