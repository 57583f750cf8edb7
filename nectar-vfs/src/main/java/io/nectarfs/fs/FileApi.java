package io.nectarfs.fs;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.Quota;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The file API by path and by handle that front ends (S3 gateway, Hadoop, CSI, CLI tools) call.
 * {@link FileSystem} serves it over a volume's {@link io.nectarfs.vfs.Vfs}.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Paths are absolute, "/"-separated, relative to the volume root; empty components, "." and
 *       trailing slashes are ignored, ".." goes up (never above the root). Symbolic links are
 *       followed in every component but the last (up to 40, then ELOOP); the last is followed
 *       where the method says so. A relative path is EINVAL.
 *   <li>Every call acts as the caller {@code ctx} (uid, gid, supplementary gids): lookups need
 *       search permission on each directory, and every permission check and POSIX ACL applies as
 *       that caller (a gateway or Hadoop acts for a user). Root passes all checks but execute.
 *   <li>POSIX outcomes are {@link FsException}s whose message names the path (both paths for
 *       rename, link, symlink and copyRange); each method lists its errnos. Every method may also
 *       give EACCES (search permission on the way), ENOENT, ENOTDIR and ELOOP while resolving,
 *       EROFS on a read-only volume for changes, and EIO (or a plain {@link IOException}) when
 *       the metadata engine or object store fails.
 *   <li>Names are bytes carried as {@link io.nectarfs.common.Names} strings (bytes that are not
 *       UTF-8 appear as escape characters U+DC80..U+DCFF).
 *   <li>Thread-safe: any number of threads may call one instance. Handles: see {@link FileHandle}.
 * </ul>
 */
public interface FileApi {
  /** {@link #rename} flag: EEXIST if the target exists. */
  int RENAME_NOREPLACE = 1;
  /** {@link #rename} flag: swap the two entries atomically; ENOENT if the target is missing. */
  int RENAME_EXCHANGE = 2;
  /** {@link #setXattr} flag: EEXIST if the attribute exists. */
  int XATTR_CREATE = 1;
  /** {@link #setXattr} flag: ENODATA if the attribute is missing. */
  int XATTR_REPLACE = 2;
  /** {@link #access} masks. */
  int R_OK = 4;
  int W_OK = 2;
  int X_OK = 1;
  int F_OK = 0;
  /** A time of {@link #utimes}: leave it unchanged (utimensat's UTIME_OMIT). */
  long TIME_OMIT = Long.MIN_VALUE;
  /** A time of {@link #utimes}: the current time (utimensat's UTIME_NOW). */
  long TIME_NOW = Long.MIN_VALUE + 1;
  /** The largest page {@link #list(Ctx, String, String, int)} returns. */
  int MAX_PAGE = 10_000;

  /** A path's inode and attributes (as the path was given). */
  record Stat(String path, long ino, Attr attr) {}

  /** One entry of a listing with its attributes (of the entry itself: symbolic links not followed). */
  record Child(String name, long ino, Attr attr) {}

  /**
   * One page of a listing: entries in unsigned byte order of their names, and the opaque cursor
   * that continues after the last one (null when the listing is complete).
   */
  record Page(List<Child> entries, String cursor) {}

  /**
   * The tree at a path, the path itself included.
   *
   * @param files entries that are not directories (a file with several hard links once per entry)
   * @param dirs directories
   * @param space bytes as quotas account them: file lengths rounded up to 4 KiB, 4 KiB for each
   *     directory and symbolic link
   */
  record Summary(long files, long dirs, long space) {}

  // ---- attributes ----

  /** The attributes of {@code path}, following a final symbolic link. ENOENT, ENOTDIR, ELOOP, EACCES. */
  default Stat stat(Ctx ctx, String path) throws IOException {
    return stat(ctx, path, true);
  }

  /** The attributes of {@code path}; a final symbolic link is followed when {@code follow}. ENOENT, ENOTDIR, ELOOP, EACCES. */
  Stat stat(Ctx ctx, String path, boolean follow) throws IOException;

  /** The attributes of {@code path} itself (a final symbolic link is not followed). ENOENT, ENOTDIR, ELOOP, EACCES. */
  default Stat lstat(Ctx ctx, String path) throws IOException {
    return stat(ctx, path, false);
  }

  /**
   * access(2) as the caller: {@code mode} is {@link #F_OK} or bits of {@link #R_OK}, {@link
   * #W_OK}, {@link #X_OK}; follows a final symbolic link. EACCES, ENOENT, EINVAL (other bits).
   */
  void access(Ctx ctx, String path, int mode) throws IOException;

  /** chmod(2): permission bits (07777), following a final link. EPERM (not the owner), ENOENT. */
  Stat chmod(Ctx ctx, String path, int mode) throws IOException;

  /**
   * chown(2), following a final link; -1 leaves a field unchanged. EPERM (uid by root only; gid
   * by the owner to one of its groups), ENOENT.
   */
  Stat chown(Ctx ctx, String path, int uid, int gid) throws IOException;

  /**
   * utimensat(2), following a final link: access and modification time in nanoseconds since the
   * epoch, or {@link #TIME_NOW} / {@link #TIME_OMIT}. EPERM (explicit times by the owner or root
   * only), EACCES ("now" without write permission), ENOENT.
   */
  Stat utimes(Ctx ctx, String path, long atimeNanos, long mtimeNanos) throws IOException;

  /** truncate(2), following a final link: cuts or extends with zeros. EACCES, EISDIR, EINVAL (negative), EFBIG, ENOENT. */
  Stat truncate(Ctx ctx, String path, long size) throws IOException;

  // ---- names ----

  /** mkdir(2) with exactly {@code mode} (no umask). EEXIST, EACCES, ENOENT (missing parent), ENOTDIR, EMLINK, ENOSPC/EDQUOT. */
  Stat mkdir(Ctx ctx, String path, int mode) throws IOException;

  /**
   * Creates a directory and its missing parents (mkdir -p); an existing directory (or link to
   * one) is fine. EEXIST when the last component exists and is not a directory, or any component
   * is a symbolic link leading nowhere (dangling, looping, through a file); ENOTDIR when an earlier one is not a directory; EACCES,
   * ENOSPC/EDQUOT.
   */
  Stat mkdirs(Ctx ctx, String path, int mode) throws IOException;

  /** unlink(2): removes a non-directory (a symbolic link itself). EISDIR, ENOENT, EACCES, EPERM (sticky directory). */
  void unlink(Ctx ctx, String path) throws IOException;

  /** rmdir(2). ENOTEMPTY, ENOTDIR, ENOENT, EACCES, EBUSY (the root). */
  void rmdir(Ctx ctx, String path) throws IOException;

  /**
   * rename(2)/renameat2(2) of the entries themselves (links not followed) with flags 0, {@link
   * #RENAME_NOREPLACE} or {@link #RENAME_EXCHANGE}. EEXIST (NOREPLACE), ENOENT, ENOTEMPTY,
   * EISDIR/ENOTDIR (kinds differ), EINVAL (a directory into itself, bad flags), EACCES, EPERM.
   */
  void rename(Ctx ctx, String from, String to, int flags) throws IOException;

  /** symlink(2): {@code path} pointing to {@code target} (any text, not checked). EEXIST, ENOENT (empty target), ENAMETOOLONG, EACCES. */
  Stat symlink(Ctx ctx, String target, String path) throws IOException;

  /** readlink(2). EINVAL (not a symbolic link), ENOENT. */
  String readlink(Ctx ctx, String path) throws IOException;

  /** link(2): a new name for {@code existing} (a final link is not followed). EEXIST, EPERM (directory), EMLINK, ENOENT, EACCES. */
  Stat link(Ctx ctx, String existing, String path) throws IOException;

  // ---- files ----

  /**
   * Opens a regular file (following links unless {@link java.nio.file.LinkOption#NOFOLLOW_LINKS},
   * then ELOOP for a link) with options of {@link StandardOpenOption}: READ (the default), WRITE,
   * APPEND (writes go to the end), TRUNCATE_EXISTING, CREATE, CREATE_NEW, SYNC/DSYNC (each write
   * durable before it returns). A created file gets exactly {@code mode} and belongs to the
   * caller, who gets the access asked for whatever the mode. EISDIR (a directory), EINVAL (not a
   * regular file, unknown option), EEXIST (CREATE_NEW), ENOENT (missing without CREATE, or a
   * dangling link with CREATE), EACCES, ENOSPC/EDQUOT.
   */
  FileHandle open(Ctx ctx, String path, Set<? extends OpenOption> options, int mode) throws IOException;

  /** {@link #open(Ctx, String, Set, int)} with mode 0644 for a created file. */
  default FileHandle open(Ctx ctx, String path, OpenOption... options) throws IOException {
    return open(ctx, path, new java.util.HashSet<>(java.util.Arrays.asList(options)), 0644);
  }

  /**
   * Creates {@code path} for writing: replaces (truncates) an existing file when {@code
   * overwrite}, else EEXIST. Errnos of {@link #open(Ctx, String, Set, int)}.
   */
  default FileHandle create(Ctx ctx, String path, int mode, boolean overwrite) throws IOException {
    Set<StandardOpenOption> o = overwrite
        ? EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)
        : EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
    return open(ctx, path, o, mode);
  }

  /** A stream reading {@code path} from its start; closing it closes the handle. Errnos of open. */
  default InputStream newInputStream(Ctx ctx, String path) throws IOException {
    return open(ctx, path).inputStream();
  }

  /** A stream writing {@link #create}d {@code path}; closing it commits the data. Errnos of create. */
  default OutputStream newOutputStream(Ctx ctx, String path, int mode, boolean overwrite) throws IOException {
    return create(ctx, path, mode, overwrite).outputStream();
  }

  /** Reads a whole small file. Errnos of open. */
  default byte[] readAll(Ctx ctx, String path) throws IOException {
    try (InputStream in = newInputStream(ctx, path)) {
      return in.readAllBytes();
    }
  }

  /** Writes a whole small file, replacing it. Errnos of create. */
  default void writeAll(Ctx ctx, String path, byte[] data) throws IOException {
    try (OutputStream out = newOutputStream(ctx, path, 0644, true)) {
      out.write(data);
    }
  }

  /**
   * Copies {@code len} bytes of {@code src} at {@code srcOff} to {@code dst} at {@code dstOff}
   * (both existing regular files, links followed); returns the bytes copied, short only at the
   * end of {@code src}. On a volume the copy shares the stored data (no bytes are read or
   * written, no new objects are stored). EACCES (read on src, write on dst), EISDIR, EINVAL
   * (negative values; overlapping ranges of one file), EFBIG, ENOENT, ENOSPC/EDQUOT.
   */
  long copyRange(Ctx ctx, String src, long srcOff, String dst, long dstOff, long len) throws IOException;

  // ---- extended attributes (links followed) ----

  /** getxattr(2). ENODATA, EACCES, ENOENT. */
  byte[] getXattr(Ctx ctx, String path, String name) throws IOException;

  /** setxattr(2) with flags 0, {@link #XATTR_CREATE} (EEXIST) or {@link #XATTR_REPLACE} (ENODATA). EACCES, EPERM, EINVAL, ENOENT. */
  void setXattr(Ctx ctx, String path, String name, byte[] value, int flags) throws IOException;

  /**
   * {@link #getXattr(Ctx, String, String)} of the file a stat or listing of {@code path} just
   * showed as inode {@code ino}: an implementation that addresses inodes answers without
   * resolving the path again (one read per entry of a listing). If the path was renamed since,
   * either file's answer is allowed. Default: by path.
   */
  default byte[] getXattr(Ctx ctx, String path, long ino, String name) throws IOException {
    return getXattr(ctx, path, name);
  }

  /**
   * {@link #setXattr} (flags 0) of the file just made at {@code path} as inode {@code ino}, not
   * necessarily durable on return: the caller's next durable change (the rename that publishes
   * it) makes this one durable too. Default: {@link #setXattr}.
   */
  default void setXattrBeforePublish(Ctx ctx, String path, long ino, String name, byte[] value) throws IOException {
    setXattr(ctx, path, name, value, 0);
  }

  /** listxattr(2): the names the caller may see. ENOENT. */
  List<String> listXattrs(Ctx ctx, String path) throws IOException;

  /** removexattr(2). ENODATA, EACCES, EPERM, ENOENT. */
  void removeXattr(Ctx ctx, String path, String name) throws IOException;

  // ---- listings ----

  /**
   * One page of directory {@code path} (links followed): up to {@code limit} (1..{@link
   * #MAX_PAGE}, larger is clipped) entries whose names sort after {@code cursor} (null from the
   * start), in unsigned byte order of the names' bytes (their UTF-8 encoding; the order of S3
   * keys), without "." and "..", each with its own attributes. The cursor names a position, not a
   * snapshot: entries added or removed between pages are listed or not, but none is listed twice
   * and none that exists throughout is skipped. ENOTDIR, EACCES (read), EINVAL (bad cursor or
   * limit), ENOENT.
   */
  Page list(Ctx ctx, String path, String cursor, int limit) throws IOException;

  /**
   * A cursor for {@link #list(Ctx, String, String, int)} that continues after {@code name}, which
   * need not exist (any name of 1..255 bytes): the page holds the names that sort after it. A
   * page's own cursor is {@code cursorAfter} of its last name. Lets a caller seek (S3 listings).
   */
  static String cursorAfter(String name) {
    return FileSystem.encodeCursor(name);
  }

  /** The whole listing of a (small) directory in the order of {@link #list(Ctx, String, String, int)}. */
  default List<Child> list(Ctx ctx, String path) throws IOException {
    List<Child> out = new ArrayList<>();
    String cursor = null;
    do {
      Page p = list(ctx, path, cursor, 1000);
      out.addAll(p.entries());
      cursor = p.cursor();
    } while (cursor != null);
    return out;
  }

  /**
   * A lazy depth-first walk of the tree at {@code path}: the start (its {@link #lstat}) first,
   * then each entry, a directory before its contents, siblings in the order of {@link
   * #list(Ctx, String, String, int)}; symbolic links are listed, never followed. At most {@code
   * maxDepth} levels below the start. It holds one page per directory on the current branch, never
   * a whole directory or tree. A directory removed during the walk is skipped; other failures
   * surface as {@link java.io.UncheckedIOException} from the stream. Errnos of lstat at the start.
   */
  default Stream<Stat> walk(Ctx ctx, String path, int maxDepth) throws IOException {
    return Walk.stream(this, ctx, path, maxDepth);
  }

  /** Removes a file, or a directory (its contents too when {@code recursive}, else ENOTEMPTY). Errnos of unlink and rmdir. */
  default void delete(Ctx ctx, String path, boolean recursive) throws IOException {
    Stat s = lstat(ctx, path);
    if (!s.attr().isDir()) {
      unlink(ctx, path);
      return;
    }
    if (recursive) {
      String base = path.endsWith("/") ? path : path + "/";
      for (String cursor = null; ; ) {
        Page p = list(ctx, path, cursor, 1000);
        for (Child c : p.entries()) {
          delete(ctx, base + c.name(), true);
        }
        if ((cursor = p.cursor()) == null) {
          break;
        }
      }
    }
    rmdir(ctx, path);
  }

  // ---- tree statistics and quotas (directories; links followed) ----

  /** The {@link Summary} of the tree at {@code path}. EACCES (read and search on a directory), ENOENT. */
  Summary summary(Ctx ctx, String path) throws IOException;

  /** The quota of directory {@code path} with the usage of its tree, if it has one. ENOTDIR, ENOENT, EOPNOTSUPP (no quotas here). */
  Optional<Quota> quota(Ctx ctx, String path) throws IOException;

  /** Sets the quota of directory {@code path} (0: no limit). EPERM (not root), EINVAL (negative), ENOTDIR, ENOENT, EOPNOTSUPP. */
  Quota setQuota(Ctx ctx, String path, long maxSpace, long maxInodes) throws IOException;

  /** Removes the quota of directory {@code path}; false when it had none. EPERM (not root), ENOTDIR, ENOENT, EOPNOTSUPP. */
  boolean removeQuota(Ctx ctx, String path) throws IOException;
}
