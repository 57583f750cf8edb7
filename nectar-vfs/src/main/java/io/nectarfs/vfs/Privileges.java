package io.nectarfs.vfs;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.SetAttr;
import java.io.IOException;

/**
 * The privileges a change of a regular file drops, as a local file system (ext4) drops them, for
 * every front end: a write, a truncate (also by O_TRUNC) and a chown remove {@code
 * security.capability} whoever makes them, and drop setuid, and setgid when the file is
 * group-executable (without group-exec it marks mandatory locking and stays), when the caller has
 * no CAP_FSETID ({@code dropSuidGid}: the FUSE kernel's FUSE_WRITE_KILL_SUIDGID,
 * FATTR_KILL_SUIDGID and FUSE_OPEN_KILL_SUIDGID; a caller other than root for the file API). A
 * chown's own setuid/setgid rule is the metadata's ({@code Meta.setattr}).
 *
 * <p>Cost: an ordinary change makes no metadata round trip. The {@link InodeCache} remembers, for
 * {@code attrCache}, that an inode has no capability and no setuid/setgid bit to drop; it learns it
 * from every open and create, from the attributes a setattr returns and from the round trip made
 * when it did not know; this client's setxattr, removexattr and chmod forget it first. Another
 * client's setcap or chmod u+s can stay unseen for up to {@code attrCache}, the staleness window
 * cached attributes already have.
 *
 * <p>Stateless apart from the cache (thread-safe as it is). A drop is made as the caller: the
 * metadata lets anyone who may write a file drop its setuid/setgid bits, and nothing else, checked
 * against the mode inside its transaction; a caller refused (it writes through a handle it opened
 * when it still had the permission) drops them as root, as the kernel does.
 */
final class Privileges {
  static final String CAPABILITY = "security.capability";

  private final Meta meta;
  private final InodeCache cache;

  Privileges(Meta meta, InodeCache cache) {
    this.meta = meta;
    this.cache = cache;
  }

  /** The setuid/setgid bits of {@code mode} a write drops: setuid, and setgid when group-executable. */
  static int setidToDrop(int mode) {
    return (mode & 04000) | ((mode & 02010) == 02010 ? 02000 : 0);
  }

  /** Before a write to regular file {@code ino}: drops what it must; free when nothing is to drop. */
  void beforeWrite(Ctx ctx, long ino, boolean dropSuidGid) throws IOException {
    if (dropSuidGid && !cache.noSetid(ino)) {
      long stamp = cache.privStamp(ino);
      dropSetid(ctx, ino, meta.getattr(ctx, ino), stamp);
    }
    dropCapability(ctx, ino);
  }

  /**
   * After a successful truncate or chown of {@code ino} (so the caller was allowed it) whose result
   * is {@code a}, read after {@link InodeCache#privStamp} returned {@code stamp}: drops what it
   * must; returns the attributes as they are then.
   */
  Attr afterChange(Ctx ctx, long ino, Attr a, long stamp, boolean dropSuidGid) throws IOException {
    if (a.type() != FileType.FILE) {
      return a;
    }
    Attr r = dropSuidGid ? dropSetid(ctx, ino, a, stamp) : remember(ino, a, stamp);
    dropCapability(ctx, ino);
    return r;
  }

  private Attr remember(long ino, Attr a, long stamp) {
    cache.putSetid(ino, a, stamp);
    return a;
  }

  /** Drops the setuid/setgid bits {@code a} (current) shows; returns the attributes after. */
  private Attr dropSetid(Ctx ctx, long ino, Attr a, long stamp) throws IOException {
    int drop = setidToDrop(a.mode());
    if (drop == 0 || a.type() != FileType.FILE) {
      return remember(ino, a, stamp);
    }
    cache.forgetSetid(ino);
    long after = cache.privStamp(ino);
    SetAttr chmod = new SetAttr(SetAttr.MODE, a.mode() & 07777 & ~drop, 0, 0, 0, 0, 0, 0, false);
    Attr n;
    try {
      n = meta.setattr(ctx, ino, chmod);
    } catch (FsException e) {
      if (e.errno() != Errno.EPERM && e.errno() != Errno.EACCES) {
        throw e;
      }
      // A writer through a handle that may no longer write by permission (chmod since its open,
      // ftruncate): the kernel drops the bits without asking (ATTR_FORCE), so does this.
      n = meta.setattr(Ctx.ROOT, ino, chmod);
    }
    return remember(ino, n, after);
  }

  /** Removes {@code security.capability} unless known absent (one metadata read when not known). */
  private void dropCapability(Ctx ctx, long ino) throws IOException {
    if (cache.noCapability(ino)) {
      return;
    }
    long stamp = cache.privStamp(ino);
    try {
      meta.getxattr(ctx, ino, CAPABILITY);
    } catch (FsException e) {
      if (e.errno() == Errno.ENODATA) {
        cache.putNoCapability(ino, stamp);
        return;
      }
      throw e;
    }
    cache.forgetXattrs(ino);
    try {
      meta.removexattr(ctx, ino, CAPABILITY);
    } catch (FsException e) {
      if (e.errno() != Errno.ENODATA) { // another client removed it meanwhile
        throw e;
      }
    } finally {
      cache.forgetXattrs(ino);
    }
  }
}
