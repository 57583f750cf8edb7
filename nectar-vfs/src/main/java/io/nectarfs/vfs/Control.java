package io.nectarfs.vfs;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Names;
import io.nectarfs.meta.Trees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The mount's control file, {@code /.control}: how a tool asks a running mount to do an operation
 * in its metadata client, as the tool's user (the FUSE request's uid and gids), without a kernel
 * round trip per file. The tool opens the file read-write, writes one request line and reads the
 * answer line from the same handle. Requests:
 *
 * <ul>
 *   <li>{@code rmr<TAB>PARENT-INODE<TAB>NAME\n}: {@link Trees#remove} of NAME in the directory with
 *       that inode (its {@code st_ino} on the mount), then the kernel forgets the entry.
 *   <li>{@code clone<TAB>SRC-INODE<TAB>PARENT-INODE<TAB>NAME<TAB>PRESERVE\n}: {@link Trees#copy} of
 *       the inode to NAME in the directory (PRESERVE 1 or 0), then the kernel forgets any negative
 *       entry for NAME.
 *   <li>{@code compact<TAB>INODE<TAB>MIN-SLICES\n}: {@link Compaction#file} of the file, or of every
 *       file below the directory (listed as the writer), with the mount's caches told; the answer's
 *       COUNT is the files visited, its DETAIL {@code chunks=N slices_before=B slices_after=A}.
 *   <li>{@code warmup<TAB>INODE\n}: {@link io.nectarfs.chunk.ChunkStore#fillCache} of every slice of
 *       the file (which the caller must be able to read): each block is fetched and written into
 *       the mount's cache before the answer, not through a background queue that may drop it; the
 *       answer's DETAIL is {@code bytes=N uncached=U}, U the blocks not in the cache when done (0:
 *       the whole file is local).
 * </ul>
 *
 * The answer is read from offset 0 ({@code pread}) or from where the request ended (a shell's
 * {@code exec 3<>.control; printf … >&3; cat <&3}). Answers: {@code ok<TAB>COUNT\n} or {@code error<TAB>ERRNO-NAME<TAB>COUNT<TAB>MESSAGE\n}, COUNT the
 * entries done, and {@code ok<TAB>COUNT<TAB>DETAIL\n} for requests that say more. Names are escaped as {@link Names#escape} does, with tab and newline as {@code
 * \x09} and {@code \x0a}. A malformed request answers EINVAL. Stateless apart from the handle.
 *
 * <p>A read-only mount's kernel refuses to open the file for writing, so a tool may instead open
 * it read-only and send one request with {@code ioctl(fd, }{@link #IOCTL}{@code , buffer)}: the
 * buffer of {@link #IOCTL_SIZE} bytes holds the request line, zero-padded, and on return the
 * answer line (cut to fit). On a read-only mount only {@code warmup} is taken, by either way;
 * the others answer EROFS.
 */
public final class Control {
  public static final String NAME = ".control";
  /** The size of the {@link #IOCTL} buffer: a request line in, the answer line out. */
  public static final int IOCTL_SIZE = 4096;
  /** {@code _IOWR('n', 1, char[IOCTL_SIZE])}: one request through {@code /.control} opened read-only. */
  public static final int IOCTL = 0xC0000000 | IOCTL_SIZE << 16 | 'n' << 8 | 1;
  private static final int MAX_REQUEST = 64 << 10;
  /** Metadata calls at once for one rmr request. */
  private static final int THREADS = 16;

  private Control() {}

  /** An answer: {@code errno} null when the request succeeded; {@code message} the error, or an ok answer's detail. */
  public record Answer(Errno errno, long count, String message) {}

  /** The request line removing {@code name} (and its tree) in directory {@code parent}. */
  public static String rmrRequest(long parent, String name) {
    return "rmr\t" + parent + "\t" + escape(name) + "\n";
  }

  /** The request line copying inode {@code src} to {@code name} in directory {@code parent}. */
  public static String cloneRequest(long src, long parent, String name, boolean preserve) {
    return "clone\t" + src + "\t" + parent + "\t" + escape(name) + "\t" + (preserve ? 1 : 0) + "\n";
  }

  /** The request line compacting file or tree {@code ino}'s chunks of at least {@code minSlices} slices. */
  public static String compactRequest(long ino, int minSlices) {
    return "compact\t" + ino + "\t" + minSlices + "\n";
  }

  /** The request line warming file {@code ino} into the mount's cache. */
  public static String warmupRequest(long ino) {
    return "warmup\t" + ino + "\n";
  }

  /** Parses an answer line (EIO when it is not one). */
  public static Answer parseAnswer(String line) {
    String[] f = line.strip().split("\t", 4);
    try {
      if (f[0].equals("ok") && (f.length == 2 || f.length == 3)) {
        return new Answer(null, Long.parseLong(f[1]), f.length == 3 ? f[2] : "");
      }
      if (f[0].equals("error") && f.length == 4) {
        return new Answer(Errno.valueOf(f[1]), Long.parseLong(f[2]), f[3]);
      }
    } catch (IllegalArgumentException e) {
      // below
    }
    return new Answer(Errno.EIO, 0, "unexpected answer from the mount: " + line.strip());
  }

  private static String escape(String name) {
    return Names.escape(name).replace("\t", "\\x09").replace("\n", "\\x0a");
  }

  /** A write to an open {@code /.control}: runs each complete request line and keeps its answer. */
  static int write(VfsImpl v, Ctx ctx, Handle.Control h, long off, ByteBuffer src) {
    int n = src.remaining();
    byte[] b = new byte[n];
    src.get(b);
    synchronized (h) {
      h.request.write(b, 0, n);
      byte[] all = h.request.toByteArray();
      int nl = indexOf(all, (byte) '\n');
      if (nl < 0 && all.length <= MAX_REQUEST) {
        return n;
      }
      h.request.reset();
      String line = nl < 0 ? "" : new String(all, 0, nl, StandardCharsets.UTF_8);
      if (nl >= 0 && nl + 1 < all.length) {
        h.request.write(all, nl + 1, all.length - nl - 1);
      }
      h.answer = run(v, ctx, line).getBytes(StandardCharsets.UTF_8);
      h.answerBase = off + n;
    }
    return n;
  }

  /**
   * One request line (a trailing newline optional) sent by {@link #IOCTL}; returns its answer line,
   * cut to {@link #IOCTL_SIZE} bytes (its message shortened, the newline kept).
   */
  static byte[] ask(VfsImpl v, Ctx ctx, String request) {
    int nl = request.indexOf('\n');
    String line = nl < 0 ? request : request.substring(0, nl);
    byte[] answer = run(v, ctx, line).getBytes(StandardCharsets.UTF_8);
    if (answer.length <= IOCTL_SIZE) {
      return answer;
    }
    byte[] cut = java.util.Arrays.copyOf(answer, IOCTL_SIZE);
    cut[IOCTL_SIZE - 1] = '\n';
    return cut;
  }

  /** Compacts file {@code ino} or every file below directory {@code ino} (listed as {@code ctx}). */
  private static void compact(VfsImpl v, Ctx ctx, long ino, int min, AtomicLong files, long[] totals) throws IOException {
    io.nectarfs.meta.Attr a = v.meta().getattr(ctx, ino);
    if (a.type() == io.nectarfs.meta.FileType.FILE) {
      Compaction.FileResult r = Compaction.file(v.meta(), v.chunks(), ino, min);
      if (r.chunks() > 0) {
        v.compacted(ino, r.chunks());
      }
      totals[0] += r.chunks();
      totals[1] += r.slicesBefore();
      totals[2] += r.slicesAfter();
      files.incrementAndGet();
      return;
    }
    if (!a.isDir()) {
      return;
    }
    String after = "";
    while (true) {
      java.util.List<io.nectarfs.meta.DirEntry> page = v.meta().readdir(ctx, ino, after, 1000, false);
      if (page.isEmpty()) {
        return;
      }
      for (io.nectarfs.meta.DirEntry e : page) {
        if (e.type() == io.nectarfs.meta.FileType.FILE || e.type() == io.nectarfs.meta.FileType.DIR) {
          compact(v, ctx, e.ino(), min, files, totals);
        }
      }
      after = page.getLast().name();
    }
  }

  /**
   * Requests name inodes, not paths: check that {@code ctx} could have reached {@code ino} by a
   * path, as the kernel does for a path (search permission on every directory from the root down
   * to it, and on it if it is a directory), so an inode number is no way around a directory the
   * caller may not enter. A file with several hard links has no one path: only root may name it.
   */
  private static void checkReachable(VfsImpl v, Ctx ctx, long ino) throws IOException {
    if (ctx.isRoot()) {
      return;
    }
    io.nectarfs.meta.Attr a = v.meta().getattr(ctx, ino);
    long at = a.isDir() ? ino : a.parent();
    for (int depth = 0; depth < 100_000; depth++) {
      if (at == 0) {
        throw Errno.EACCES.exception("inode " + ino + " has several hard links, so no one path to check: use 'nectar … META-URL PATH' instead");
      }
      v.meta().access(ctx, at, io.nectarfs.meta.Meta.X_OK);
      if (at == io.nectarfs.meta.Meta.ROOT) {
        return;
      }
      at = v.meta().getattr(ctx, at).parent();
    }
    throw Errno.ELOOP.exception("inode " + ino);
  }

  private static String checkedName(long parent, String escaped) throws FsException {
    String name = Names.unescape(escaped);
    if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
      throw Errno.EINVAL.exception("bad name");
    }
    if (parent == io.nectarfs.meta.Meta.ROOT && Internal.inoOf(name) != 0) {
      throw Errno.EPERM.exception(name + " is an internal file");
    }
    return name;
  }

  /** The kernel forgets its entry (or negative entry) for {@code parent/name}. */
  private static void forget(VfsImpl v, long parent, String name, boolean changed) {
    Vfs.Invalidator inv = v.invalidator();
    if (inv != null && changed) {
      inv.entry(parent, name);
    }
  }

  private static int indexOf(byte[] b, byte x) {
    for (int i = 0; i < b.length; i++) {
      if (b[i] == x) {
        return i;
      }
    }
    return -1;
  }

  private static String run(VfsImpl v, Ctx ctx, String line) {
    String[] f = line.split("\t", -1);
    AtomicLong done = new AtomicLong();
    try {
      if (v.readOnly() && !f[0].equals("warmup")) {
        throw Errno.EROFS.exception("the mount is read-only (it takes warm-ups only)");
      }
      switch (f[0]) {
        case "rmr" -> {
          if (f.length != 3) {
            throw Errno.EINVAL.exception("rmr takes PARENT-INODE and NAME");
          }
          long parent = Long.parseLong(f[1]);
          String name = checkedName(parent, f[2]);
          checkReachable(v, ctx, parent);
          try {
            Trees.remove(v.meta(), ctx, parent, name, THREADS, done::addAndGet);
          } finally {
            forget(v, parent, name, done.get() > 0);
          }
        }
        case "clone" -> {
          if (f.length != 5 || !(f[4].equals("0") || f[4].equals("1"))) {
            throw Errno.EINVAL.exception("clone takes SRC-INODE, PARENT-INODE, NAME and PRESERVE (0 or 1)");
          }
          long src = Long.parseLong(f[1]);
          long parent = Long.parseLong(f[2]);
          String name = checkedName(parent, f[3]);
          if (Internal.isInternal(src)) {
            throw Errno.EPERM.exception("internal file");
          }
          checkReachable(v, ctx, src);
          checkReachable(v, ctx, parent);
          Trees.copy(v.meta(), ctx, src, parent, name, f[4].equals("1"), done::addAndGet);
          forget(v, parent, name, true);
        }
        case "compact" -> {
          if (f.length != 3) {
            throw Errno.EINVAL.exception("compact takes INODE and MIN-SLICES");
          }
          long ino = Long.parseLong(f[1]);
          int min = Integer.parseInt(f[2]);
          if (min < 2 || Internal.isInternal(ino)) {
            throw Errno.EINVAL.exception("MIN-SLICES must be at least 2, INODE a file or directory");
          }
          checkReachable(v, ctx, ino);
          long[] totals = new long[3];
          compact(v, ctx, ino, min, done, totals);
          return "ok\t" + done.get() + "\tchunks=" + totals[0] + " slices_before=" + totals[1] + " slices_after=" + totals[2] + "\n";
        }
        case "warmup" -> {
          if (f.length != 2) {
            throw Errno.EINVAL.exception("warmup takes INODE");
          }
          long ino = Long.parseLong(f[1]);
          if (Internal.isInternal(ino)) {
            throw Errno.EINVAL.exception("INODE must be a regular file");
          }
          checkReachable(v, ctx, ino);
          io.nectarfs.meta.Attr a = v.meta().getattr(ctx, ino);
          if (a.type() != io.nectarfs.meta.FileType.FILE) {
            throw Errno.EINVAL.exception("INODE must be a regular file");
          }
          v.meta().access(ctx, ino, io.nectarfs.meta.Meta.R_OK);
          long uncached = 0;
          for (int i = 0; i * (long) io.nectarfs.meta.Chunks.CHUNK_SIZE < a.length(); i++) {
            for (io.nectarfs.meta.Slice s : v.meta().read(ctx, ino, i)) {
              if (s.id() != 0) {
                uncached += v.chunks().fillCache(s.id(), s.size());
              }
            }
          }
          return "ok\t1\tbytes=" + a.length() + " uncached=" + uncached + "\n";
        }
        default -> throw Errno.EINVAL.exception("unknown control request");
      }
      return "ok\t" + done.get() + "\n";
    } catch (NumberFormatException e) {
      return "error\tEINVAL\t0\tbad inode number\n";
    } catch (IOException | RuntimeException e) {
      Errno errno = e instanceof FsException fe ? fe.errno() : Errno.of(e);
      String msg = String.valueOf(e.getMessage()).replace('\t', ' ').replace('\n', ' ');
      return "error\t" + errno.name() + "\t" + done.get() + "\t" + msg + "\n";
    }
  }
}
