package io.nectarfs.fs;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.Entry;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.vfs.Vfs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Paths over the inode-level {@link Vfs}: what the S3 gateway, the Hadoop file system and CLI
 * tools use. Paths are absolute, "/"-separated, relative to the volume root; symbolic links are
 * followed in every component but the last unless asked (up to 40, then ELOOP). Names are bytes
 * carried as {@link io.nectarfs.common.Names} strings: a name from a listing may hold escape
 * characters (bytes that are not UTF-8); a front end that speaks only Unicode checks
 * {@link io.nectarfs.common.Names#isUtf8} and decides at its edge what to do with such names.
 *
 * <p>Thread-safe (the VFS is); streams are not.
 */
public final class FileSystem {
  private static final int MAX_LINKS = 40;
  private final Vfs vfs;

  public FileSystem(Vfs vfs) {
    this.vfs = vfs;
  }

  public Vfs vfs() {
    return vfs;
  }

  /** A path's inode and attributes. */
  public record Stat(String path, long ino, Attr attr) {}

  /** One entry of a listing. */
  public record Child(String name, long ino, Attr attr) {}

  static List<String> split(String path) throws FsException {
    if (path == null || !path.startsWith("/")) {
      throw Errno.EINVAL.exception("path must be absolute: " + path);
    }
    List<String> out = new ArrayList<>();
    for (String p : path.split("/")) {
      if (!p.isEmpty() && !p.equals(".")) {
        out.add(p);
      }
    }
    return out;
  }

  /** Resolves {@code path}; follows a final symbolic link when {@code follow}. ENOENT, ENOTDIR, ELOOP. */
  public Stat stat(Ctx ctx, String path, boolean follow) throws IOException {
    return resolve(ctx, split(path), follow, new int[] {0}, path);
  }

  public Stat stat(Ctx ctx, String path) throws IOException {
    return stat(ctx, path, true);
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
        throw Errno.ENOTDIR.exception(shown);
      }
      Entry e = vfs.lookup(ctx, ino, name);
      boolean last = i == parts.size() - 1;
      if (e.attr().type() == FileType.SYMLINK && (!last || followLast)) {
        if (++links[0] > MAX_LINKS) {
          throw Errno.ELOOP.exception(shown);
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

  private ParentName parent(Ctx ctx, String path) throws IOException {
    List<String> parts = split(path);
    if (parts.isEmpty()) {
      throw Errno.EINVAL.exception("the root has no parent");
    }
    String name = parts.getLast();
    String dir = "/" + String.join("/", parts.subList(0, parts.size() - 1));
    Stat p = stat(ctx, dir, true);
    if (!p.attr().isDir()) {
      throw Errno.ENOTDIR.exception(dir);
    }
    return new ParentName(p.ino(), name);
  }

  public List<Child> list(Ctx ctx, String path) throws IOException {
    Stat s = stat(ctx, path);
    long fh = vfs.opendir(ctx, s.ino(), 0);
    try {
      List<Child> out = new ArrayList<>();
      long off = 0;
      while (true) {
        List<Vfs.DirEntryAt> page = vfs.readdir(ctx, s.ino(), fh, off, 1000, true);
        if (page.isEmpty()) {
          return out;
        }
        for (Vfs.DirEntryAt e : page) {
          if (!e.name().equals(".") && !e.name().equals("..")) {
            out.add(new Child(e.name(), e.ino(), e.attr()));
          }
          off = e.offset();
        }
      }
    } finally {
      vfs.releasedir(ctx, s.ino(), fh);
    }
  }

  /** Creates a directory and its missing parents (like mkdir -p). */
  public Stat mkdirs(Ctx ctx, String path, int mode) throws IOException {
    long ino = Meta.ROOT;
    StringBuilder at = new StringBuilder();
    Attr attr = vfs.getattr(ctx, ino);
    for (String name : split(path)) {
      at.append('/').append(name);
      try {
        Entry e = vfs.lookup(ctx, ino, name);
        if (!e.attr().isDir()) {
          Stat s = stat(ctx, at.toString(), true);
          if (!s.attr().isDir()) {
            throw Errno.ENOTDIR.exception(at.toString());
          }
          ino = s.ino();
          attr = s.attr();
          continue;
        }
        ino = e.ino();
        attr = e.attr();
      } catch (FsException ex) {
        if (ex.errno() != Errno.ENOENT) {
          throw ex;
        }
        try {
          Entry e = vfs.mkdir(ctx, ino, name, mode, 0);
          ino = e.ino();
          attr = e.attr();
        } catch (FsException race) {
          if (race.errno() != Errno.EEXIST) {
            throw race;
          }
          Entry e = vfs.lookup(ctx, ino, name);
          ino = e.ino();
          attr = e.attr();
        }
      }
    }
    return new Stat(path, ino, attr);
  }

  /** Opens {@code path} for reading. */
  public InputStream open(Ctx ctx, String path) throws IOException {
    Stat s = stat(ctx, path);
    if (s.attr().isDir()) {
      throw Errno.EISDIR.exception(path);
    }
    long fh = vfs.open(ctx, s.ino(), 0);
    return new VfsInputStream(vfs, ctx, s.ino(), fh);
  }

  /** Creates (or truncates) {@code path} and opens it for writing; closing commits the data. */
  public OutputStream create(Ctx ctx, String path, int mode, boolean overwrite) throws IOException {
    ParentName p = parent(ctx, path);
    int flags = 1 | 0100 | (overwrite ? 01000 : 0200); // O_WRONLY|O_CREAT|(O_TRUNC or O_EXCL)
    Vfs.Opened o = vfs.create(ctx, p.parent(), p.name(), mode, 0, flags);
    if (overwrite && o.entry().attr().length() > 0) {
      vfs.setattr(ctx, o.entry().ino(), o.fh(), io.nectarfs.meta.SetAttr.truncate(0));
    }
    return new VfsOutputStream(vfs, ctx, o.entry().ino(), o.fh());
  }

  /** Removes a file, or a directory (recursively when asked; ENOTEMPTY otherwise). */
  public void delete(Ctx ctx, String path, boolean recursive) throws IOException {
    ParentName p = parent(ctx, path);
    Entry e = vfs.lookup(ctx, p.parent(), p.name());
    if (e.attr().isDir()) {
      if (recursive) {
        for (Child c : list(ctx, path)) {
          delete(ctx, path.endsWith("/") ? path + c.name() : path + "/" + c.name(), true);
        }
      }
      vfs.rmdir(ctx, p.parent(), p.name());
    } else {
      vfs.unlink(ctx, p.parent(), p.name());
    }
  }

  public void rename(Ctx ctx, String from, String to, int flags) throws IOException {
    ParentName a = parent(ctx, from);
    ParentName b = parent(ctx, to);
    vfs.rename(ctx, a.parent(), a.name(), b.parent(), b.name(), flags);
  }

  public Stat symlink(Ctx ctx, String target, String path) throws IOException {
    ParentName p = parent(ctx, path);
    Entry e = vfs.symlink(ctx, p.parent(), p.name(), target);
    return new Stat(path, e.ino(), e.attr());
  }

  /** Reads a whole small file. */
  public byte[] readAll(Ctx ctx, String path) throws IOException {
    try (InputStream in = open(ctx, path)) {
      return in.readAllBytes();
    }
  }

  /** Writes a whole small file, replacing it. */
  public void writeAll(Ctx ctx, String path, byte[] data) throws IOException {
    try (OutputStream out = create(ctx, path, 0644, true)) {
      out.write(data);
    }
  }

  /** An input stream over a VFS handle. */
  static final class VfsInputStream extends InputStream {
    private final Vfs vfs;
    private final Ctx ctx;
    private final long ino;
    private final long fh;
    private long pos;
    private boolean closed;

    VfsInputStream(Vfs vfs, Ctx ctx, long ino, long fh) {
      this.vfs = vfs;
      this.ctx = ctx;
      this.ino = ino;
      this.fh = fh;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n <= 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      int n = vfs.read(ctx, ino, fh, pos, ByteBuffer.wrap(b, off, len));
      if (n <= 0) {
        return -1;
      }
      pos += n;
      return n;
    }

    /** Moves to {@code to} (random access). */
    public void seek(long to) {
      pos = to;
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        vfs.release(ctx, ino, fh);
      }
    }
  }

  /** An output stream over a VFS handle; {@code close} flushes and commits. */
  static final class VfsOutputStream extends OutputStream {
    private final Vfs vfs;
    private final Ctx ctx;
    private final long ino;
    private final long fh;
    private long pos;
    private boolean closed;

    VfsOutputStream(Vfs vfs, Ctx ctx, long ino, long fh) {
      this.vfs = vfs;
      this.ctx = ctx;
      this.ino = ino;
      this.fh = fh;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      pos += vfs.write(ctx, ino, fh, pos, ByteBuffer.wrap(b, off, len));
    }

    @Override
    public void flush() throws IOException {
      vfs.fsync(ctx, ino, fh, true);
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        vfs.flush(ctx, ino, fh, 0);
      } finally {
        vfs.release(ctx, ino, fh);
      }
    }
  }
}
