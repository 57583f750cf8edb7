package io.nectarfs.fs;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Names;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Quota;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Test-only: the {@link FileApi} over a local directory through {@code java.nio.file}, the
 * reference the volume's file API is compared with. Acts as the process (root in tests): {@code
 * ctx} is ignored. Absolute symbolic link targets point outside the root here, so shared cases
 * use relative ones.
 */
final class NioFileApi implements FileApi {
  private final Path root;

  NioFileApi(Path root) {
    this.root = root;
  }

  private Path p(String path) throws FsException {
    List<String> parts = FileSystem.split(path);
    return parts.isEmpty() ? root : root.resolve(String.join("/", parts));
  }

  @FunctionalInterface
  interface Body<T> {
    T run() throws IOException;
  }

  static Errno errno(Throwable e) {
    if (e instanceof FsException f) {
      return f.errno();
    }
    if (e instanceof ClosedChannelException || e instanceof NonReadableChannelException || e instanceof NonWritableChannelException) {
      return Errno.EBADF;
    }
    if (e instanceof IllegalArgumentException) {
      return Errno.EINVAL;
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      String r = f.getReason().toLowerCase(java.util.Locale.ROOT);
      for (Errno x : Errno.values()) {
        String d = x.description();
        if (r.equals(d) || r.startsWith(d) || r.endsWith(": " + d)) {
          return x;
        }
      }
    }
    return Errno.of(e);
  }

  static <T> T at(String path, Body<T> body) throws IOException {
    try {
      return body.run();
    } catch (IOException | RuntimeException e) {
      throw Errors.of(errno(e), path);
    }
  }

  static Attr attr(Path p, boolean follow) throws IOException {
    Map<String, Object> a;
    try {
      a = follow ? Files.readAttributes(p, "unix:*") : Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException e) {
      // the JDK reports stat's ENOTDIR (a non-directory on the way) as NoSuchFileException;
      // realpath(3) keeps it: resolve again that way to tell them apart
      Path real = (follow ? p : p.getParent()).toRealPath();
      if (!follow && !Files.isDirectory(real)) {
        throw Errno.ENOTDIR.exception(p.toString());
      }
      throw e;
    }
    int mode = (Integer) a.get("mode");
    FileType t = FileType.ofMode(mode);
    return new Attr(t, mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"), nanos(a.get("lastAccessTime")), nanos(a.get("lastModifiedTime")),
        nanos(a.get("ctime")), (Integer) a.get("nlink"), t == FileType.DIR ? Attr.DIR_SIZE : (Long) a.get("size"), 0, 0, 0);
  }

  private static long nanos(Object t) {
    return ((FileTime) t).to(TimeUnit.NANOSECONDS);
  }

  private Stat st(String path, Path p, boolean follow) throws IOException {
    Attr a = attr(p, follow);
    Object ino = follow ? Files.getAttribute(p, "unix:ino") : Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    return new Stat(path, (Long) ino, a);
  }

  @Override
  public Stat stat(Ctx ctx, String path, boolean follow) throws IOException {
    return at(path, () -> st(path, p(path), follow));
  }

  @Override
  public void access(Ctx ctx, String path, int mode) throws IOException {
    at(path, () -> {
      Path p = p(path);
      attr(p, true);
      if ((mode & ~7) != 0) {
        throw Errno.EINVAL.exception("mode");
      }
      boolean ok = ((mode & R_OK) == 0 || Files.isReadable(p)) && ((mode & W_OK) == 0 || Files.isWritable(p)) && ((mode & X_OK) == 0 || Files.isExecutable(p));
      if (!ok) {
        throw Errno.EACCES.exception(path);
      }
      return null;
    });
  }

  @Override
  public Stat chmod(Ctx ctx, String path, int mode) throws IOException {
    return at(path, () -> {
      Files.setAttribute(p(path), "unix:mode", mode & 07777);
      return st(path, p(path), true);
    });
  }

  @Override
  public Stat chown(Ctx ctx, String path, int uid, int gid) throws IOException {
    return at(path, () -> {
      if (uid >= 0) {
        Files.setAttribute(p(path), "unix:uid", uid);
      }
      if (gid >= 0) {
        Files.setAttribute(p(path), "unix:gid", gid);
      }
      return st(path, p(path), true);
    });
  }

  @Override
  public Stat utimes(Ctx ctx, String path, long atimeNanos, long mtimeNanos) throws IOException {
    return at(path, () -> {
      FileTime now = FileTime.from(Instant.now());
      FileTime a = atimeNanos == TIME_OMIT ? null : atimeNanos == TIME_NOW ? now : FileTime.from(atimeNanos, TimeUnit.NANOSECONDS);
      FileTime m = mtimeNanos == TIME_OMIT ? null : mtimeNanos == TIME_NOW ? now : FileTime.from(mtimeNanos, TimeUnit.NANOSECONDS);
      Files.getFileAttributeView(p(path), BasicFileAttributeView.class).setTimes(m, a, null);
      return st(path, p(path), true);
    });
  }

  @Override
  public Stat truncate(Ctx ctx, String path, long size) throws IOException {
    return at(path, () -> {
      if (size < 0) {
        throw Errno.EINVAL.exception(path);
      }
      if (attr(p(path), true).isDir()) {
        throw Errno.EISDIR.exception(path);
      }
      try (FileHandle h = open(ctx, path, StandardOpenOption.WRITE)) {
        h.truncate(size);
      }
      return st(path, p(path), true);
    });
  }

  @Override
  public Stat mkdir(Ctx ctx, String path, int mode) throws IOException {
    return at(path, () -> {
      Path p = p(path);
      Files.createDirectory(p);
      Files.setAttribute(p, "unix:mode", mode & 07777);
      return st(path, p, true);
    });
  }

  @Override
  public Stat mkdirs(Ctx ctx, String path, int mode) throws IOException {
    return at(path, () -> {
      List<String> parts = FileSystem.split(path);
      Path cur = root;
      for (int i = 0; i < parts.size(); i++) {
        cur = cur.resolve(parts.get(i));
        if (Files.exists(cur)) {
          if (!Files.isDirectory(cur)) {
            throw (i == parts.size() - 1 ? Errno.EEXIST : Errno.ENOTDIR).exception(path);
          }
        } else {
          Files.createDirectory(cur);
          Files.setAttribute(cur, "unix:mode", mode & 07777);
        }
      }
      return st(path, cur, true);
    });
  }

  @Override
  public void unlink(Ctx ctx, String path) throws IOException {
    at(path, () -> {
      if (attr(p(path), false).isDir()) {
        throw Errno.EISDIR.exception(path);
      }
      Files.delete(p(path));
      return null;
    });
  }

  @Override
  public void rmdir(Ctx ctx, String path) throws IOException {
    at(path, () -> {
      if (p(path).equals(root)) {
        throw Errno.EBUSY.exception(path);
      }
      if (!attr(p(path), false).isDir()) {
        throw Errno.ENOTDIR.exception(path);
      }
      Files.delete(p(path));
      return null;
    });
  }

  @Override
  public void rename(Ctx ctx, String from, String to, int flags) throws IOException {
    at(from + " -> " + to, () -> {
      Path a = p(from);
      Path b = p(to);
      for (Path parent : List.of(a.getParent(), b.getParent())) {
        if (!attr(parent, true).isDir()) {
          throw Errno.ENOTDIR.exception(from + " -> " + to); // both directories are resolved first
        }
      }
      attr(a, false);
      boolean exists = Files.exists(b, LinkOption.NOFOLLOW_LINKS);
      switch (flags) {
        case 0 -> Files.move(a, b, StandardCopyOption.ATOMIC_MOVE);
        case RENAME_NOREPLACE -> {
          if (exists) {
            throw Errno.EEXIST.exception(to);
          }
          Files.move(a, b, StandardCopyOption.ATOMIC_MOVE);
        }
        case RENAME_EXCHANGE -> {
          if (!exists) {
            throw Errno.ENOENT.exception(to);
          }
          if (a.equals(b)) {
            return null;
          }
          Path tmp = b.resolveSibling(".exchange-" + System.nanoTime());
          Files.move(b, tmp, StandardCopyOption.ATOMIC_MOVE);
          Files.move(a, b, StandardCopyOption.ATOMIC_MOVE);
          Files.move(tmp, a, StandardCopyOption.ATOMIC_MOVE);
        }
        default -> throw Errno.EINVAL.exception("flags");
      }
      return null;
    });
  }

  @Override
  public Stat symlink(Ctx ctx, String target, String path) throws IOException {
    return at(path + " -> " + target, () -> {
      Files.createSymbolicLink(p(path), Path.of(target));
      return st(path, p(path), false);
    });
  }

  @Override
  public String readlink(Ctx ctx, String path) throws IOException {
    return at(path, () -> {
      if (attr(p(path), false).type() != FileType.SYMLINK) {
        throw Errno.EINVAL.exception(path);
      }
      return Files.readSymbolicLink(p(path)).toString();
    });
  }

  @Override
  public Stat link(Ctx ctx, String existing, String path) throws IOException {
    return at(existing + " -> " + path, () -> {
      Attr existingAttr = attr(p(existing), false);
      if (!attr(p(path).getParent(), true).isDir()) {
        throw Errno.ENOTDIR.exception(path); // the new name's directory is resolved before the link is checked
      }
      if (existingAttr.isDir()) {
        throw Errno.EPERM.exception(existing);
      }
      Files.createLink(p(path), p(existing));
      return st(path, p(path), false);
    });
  }

  @Override
  public FileHandle open(Ctx ctx, String path, Set<? extends OpenOption> options, int mode) throws IOException {
    return at(path, () -> {
      Path p = p(path);
      Set<OpenOption> o = new HashSet<>(options);
      boolean write = o.contains(StandardOpenOption.WRITE) || o.contains(StandardOpenOption.APPEND);
      if (!write) {
        o.add(StandardOpenOption.READ);
        o.remove(StandardOpenOption.CREATE);
        o.remove(StandardOpenOption.CREATE_NEW);
      }
      boolean existed = Files.exists(p);
      if (existed && Files.isDirectory(p) && !o.contains(StandardOpenOption.CREATE_NEW)) {
        throw Errno.EISDIR.exception(path);
      }
      if (o.contains(LinkOption.NOFOLLOW_LINKS) && Files.isSymbolicLink(p)) {
        throw Errno.ELOOP.exception(path);
      }
      if (o.contains(StandardOpenOption.APPEND)) {
        o.remove(StandardOpenOption.TRUNCATE_EXISTING); // nio refuses APPEND with TRUNCATE_EXISTING
      }
      FileChannel ch = FileChannel.open(p, o);
      if (!existed) {
        Files.setAttribute(p, "unix:mode", mode & 07777);
      }
      return new Handle(path, p, ch, o.contains(StandardOpenOption.READ), write);
    });
  }

  /** A handle over a FileChannel; the cursor is the channel's position. */
  static final class Handle implements FileHandle {
    private final String path;
    private final Path file;
    private final FileChannel ch;
    private final boolean readable;
    private final boolean writable;

    Handle(String path, Path file, FileChannel ch, boolean readable, boolean writable) {
      this.path = path;
      this.file = file;
      this.ch = ch;
      this.readable = readable;
      this.writable = writable;
    }

    @Override
    public String path() {
      return path;
    }

    @Override
    public Attr attr() throws IOException {
      return at(path, () -> NioFileApi.attr(file, true).withLength(ch.size()));
    }

    @Override
    public int pread(ByteBuffer dst, long position) throws IOException {
      return at(path, () -> {
        if (!readable) {
          throw new NonReadableChannelException();
        }
        int total = 0;
        while (dst.hasRemaining()) {
          int n = ch.read(dst, position + total);
          if (n < 0) {
            return total == 0 ? -1 : total;
          }
          total += n;
        }
        return total;
      });
    }

    @Override
    public int pwrite(ByteBuffer src, long position) throws IOException {
      return at(path, () -> {
        int total = 0;
        while (src.hasRemaining()) {
          total += ch.write(src, position + total);
        }
        return total;
      });
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return at(path, () -> {
        if (!readable) {
          throw new NonReadableChannelException();
        }
        int total = 0;
        while (dst.hasRemaining()) {
          int n = ch.read(dst);
          if (n < 0) {
            return total == 0 ? -1 : total;
          }
          total += n;
        }
        return total;
      });
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      return at(path, () -> {
        int total = 0;
        while (src.hasRemaining()) {
          total += ch.write(src);
        }
        return total;
      });
    }

    @Override
    public long position() throws IOException {
      return at(path, ch::position);
    }

    @Override
    public void seek(long position) throws IOException {
      at(path, () -> ch.position(position));
    }

    @Override
    public long size() throws IOException {
      return at(path, ch::size);
    }

    @Override
    public void truncate(long size) throws IOException {
      at(path, () -> {
        if (!writable) {
          throw new NonWritableChannelException();
        }
        if (size < 0) {
          throw new IllegalArgumentException();
        }
        long pos = ch.position();
        if (size < ch.size()) {
          ch.truncate(size);
        } else if (size > ch.size()) {
          ch.write(ByteBuffer.allocate(1), size - 1);
        }
        ch.position(pos);
        return null;
      });
    }

    @Override
    public void fsync() throws IOException {
      at(path, () -> {
        ch.force(true);
        return null;
      });
    }

    @Override
    public void flush() throws IOException {
      at(path, () -> {
        if (!ch.isOpen()) {
          throw new ClosedChannelException();
        }
        return null;
      });
    }

    @Override
    public boolean isOpen() {
      return ch.isOpen();
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }

  @Override
  public long copyRange(Ctx ctx, String src, long srcOff, String dst, long dstOff, long len) throws IOException {
    return at(src + " -> " + dst, () -> {
      if (srcOff < 0 || dstOff < 0 || len < 0) {
        throw Errno.EINVAL.exception("negative");
      }
      for (String s : List.of(src, dst)) {
        if (attr(p(s), true).isDir()) {
          throw Errno.EISDIR.exception(s);
        }
      }
      if (Files.isSameFile(p(src), p(dst)) && srcOff < dstOff + len && dstOff < srcOff + len) {
        throw Errno.EINVAL.exception("overlapping ranges of one file"); // as copy_file_range(2)
      }
      try (FileChannel in = FileChannel.open(p(src), StandardOpenOption.READ); FileChannel out = FileChannel.open(p(dst), StandardOpenOption.WRITE)) {
        long done = 0;
        while (done < len) {
          long n = in.transferTo(srcOff + done, len - done, out.position(dstOff + done));
          if (n <= 0) {
            break;
          }
          done += n;
        }
        return done;
      }
    });
  }

  private UserDefinedFileAttributeView xattrs(String path) throws IOException {
    attr(p(path), true);
    return Files.getFileAttributeView(p(path), UserDefinedFileAttributeView.class);
  }

  private static String user(String name) throws FsException {
    if (!name.startsWith("user.")) {
      throw Errno.EOPNOTSUPP.exception(name);
    }
    return name.substring(5);
  }

  @Override
  public byte[] getXattr(Ctx ctx, String path, String name) throws IOException {
    return at(path, () -> {
      UserDefinedFileAttributeView v = xattrs(path);
      String n = user(name);
      if (!v.list().contains(n)) {
        throw Errno.ENODATA.exception(name);
      }
      ByteBuffer b = ByteBuffer.allocate(v.size(n));
      v.read(n, b);
      return Arrays.copyOf(b.array(), b.position());
    });
  }

  @Override
  public void setXattr(Ctx ctx, String path, String name, byte[] value, int flags) throws IOException {
    at(path, () -> {
      UserDefinedFileAttributeView v = xattrs(path);
      String n = user(name);
      boolean exists = v.list().contains(n);
      if ((flags & XATTR_CREATE) != 0 && exists) {
        throw Errno.EEXIST.exception(name);
      }
      if ((flags & XATTR_REPLACE) != 0 && !exists) {
        throw Errno.ENODATA.exception(name);
      }
      v.write(n, ByteBuffer.wrap(value));
      return null;
    });
  }

  @Override
  public List<String> listXattrs(Ctx ctx, String path) throws IOException {
    return at(path, () -> xattrs(path).list().stream().map(n -> "user." + n).toList());
  }

  @Override
  public void removeXattr(Ctx ctx, String path, String name) throws IOException {
    at(path, () -> {
      UserDefinedFileAttributeView v = xattrs(path);
      String n = user(name);
      if (!v.list().contains(n)) {
        throw Errno.ENODATA.exception(name);
      }
      v.delete(n);
      return null;
    });
  }

  @Override
  public Page list(Ctx ctx, String path, String cursor, int limit) throws IOException {
    return at(path, () -> {
      if (limit <= 0) {
        throw Errno.EINVAL.exception("limit");
      }
      int n = Math.min(limit, MAX_PAGE);
      byte[] after = cursor == null ? new byte[0] : Names.encode(FileSystem.decodeCursor(cursor, path));
      Path dir = p(path);
      if (!attr(dir, true).isDir()) {
        throw Errno.ENOTDIR.exception(path);
      }
      List<String> names = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
        for (Path c : ds) {
          String name = c.getFileName().toString();
          if (Arrays.compareUnsigned(Names.encode(name), after) > 0) {
            names.add(name);
          }
        }
      }
      names.sort((a, b) -> Arrays.compareUnsigned(Names.encode(a), Names.encode(b)));
      List<Child> out = new ArrayList<>();
      for (String name : names.subList(0, Math.min(n, names.size()))) {
        Stat s = st(name, dir.resolve(name), false);
        out.add(new Child(name, s.ino(), s.attr()));
      }
      return new Page(out, out.size() < n ? null : FileSystem.encodeCursor(out.getLast().name()));
    });
  }

  @Override
  public Summary summary(Ctx ctx, String path) throws IOException {
    return at(path, () -> {
      long[] fds = new long[3];
      attr(p(path), true);
      try (Stream<Path> s = Files.walk(p(path).toRealPath())) {
        for (Path q : (Iterable<Path>) s::iterator) {
          Attr a = attr(q, false);
          if (a.isDir()) {
            fds[1]++;
            fds[2] += 4096;
          } else {
            fds[0]++;
            fds[2] += a.type() == FileType.FILE ? (a.length() + 4095) / 4096 * 4096 : 4096;
          }
        }
      }
      return new Summary(fds[0], fds[1], fds[2]);
    });
  }

  @Override
  public Optional<Quota> quota(Ctx ctx, String path) throws IOException {
    throw Errors.of(Errno.EOPNOTSUPP, path);
  }

  @Override
  public Quota setQuota(Ctx ctx, String path, long maxSpace, long maxInodes) throws IOException {
    throw Errors.of(Errno.EOPNOTSUPP, path);
  }

  @Override
  public boolean removeQuota(Ctx ctx, String path) throws IOException {
    throw Errors.of(Errno.EOPNOTSUPP, path);
  }
}
