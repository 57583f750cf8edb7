package io.nectarfs.volume;

import io.nectarfs.common.Ctx;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.Entry;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.StatFs;
import io.nectarfs.vfs.HandoverForwarding;
import io.nectarfs.vfs.Vfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A VFS that applies an {@link IdentityMapping} to the caller of every operation before passing
 * it on. Stateless beyond its two final fields, so as thread-safe as the VFS it wraps.
 */
final class MappedVfs implements HandoverForwarding {
  private final Vfs inner;
  private final IdentityMapping mapping;

  MappedVfs(Vfs inner, IdentityMapping mapping) {
    this.inner = inner;
    this.mapping = mapping;
  }

  private Ctx map(Ctx ctx) {
    return mapping.apply(ctx);
  }

  @Override
  public Entry lookup(Ctx ctx, long parent, String name) throws IOException {
    return inner.lookup(map(ctx), parent, name);
  }

  @Override
  public Attr getattr(Ctx ctx, long ino) throws IOException {
    return inner.getattr(map(ctx), ino);
  }

  @Override
  public Attr setattr(Ctx ctx, long ino, long fh, SetAttr req) throws IOException {
    return inner.setattr(map(ctx), ino, fh, req); // "not root" as mapped
  }

  @Override
  public Attr setattr(Ctx ctx, long ino, long fh, SetAttr req, boolean dropSuidGid) throws IOException {
    return inner.setattr(map(ctx), ino, fh, req, dropSuidGid);
  }

  @Override
  public String readlink(Ctx ctx, long ino) throws IOException {
    return inner.readlink(map(ctx), ino);
  }

  @Override
  public Entry mknod(Ctx ctx, long parent, String name, int mode, int umask, int rdev) throws IOException {
    return inner.mknod(map(ctx), parent, name, mode, umask, rdev);
  }

  @Override
  public Entry mkdir(Ctx ctx, long parent, String name, int mode, int umask) throws IOException {
    return inner.mkdir(map(ctx), parent, name, mode, umask);
  }

  @Override
  public Entry symlink(Ctx ctx, long parent, String name, String target) throws IOException {
    return inner.symlink(map(ctx), parent, name, target);
  }

  @Override
  public void unlink(Ctx ctx, long parent, String name) throws IOException {
    inner.unlink(map(ctx), parent, name);
  }

  @Override
  public void rmdir(Ctx ctx, long parent, String name) throws IOException {
    inner.rmdir(map(ctx), parent, name);
  }

  @Override
  public void rename(Ctx ctx, long parentSrc, String nameSrc, long parentDst, String nameDst, int flags) throws IOException {
    inner.rename(map(ctx), parentSrc, nameSrc, parentDst, nameDst, flags);
  }

  @Override
  public Entry link(Ctx ctx, long ino, long newParent, String newName) throws IOException {
    return inner.link(map(ctx), ino, newParent, newName);
  }

  @Override
  public Opened create(Ctx ctx, long parent, String name, int mode, int umask, int flags) throws IOException {
    return inner.create(map(ctx), parent, name, mode, umask, flags);
  }

  @Override
  public Opened create(Ctx ctx, long parent, String name, int mode, int umask, int flags, boolean dropSuidGid) throws IOException {
    return inner.create(map(ctx), parent, name, mode, umask, flags, dropSuidGid);
  }

  @Override
  public long open(Ctx ctx, long ino, int flags) throws IOException {
    return inner.open(map(ctx), ino, flags);
  }

  @Override
  public long open(Ctx ctx, long ino, int flags, boolean dropSuidGid) throws IOException {
    return inner.open(map(ctx), ino, flags, dropSuidGid);
  }

  @Override
  public int read(Ctx ctx, long ino, long fh, long off, ByteBuffer dst) throws IOException {
    return inner.read(map(ctx), ino, fh, off, dst);
  }

  @Override
  public int write(Ctx ctx, long ino, long fh, long off, ByteBuffer src) throws IOException {
    return inner.write(map(ctx), ino, fh, off, src);
  }

  @Override
  public int write(Ctx ctx, long ino, long fh, long off, ByteBuffer src, boolean dropSuidGid) throws IOException {
    return inner.write(map(ctx), ino, fh, off, src, dropSuidGid);
  }

  @Override
  public void flush(Ctx ctx, long ino, long fh, long lockOwner) throws IOException {
    inner.flush(map(ctx), ino, fh, lockOwner);
  }

  @Override
  public void fsync(Ctx ctx, long ino, long fh, boolean dataOnly) throws IOException {
    inner.fsync(map(ctx), ino, fh, dataOnly);
  }

  @Override
  public void sync() throws IOException {
    inner.sync();
  }

  @Override
  public void release(Ctx ctx, long ino, long fh) throws IOException {
    inner.release(map(ctx), ino, fh);
  }

  @Override
  public long opendir(Ctx ctx, long ino, int flags) throws IOException {
    return inner.opendir(map(ctx), ino, flags);
  }

  @Override
  public List<DirEntryAt> readdir(Ctx ctx, long ino, long fh, long offset, int max, boolean plus) throws IOException {
    return inner.readdir(map(ctx), ino, fh, offset, max, plus);
  }

  @Override
  public void releasedir(Ctx ctx, long ino, long fh) throws IOException {
    inner.releasedir(map(ctx), ino, fh);
  }

  @Override
  public StatFs statfs(Ctx ctx, long ino) throws IOException {
    return inner.statfs(map(ctx), ino);
  }

  @Override
  public void access(Ctx ctx, long ino, int mask) throws IOException {
    inner.access(map(ctx), ino, mask);
  }

  @Override
  public byte[] getxattr(Ctx ctx, long ino, String name) throws IOException {
    return inner.getxattr(map(ctx), ino, name);
  }

  @Override
  public List<String> listxattr(Ctx ctx, long ino) throws IOException {
    return inner.listxattr(map(ctx), ino);
  }

  @Override
  public void setxattr(Ctx ctx, long ino, String name, byte[] value, int flags) throws IOException {
    inner.setxattr(map(ctx), ino, name, value, flags);
  }

  @Override
  public void removexattr(Ctx ctx, long ino, String name) throws IOException {
    inner.removexattr(map(ctx), ino, name);
  }

  @Override
  public void fallocate(Ctx ctx, long ino, long fh, int mode, long off, long len) throws IOException {
    inner.fallocate(map(ctx), ino, fh, mode, off, len);
  }

  @Override
  public long copyFileRange(Ctx ctx, long inoIn, long fhIn, long offIn, long inoOut, long fhOut, long offOut, long len, int flags) throws IOException {
    return inner.copyFileRange(map(ctx), inoIn, fhIn, offIn, inoOut, fhOut, offOut, len, flags);
  }

  @Override
  public long lseek(Ctx ctx, long ino, long fh, long off, int whence) throws IOException {
    return inner.lseek(map(ctx), ino, fh, off, whence);
  }

  @Override
  public Lock getlk(Ctx ctx, long ino, long fh, long owner, Lock lock) throws IOException {
    return inner.getlk(map(ctx), ino, fh, owner, lock);
  }

  @Override
  public void setlk(Ctx ctx, long ino, long fh, long owner, Lock lock, boolean wait) throws IOException {
    inner.setlk(map(ctx), ino, fh, owner, lock, wait);
  }

  @Override
  public void flock(Ctx ctx, long ino, long fh, long owner, int op, boolean wait) throws IOException {
    inner.flock(map(ctx), ino, fh, owner, op, wait);
  }

  @Override
  public Backing backingFile(Ctx ctx, long ino, long fh) throws IOException {
    return inner.backingFile(map(ctx), ino, fh);
  }

  @Override
  public boolean keepCache(long ino, long fh) {
    return inner.keepCache(ino, fh);
  }

  @Override
  public byte[] control(Ctx ctx, long ino, long fh, String request) throws IOException {
    return inner.control(map(ctx), ino, fh, request);
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
    inner.setInvalidator(invalidator);
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }

  @Override
  public List<io.nectarfs.meta.DirEntry> readdirAfter(Ctx ctx, long ino, String after, int limit) throws IOException {
    return inner.readdirAfter(map(ctx), ino, after, limit);
  }

  @Override
  public io.nectarfs.meta.DirStats summary(Ctx ctx, long ino) throws IOException {
    return inner.summary(map(ctx), ino);
  }

  @Override
  public io.nectarfs.meta.Quota getQuota(Ctx ctx, long ino) throws IOException {
    return inner.getQuota(map(ctx), ino);
  }

  @Override
  public io.nectarfs.meta.Quota setQuota(Ctx ctx, long ino, long maxSpace, long maxInodes) throws IOException {
    return inner.setQuota(map(ctx), ino, maxSpace, maxInodes);
  }

  @Override
  public boolean removeQuota(Ctx ctx, long ino) throws IOException {
    return inner.removeQuota(map(ctx), ino);
  }
}
