package io.nectarfs.fs;

import static io.nectarfs.common.OpenFlags.O_APPEND;
import static io.nectarfs.common.OpenFlags.O_DSYNC;
import static io.nectarfs.common.OpenFlags.O_EXCL;
import static io.nectarfs.common.OpenFlags.O_RDWR;
import static io.nectarfs.common.OpenFlags.O_TRUNC;
import static io.nectarfs.common.OpenFlags.O_WRONLY;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Names;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.DirEntry;
import io.nectarfs.meta.DirStats;
import io.nectarfs.meta.Entry;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.Quota;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.vfs.Vfs;
import java.io.IOException;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link FileApi} of a volume, over its inode-level {@link Vfs} (build one with {@code new
 * FileSystem(vfs)}; it closes nothing). Paths are resolved component by component with the
 * caller's {@link Ctx}, so the metadata checks every permission as that caller.
 *
 * <p>Thread-safe: it holds no state but the VFS, which is thread-safe.
 */
public final class FileSystem implements FileApi {
  private static final int MAX_LINKS = 40;
  /** The largest copy done in one metadata transaction (copyRange loops). */
  private static final long COPY_PIECE = 1L << 30;
  private final Vfs vfs;

  public FileSystem(Vfs vfs) {
    this.vfs = vfs;
  }

  public Vfs vfs() {
    return vfs;
  }

  /**
   * Makes the change just made durable, as every changing call of this API was while the embedded
   * engine synced each commit: its front ends (WebDAV, gateways) answer success with no fsyncdir to
   * call. One sync of the metadata engine (shared by concurrent callers; nothing on engines that
   * make each commit durable).
   */
  private void durable() throws IOException {
    vfs.sync();
  }

  /** A body that may fail with an {@link FsException} to be given the path. */
  @FunctionalInterface
  private interface Body<T> {
    T run() throws IOException;
  }

  private static <T> T at(String path, Body<T> body) throws IOException {
    try {
      return body.run();
    } catch (FsException e) {
      throw Errors.at(e, path);
    }
  }

  static List<String> split(String path) throws FsException {
    if (path == null || !path.startsWith("/")) {
      throw Errors.of(Errno.EINVAL, String.valueOf(path));
    }
    List<String> out = new ArrayList<>();
    for (String p : path.split("/")) {
      if (!p.isEmpty() && !p.equals(".")) {
        out.add(p);
      }
    }
    return out;
  }

  // ---- resolution ----

  @Override
  public Stat stat(Ctx ctx, String path, boolean follow) throws IOException {
    return at(path, () -> resolve(ctx, split(path), follow, new int[] {0}, path));
  }

  private Stat resolve(Ctx ctx, List<String> parts, boolean followLast, int[] links, String shown) throws IOException {
    long ino = Meta.ROOT;
    Attr attr = vfs.getattr(ctx, ino);
    List<Long> stack = new ArrayList<>();
    List<String> walked = new ArrayList<>();
    stack.add(ino);
    for (int i = 0; i < parts.size(); i++) {
      String name = parts.get(i);
      if (name.equals("..")) {
        if (stack.size() > 1) {
          stack.removeLast();
          walked.removeLast();
        }
        ino = stack.getLast();
        attr = vfs.getattr(ctx, ino);
        continue;
      }
      if (!attr.isDir()) {
        throw Errors.of(Errno.ENOTDIR, shown);
      }
      Entry e = vfs.lookup(ctx, ino, name);
      boolean last = i == parts.size() - 1;
      if (e.attr().type() == FileType.SYMLINK && (!last || followLast)) {
        if (++links[0] > MAX_LINKS) {
          throw Errors.of(Errno.ELOOP, shown);
        }
        String target = vfs.readlink(ctx, e.ino());
        List<String> rest = new ArrayList<>();
        if (!target.startsWith("/")) {
          rest.addAll(walked);
        }
        rest.addAll(split("/" + target));
        rest.addAll(parts.subList(i + 1, parts.size()));
        return resolve(ctx, rest, followLast, links, shown);
      }
      ino = e.ino();
      attr = e.attr();
      stack.add(ino);
      walked.add(name);
    }
    return new Stat(shown, ino, attr);
  }

  /** The parent directory's inode and the last name of {@code path}. */
  private record ParentName(long parent, String name) {}

  /** {@code rootErrno} is the outcome for the root, which has no entry in a parent (as Linux: mkdir EEXIST, unlink EISDIR, rmdir EBUSY). */
  private ParentName parent(Ctx ctx, String path, Errno rootErrno) throws IOException {
    List<String> parts = split(path);
    if (parts.isEmpty()) {
      throw Errors.of(rootErrno, path);
    }
    String name = parts.getLast();
    String dir = "/" + String.join("/", parts.subList(0, parts.size() - 1));
    Stat p = resolve(ctx, split(dir), true, new int[] {0}, path);
    if (!p.attr().isDir()) {
      throw Errors.of(Errno.ENOTDIR, path);
    }
    return new ParentName(p.ino(), name);
  }

  private Stat changed(Ctx ctx, String path, SetAttr req) throws IOException {
    return at(path, () -> {
      Stat s = resolve(ctx, split(path), true, new int[] {0}, path);
      Attr a = vfs.setattr(ctx, s.ino(), 0, req);
      durable();
      return new Stat(path, s.ino(), a);
    });
  }

  // ---- attributes ----

  @Override
  public void access(Ctx ctx, String path, int mode) throws IOException {
    at(path, () -> {
      vfs.access(ctx, stat(ctx, path).ino(), mode);
      return null;
    });
  }

  @Override
  public Stat chmod(Ctx ctx, String path, int mode) throws IOException {
    return changed(ctx, path, SetAttr.chmod(mode & 07777));
  }

  @Override
  public Stat chown(Ctx ctx, String path, int uid, int gid) throws IOException {
    return changed(ctx, path, SetAttr.chown(uid, gid));
  }

  @Override
  public Stat utimes(Ctx ctx, String path, long atimeNanos, long mtimeNanos) throws IOException {
    int valid = 0;
    valid |= atimeNanos == TIME_NOW ? SetAttr.ATIME_NOW : atimeNanos == TIME_OMIT ? 0 : SetAttr.ATIME;
    valid |= mtimeNanos == TIME_NOW ? SetAttr.MTIME_NOW : mtimeNanos == TIME_OMIT ? 0 : SetAttr.MTIME;
    if (valid == 0) {
      return stat(ctx, path);
    }
    return changed(ctx, path, new SetAttr(valid, 0, 0, 0, 0, atimeNanos, mtimeNanos, 0, false));
  }

  @Override
  public Stat truncate(Ctx ctx, String path, long size) throws IOException {
    if (size < 0) {
      throw Errors.of(Errno.EINVAL, path);
    }
    return changed(ctx, path, SetAttr.truncate(size));
  }

  // ---- names ----

  @Override
  public Stat mkdir(Ctx ctx, String path, int mode) throws IOException {
    return at(path, () -> {
      ParentName p = parent(ctx, path, Errno.EEXIST);
      Entry e = vfs.mkdir(ctx, p.parent(), p.name(), mode, 0);
      durable();
      return new Stat(path, e.ino(), e.attr());
    });
  }

  @Override
  public Stat mkdirs(Ctx ctx, String path, int mode) throws IOException {
    return at(path, () -> {
      List<String> parts = split(path);
      Stat cur = resolve(ctx, List.of(), true, new int[] {0}, "/");
      StringBuilder at = new StringBuilder();
      for (int i = 0; i < parts.size(); i++) {
        String name = parts.get(i);
        at.append('/').append(name);
        boolean last = i == parts.size() - 1;
        if (name.equals("..")) {
          cur = resolve(ctx, split(at.toString()), true, new int[] {0}, at.toString());
          continue;
        }
        Entry e = lookupOrNull(ctx, cur.ino(), name);
        if (e == null) {
          try {
            e = vfs.mkdir(ctx, cur.ino(), name, mode, 0);
          } catch (FsException race) {
            if (race.errno() != Errno.EEXIST) {
              throw race;
            }
            e = vfs.lookup(ctx, cur.ino(), name);
          }
        }
        Attr a = e.attr();
        long ino = e.ino();
        if (a.type() == FileType.SYMLINK) {
          try {
            Stat target = resolve(ctx, split(at.toString()), true, new int[] {0}, at.toString());
            a = target.attr();
            ino = target.ino();
          } catch (FsException bad) {
            if (bad.errno() == Errno.ENOENT || bad.errno() == Errno.ELOOP || bad.errno() == Errno.ENOTDIR) {
              throw Errors.of(Errno.EEXIST, path); // a link that leads nowhere is in the way
            }
            throw bad;
          }
        }
        if (!a.isDir()) {
          throw Errors.of(last ? Errno.EEXIST : Errno.ENOTDIR, path);
        }
        cur = new Stat(at.toString(), ino, a);
      }
      durable();
      return new Stat(path, cur.ino(), cur.attr());
    });
  }

  private Entry lookupOrNull(Ctx ctx, long parent, String name) throws IOException {
    try {
      return vfs.lookup(ctx, parent, name);
    } catch (FsException e) {
      if (e.errno() == Errno.ENOENT) {
        return null;
      }
      throw e;
    }
  }

  @Override
  public void unlink(Ctx ctx, String path) throws IOException {
    at(path, () -> {
      ParentName p = parent(ctx, path, Errno.EISDIR);
      vfs.unlink(ctx, p.parent(), p.name());
      durable();
      return null;
    });
  }

  @Override
  public void rmdir(Ctx ctx, String path) throws IOException {
    at(path, () -> {
      ParentName p = parent(ctx, path, Errno.EBUSY);
      vfs.rmdir(ctx, p.parent(), p.name());
      durable();
      return null;
    });
  }

  @Override
  public void rename(Ctx ctx, String from, String to, int flags) throws IOException {
    at(from + " -> " + to, () -> {
      if (flags != 0 && flags != RENAME_NOREPLACE && flags != RENAME_EXCHANGE) {
        throw Errno.EINVAL.exception("rename flags " + flags);
      }
      ParentName a = parent(ctx, from, Errno.EBUSY);
      ParentName b = parent(ctx, to, Errno.EBUSY);
      vfs.rename(ctx, a.parent(), a.name(), b.parent(), b.name(), flags);
      durable();
      return null;
    });
  }

  @Override
  public Stat symlink(Ctx ctx, String target, String path) throws IOException {
    return at(path + " -> " + target, () -> {
      ParentName p = parent(ctx, path, Errno.EEXIST);
      Entry e = vfs.symlink(ctx, p.parent(), p.name(), target);
      durable();
      return new Stat(path, e.ino(), e.attr());
    });
  }

  @Override
  public String readlink(Ctx ctx, String path) throws IOException {
    return at(path, () -> {
      Stat s = resolve(ctx, split(path), false, new int[] {0}, path);
      if (s.attr().type() != FileType.SYMLINK) {
        throw Errors.of(Errno.EINVAL, path);
      }
      return vfs.readlink(ctx, s.ino());
    });
  }

  @Override
  public Stat link(Ctx ctx, String existing, String path) throws IOException {
    return at(existing + " -> " + path, () -> {
      Stat s = resolve(ctx, split(existing), false, new int[] {0}, existing);
      ParentName p = parent(ctx, path, Errno.EEXIST);
      Entry e = vfs.link(ctx, s.ino(), p.parent(), p.name());
      durable();
      return new Stat(path, e.ino(), e.attr());
    });
  }

  // ---- files ----

  @Override
  public FileHandle open(Ctx ctx, String path, Set<? extends OpenOption> options, int mode) throws IOException {
    return at(path, () -> {
      boolean write = false;
      boolean read = false;
      boolean create = false;
      boolean createNew = false;
      boolean follow = true;
      int flags = 0;
      for (OpenOption o : options) {
        if (o == LinkOption.NOFOLLOW_LINKS) {
          follow = false;
          continue;
        }
        if (!(o instanceof StandardOpenOption so)) {
          throw Errno.EINVAL.exception("open option " + o);
        }
        switch (so) {
          case READ -> read = true;
          case WRITE -> write = true;
          case APPEND -> {
            write = true;
            flags |= O_APPEND;
          }
          case TRUNCATE_EXISTING -> flags |= O_TRUNC;
          case CREATE -> create = true;
          case CREATE_NEW -> createNew = true;
          case SYNC, DSYNC -> flags |= O_DSYNC;
          case SPARSE -> {}
          default -> throw Errno.EINVAL.exception("open option " + so);
        }
      }
      if (!write) {
        read = true;
        flags &= ~O_TRUNC; // as Files.newByteChannel: TRUNCATE_EXISTING only applies to writing
        create = createNew = false;
      }
      flags |= read && write ? O_RDWR : write ? O_WRONLY : 0;
      if (createNew || create) {
        ParentName p = parent(ctx, path, Errno.EISDIR);
        try {
          if (createNew || !exists(ctx, path, follow)) {
            Vfs.Opened o = vfs.create(ctx, p.parent(), p.name(), mode & 07777, 0, flags | O_EXCL);
            durable();
            return new VfsFileHandle(vfs, ctx, path, o.entry().ino(), o.fh(), read, write, (flags & O_APPEND) != 0);
          }
        } catch (FsException e) {
          if (e.errno() != Errno.EEXIST || createNew) {
            throw e;
          }
          // created by someone else meanwhile (or a dangling link): open what is there
        }
      }
      Stat s = resolve(ctx, split(path), follow, new int[] {0}, path);
      if (s.attr().type() == FileType.SYMLINK) {
        throw Errors.of(Errno.ELOOP, path);
      }
      if (s.attr().isDir()) {
        throw Errors.of(Errno.EISDIR, path);
      }
      if (s.attr().type() != FileType.FILE) {
        throw Errors.of(Errno.EINVAL, path);
      }
      long fh = vfs.open(ctx, s.ino(), flags);
      return new VfsFileHandle(vfs, ctx, path, s.ino(), fh, read, write, (flags & O_APPEND) != 0);
    });
  }

  private boolean exists(Ctx ctx, String path, boolean follow) throws IOException {
    try {
      resolve(ctx, split(path), follow, new int[] {0}, path);
      return true;
    } catch (FsException e) {
      if (e.errno() == Errno.ENOENT) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public long copyRange(Ctx ctx, String src, long srcOff, String dst, long dstOff, long len) throws IOException {
    return at(src + " -> " + dst, () -> {
      if (srcOff < 0 || dstOff < 0 || len < 0) {
        throw Errno.EINVAL.exception("negative offset or length");
      }
      try (VfsFileHandle in = (VfsFileHandle) open(ctx, src, StandardOpenOption.READ);
          VfsFileHandle out = (VfsFileHandle) open(ctx, dst, StandardOpenOption.WRITE)) {
        long done = 0;
        while (done < len) {
          long n = in.copyTo(out, srcOff + done, dstOff + done, Math.min(COPY_PIECE, len - done));
          if (n == 0) {
            break;
          }
          done += n;
        }
        durable();
        return done;
      }
    });
  }

  // ---- extended attributes ----

  @Override
  public byte[] getXattr(Ctx ctx, String path, String name) throws IOException {
    return at(path, () -> vfs.getxattr(ctx, stat(ctx, path).ino(), name));
  }

  /**
   * {@code security.*} attributes (file capabilities, LSM labels) are changed only by root: on a
   * mount the kernel checks that before asking (CAP_SETFCAP, CAP_SYS_ADMIN) and the metadata
   * cannot tell its own privileged removals apart, so callers of this API are checked here.
   */
  private static void checkSecurityName(Ctx ctx, String path, String name) throws FsException {
    if (name.startsWith("security.") && !ctx.isRoot()) {
      throw Errno.EPERM.exception(path + ": security.* attributes are changed only by root");
    }
  }

  @Override
  public void setXattr(Ctx ctx, String path, String name, byte[] value, int flags) throws IOException {
    checkSecurityName(ctx, path, name);
    at(path, () -> {
      vfs.setxattr(ctx, stat(ctx, path).ino(), name, value, flags);
      durable();
      return null;
    });
  }

  @Override
  public byte[] getXattr(Ctx ctx, String path, long ino, String name) throws IOException {
    return at(path, () -> vfs.getxattr(ctx, ino, name));
  }

  @Override
  public void setXattrBeforePublish(Ctx ctx, String path, long ino, String name, byte[] value) throws IOException {
    checkSecurityName(ctx, path, name);
    at(path, () -> {
      vfs.setxattr(ctx, ino, name, value, 0); // durable with the caller's next durable change
      return null;
    });
  }

  @Override
  public List<String> listXattrs(Ctx ctx, String path) throws IOException {
    return at(path, () -> vfs.listxattr(ctx, stat(ctx, path).ino()));
  }

  @Override
  public void removeXattr(Ctx ctx, String path, String name) throws IOException {
    checkSecurityName(ctx, path, name);
    at(path, () -> {
      vfs.removexattr(ctx, stat(ctx, path).ino(), name);
      durable();
      return null;
    });
  }

  // ---- listings ----

  @Override
  public Page list(Ctx ctx, String path, String cursor, int limit) throws IOException {
    return at(path, () -> {
      if (limit <= 0) {
        throw Errno.EINVAL.exception("page size " + limit);
      }
      int n = Math.min(limit, MAX_PAGE);
      String after = cursor == null ? "" : decodeCursor(cursor, path);
      Stat s = resolve(ctx, split(path), true, new int[] {0}, path);
      if (!s.attr().isDir()) {
        throw Errors.of(Errno.ENOTDIR, path);
      }
      List<DirEntry> page = vfs.readdirAfter(ctx, s.ino(), after, n);
      List<Child> out = new ArrayList<>(page.size());
      for (DirEntry e : page) {
        out.add(new Child(e.name(), e.ino(), e.attr()));
      }
      String next = page.size() < n ? null : encodeCursor(page.getLast().name());
      return new Page(out, next);
    });
  }

  /** A cursor: the last listed name's bytes, base64url (opaque to callers). */
  static String encodeCursor(String name) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(Names.encode(name));
  }

  static String decodeCursor(String cursor, String path) throws FsException {
    try {
      byte[] b = Base64.getUrlDecoder().decode(cursor);
      if (b.length == 0 || b.length > Meta.MAX_NAME) {
        throw Errors.of(Errno.EINVAL, path);
      }
      return Names.decode(b);
    } catch (IllegalArgumentException e) {
      throw Errors.of(Errno.EINVAL, path);
    }
  }

  // ---- tree statistics and quotas ----

  @Override
  public Summary summary(Ctx ctx, String path) throws IOException {
    return at(path, () -> {
      Stat s = stat(ctx, path);
      if (!s.attr().isDir()) {
        long space = s.attr().type() == FileType.FILE ? (s.attr().length() + 4095) / 4096 * 4096 : 4096;
        return new Summary(1, 0, space);
      }
      DirStats d = vfs.summary(ctx, s.ino());
      return new Summary(d.files(), d.dirs() + 1, d.space() + 4096);
    });
  }

  private long dir(Ctx ctx, String path) throws IOException {
    Stat s = stat(ctx, path);
    if (!s.attr().isDir()) {
      throw Errors.of(Errno.ENOTDIR, path);
    }
    return s.ino();
  }

  @Override
  public Optional<Quota> quota(Ctx ctx, String path) throws IOException {
    return at(path, () -> Optional.ofNullable(vfs.getQuota(ctx, dir(ctx, path))));
  }

  @Override
  public Quota setQuota(Ctx ctx, String path, long maxSpace, long maxInodes) throws IOException {
    return at(path, () -> vfs.setQuota(ctx, dir(ctx, path), maxSpace, maxInodes));
  }

  @Override
  public boolean removeQuota(Ctx ctx, String path) throws IOException {
    return at(path, () -> vfs.removeQuota(ctx, dir(ctx, path)));
  }
}
