package io.nectarfs.meta;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Whole-tree operations done in the metadata only (no byte of file data moves), for {@code nectar
 * rmr} and {@code nectar clone}. Every step is an ordinary {@link Meta} call made as the caller
 * ({@code ctx}), so permissions, sticky directories, quotas and the trash apply to each entry
 * exactly as they do to a mount's unlink, rmdir, mkdir and clone.
 *
 * <p>Not atomic across entries, except where said: a concurrent writer can add entries to a
 * directory being removed (the removal then fails with ENOTEMPTY at that directory, leaving the
 * rest removed).
 */
public final class Trees {
  /** Entries read per directory page. */
  private static final int PAGE = 1000;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Trees() {}

  /**
   * Removes {@code name} in {@code parent} and, if it is a directory, everything below it,
   * depth-first: files by {@link Meta#unlink} (so to the trash when the volume has one, and freed
   * only when the last link and open go), directories by {@link Meta#rmdir}. {@code removed}
   * receives 1 per entry removed. Returns the number of entries removed. Stops at the first
   * failure (ENOENT, EACCES, EPERM, ENOTEMPTY, ...), naming the entry; what was removed before it
   * stays removed.
   */
  public static long remove(Meta m, Ctx ctx, long parent, String name, LongConsumer removed) throws IOException {
    Entry e = m.lookup(ctx, parent, name);
    if (!e.attr().isDir()) {
      m.unlink(ctx, parent, name);
      removed.accept(1);
      return 1;
    }
    long n = emptyDir(m, ctx, e.ino(), removed);
    m.rmdir(ctx, parent, name);
    removed.accept(1);
    return n + 1;
  }

  private static long emptyDir(Meta m, Ctx ctx, long dir, LongConsumer removed) throws IOException {
    long n = 0;
    String after = "";
    while (true) {
      List<DirEntry> page = m.readdir(ctx, dir, after, PAGE, false);
      if (page.isEmpty()) {
        return n;
      }
      for (DirEntry c : page) {
        if (c.type() == FileType.DIR) {
          n += emptyDir(m, ctx, c.ino(), removed);
          m.rmdir(ctx, dir, c.name());
        } else {
          m.unlink(ctx, dir, c.name());
        }
        removed.accept(1);
        n++;
      }
      after = page.getLast().name();
    }
  }

  /**
   * Copies {@code src} (a file, directory tree, symlink or special file) to {@code dstName} in
   * {@code dstParent}, sharing every file's slices ({@link Meta#clone}): no data is copied, and
   * later writes to either copy diverge. Atomic as seen from {@code dstName}: the copy is built
   * under a hidden temporary name in {@code dstParent} and renamed into place without replacing
   * anything, so {@code dstName} either does not exist or is the complete copy. On failure the
   * temporary copy is removed (to the trash when the volume has one) and the failure is thrown.
   *
   * <p>The copy belongs to the caller and keeps the source's mode bits. With {@code preserve} it
   * also keeps the owner (root only, else EPERM), access and modification times, and extended
   * attributes. Hard links inside the tree become separate files. {@code copied} receives 1 per
   * entry created. Returns the number of entries created. EEXIST when {@code dstName} exists,
   * EACCES, ENOSPC/EDQUOT, and the errors of {@link Meta#clone}.
   */
  public static long copy(Meta m, Ctx ctx, long src, long dstParent, String dstName, boolean preserve, LongConsumer copied) throws IOException {
    m.getattr(ctx, dstParent);
    try {
      m.lookup(ctx, dstParent, dstName);
      throw Errno.EEXIST.exception(dstName);
    } catch (FsException e) {
      if (e.errno() != Errno.ENOENT) {
        throw e;
      }
    }
    String tmp = "." + (dstName.length() > 200 ? dstName.substring(0, 200) : dstName) + ".nectar-clone-" + HexFormat.of().toHexDigits(RANDOM.nextInt());
    long n;
    try {
      n = copyEntry(m, ctx, src, dstParent, tmp, preserve, copied);
      m.rename(ctx, dstParent, tmp, dstParent, dstName, Meta.RENAME_NOREPLACE);
    } catch (IOException | RuntimeException e) {
      try {
        remove(m, ctx, dstParent, tmp, x -> {});
      } catch (IOException | RuntimeException cleanup) {
        if (!(cleanup instanceof FsException fe && fe.errno() == Errno.ENOENT)) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    }
    return n;
  }

  private static long copyEntry(Meta m, Ctx ctx, long src, long parent, String name, boolean preserve, LongConsumer copied) throws IOException {
    Attr a = m.getattr(ctx, src);
    long n = 1;
    Entry made = switch (a.type()) {
      case FILE -> m.clone(ctx, src, parent, name);
      case DIR -> m.mkdir(ctx, parent, name, a.mode() & 07777, 0);
      case SYMLINK -> m.symlink(ctx, parent, name, m.readlink(ctx, src));
      default -> m.mknod(ctx, parent, name, a.type(), a.mode() & 07777, 0, a.rdev());
    };
    copied.accept(1);
    if (a.type() == FileType.DIR) {
      String after = "";
      while (true) {
        List<DirEntry> page = m.readdir(ctx, src, after, PAGE, false);
        if (page.isEmpty()) {
          break;
        }
        for (DirEntry c : page) {
          n += copyEntry(m, ctx, c.ino(), made.ino(), c.name(), preserve, copied);
        }
        after = page.getLast().name();
      }
    }
    if (a.type() == FileType.FILE && (made.attr().mode() & 07777) != (a.mode() & 07777)) {
      m.setattr(ctx, made.ino(), SetAttr.chmod(a.mode() & 07777));
    }
    if (preserve) {
      preserve(m, ctx, src, a, made);
    }
    return n;
  }

  /** Owner, xattrs and times last (creating children changes a directory's mtime). */
  private static void preserve(Meta m, Ctx ctx, long src, Attr a, Entry made) throws IOException {
    if (made.attr().uid() != a.uid() || made.attr().gid() != a.gid()) {
      m.setattr(ctx, made.ino(), SetAttr.chown(a.uid(), a.gid()));
      if (a.type() != FileType.SYMLINK && a.type() != FileType.DIR) {
        m.setattr(ctx, made.ino(), SetAttr.chmod(a.mode() & 07777)); // chown clears set-id bits
      }
    }
    if (a.type() != FileType.SYMLINK) {
      for (String x : m.listxattr(ctx, src)) {
        m.setxattr(ctx, made.ino(), x, m.getxattr(ctx, src, x), 0);
      }
    }
    m.setattr(ctx, made.ino(), SetAttr.utimes(a.atime(), a.mtime()));
  }
}
