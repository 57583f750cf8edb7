package io.nectarfs.cli;

import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.fuse.linux.LibC;
import io.nectarfs.vfs.Control;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code nectar rmr}, {@code clone} and {@code compact} on mount paths: asks the mount
 * holding the paths to do it, through the mount's {@code .control} file ({@link Control}); the
 * mount runs it as this process's user.
 */
final class MountControl {
  private MountControl() {}

  static int rmr(PrintWriter out, boolean json, List<String> paths) throws IOException {
    long t0 = System.nanoTime();
    long total = 0;
    List<RmrCommand.PathJson> done = new ArrayList<>();
    for (String p : paths) {
      Path abs = Path.of(p).toAbsolutePath().normalize();
      if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
        throw Errno.ENOENT.exception(p);
      }
      Path parent = abs.getParent();
      if (parent == null) {
        throw Errno.EBUSY.exception(p + ": the root directory");
      }
      Path control = controlFile(parent, p);
      if (parent.equals(control.getParent()) && abs.getFileName().toString().equals(Control.NAME)) {
        throw Errno.EPERM.exception(p + " is an internal file");
      }
      long parentIno = ((Number) Files.getAttribute(parent, "unix:ino")).longValue();
      Control.Answer a = ask(control, Control.rmrRequest(parentIno, abs.getFileName().toString()));
      total += a.count();
      if (a.errno() != null) {
        throw new FsException(a.errno(), "rmr " + p + " stopped after " + total + " entries removed: "
            + a.message().replace(": " + a.errno().description(), ""));
      }
      done.add(new RmrCommand.PathJson(p, a.count()));
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    if (json) {
      JsonOutput.print(out, new RmrCommand.Json(total, done, secs));
    } else {
      out.printf(java.util.Locale.ROOT, "removed %d entries under %d path(s) in %.1f s%n", total, paths.size(), secs);
    }
    return Cli.OK;
  }

  static int clone(PrintWriter out, boolean json, String src, String dst, boolean preserve) throws IOException {
    long t0 = System.nanoTime();
    Path from = Path.of(src).toAbsolutePath().normalize();
    Path to = Path.of(dst).toAbsolutePath().normalize();
    if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
      throw Errno.ENOENT.exception(src);
    }
    if (to.getParent() == null || !Files.isDirectory(to.getParent())) {
      throw Errno.ENOENT.exception(dst + ": no such directory " + to.getParent());
    }
    Path control = controlFile(from.getParent() == null ? from : from.getParent(), src);
    if (!control.equals(controlFile(to.getParent(), dst))) {
      throw new IOException(src + " and " + dst + " are on different mounts: clone copies within one volume");
    }
    long srcIno = ((Number) Files.getAttribute(from, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
    long parentIno = ((Number) Files.getAttribute(to.getParent(), "unix:ino")).longValue();
    Control.Answer a = ask(control, Control.cloneRequest(srcIno, parentIno, to.getFileName().toString(), preserve));
    if (a.errno() != null) {
      throw new FsException(a.errno(), "clone " + src + " to " + dst + " failed, nothing was created: "
          + a.message().replace(": " + a.errno().description(), ""));
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    if (json) {
      JsonOutput.print(out, new CloneCommand.Json(src, dst, a.count(), secs));
    } else {
      out.printf(java.util.Locale.ROOT, "cloned %s to %s: %d entries in %.1f s%n", src, dst, a.count(), secs);
    }
    return Cli.OK;
  }

  static int compact(PrintWriter out, boolean json, List<String> paths, int minSlices) throws IOException {
    long t0 = System.nanoTime();
    long[] totals = new long[4]; // files, chunks, slices before, after
    for (String p : paths) {
      Path abs = Path.of(p).toAbsolutePath().normalize();
      if (!Files.exists(abs)) {
        throw Errno.ENOENT.exception(p);
      }
      Path control = controlFile(Files.isDirectory(abs) ? abs : abs.getParent(), p);
      long ino = ((Number) Files.getAttribute(abs, "unix:ino")).longValue();
      Control.Answer a = ask(control, Control.compactRequest(ino, minSlices));
      if (a.errno() != null) {
        throw new FsException(a.errno(), "compact " + p + " failed: " + a.message().replace(": " + a.errno().description(), ""));
      }
      totals[0] += a.count();
      for (String kv : a.message().split(" ")) {
        String[] f = kv.split("=");
        int i = switch (f[0]) {
          case "chunks" -> 1;
          case "slices_before" -> 2;
          case "slices_after" -> 3;
          default -> -1;
        };
        if (i > 0 && f.length == 2) {
          totals[i] += Long.parseLong(f[1]);
        }
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    if (json) {
      JsonOutput.print(out, new CompactCommand.Json(totals[0], totals[1], totals[2], totals[3], secs));
    } else {
      out.printf(java.util.Locale.ROOT, "compacted %d chunk(s) in %d file(s): %d slices before, %d after, in %.1f s%n", totals[1], totals[0],
          totals[2], totals[3], secs);
    }
    return Cli.OK;
  }

  /**
   * {@code warmup} of one file through its mount's control file: the mount fetches every block
   * and writes it into its cache before answering. Returns the blocks it could not keep cached.
   */
  static long warmup(Path control, Path file) throws IOException {
    long ino = ((Number) Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
    Control.Answer a = ask(control, Control.warmupRequest(ino));
    if (a.errno() != null) {
      throw new FsException(a.errno(), a.message().replace(": " + a.errno().description(), ""));
    }
    String u = a.message().replaceAll(".*uncached=", "");
    try {
      return Long.parseLong(u.strip());
    } catch (NumberFormatException e) {
      throw new IOException("unexpected warmup answer from the mount: " + a.message());
    }
  }

  /** The .control file at the root of the NectarFS mount holding {@code dir}, or null (a --subdir mount has none). */
  static Path controlFileOrNull(Path dir) throws IOException {
    Path root = NectarMounts.containing(dir.toAbsolutePath().normalize()).orElse(null);
    Path c = root == null ? null : root.resolve(Control.NAME);
    return c != null && Files.isRegularFile(c, LinkOption.NOFOLLOW_LINKS) ? c : null;
  }

  /** The .control file at the root of the NectarFS mount holding {@code dir} (found in the mount table). */
  private static Path controlFile(Path dir, String shown) throws IOException {
    Path root = NectarMounts.containing(dir.toAbsolutePath().normalize()).orElse(null);
    Path c = root == null ? null : root.resolve(Control.NAME);
    if (c == null || !Files.isRegularFile(c, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(shown + " is not on a NectarFS mount (no " + Control.NAME + " at its root; a --subdir mount has none): give META-URL PATH instead");
    }
    return c;
  }

  /**
   * Sends {@code request} and reads the answer: written to the control file opened read-write, or,
   * where the kernel refuses to open it for writing (a read-only mount), by {@link Control#IOCTL}
   * on the file opened read-only.
   */
  private static Control.Answer ask(Path control, String request) throws IOException {
    FileChannel ch;
    try {
      ch = FileChannel.open(control, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (NoSuchFileException e) {
      throw new IOException("the mount's control file " + control + " is gone (was it unmounted?)", e);
    } catch (java.nio.file.FileSystemException e) {
      return askReadOnly(control, request, e);
    }
    try (ch) {
      ByteBuffer req = ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8));
      while (req.hasRemaining()) {
        ch.write(req, req.position());
      }
      ByteBuffer answer = ByteBuffer.allocate(64 << 10);
      while (ch.read(answer, answer.position()) > 0) {
        if (answer.get(answer.position() - 1) == '\n') {
          break;
        }
      }
      return Control.parseAnswer(new String(answer.array(), 0, answer.position(), StandardCharsets.UTF_8));
    }
  }

  /**
   * {@link #ask} by {@link Control#IOCTL}; {@code refused} (why the file could not be opened for
   * writing) is what the caller sees when the mount does not take ioctls either (an older build).
   */
  private static Control.Answer askReadOnly(Path control, String request, IOException refused) throws IOException {
    byte[] req = request.getBytes(StandardCharsets.UTF_8);
    if (req.length >= Control.IOCTL_SIZE) {
      throw new IOException("request too long for a read-only mount's control file (" + req.length + " bytes)");
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(arena);
      int fd = LibC.open(box, arena.allocateFrom(control.toString()), LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
      if (fd < 0) {
        throw refused;
      }
      try {
        MemorySegment buf = arena.allocate(Control.IOCTL_SIZE); // zeroed: the request ends at the first 0
        MemorySegment.copy(req, 0, buf, ValueLayout.JAVA_BYTE, 0, req.length);
        if (LibC.ioctl(box, fd, Integer.toUnsignedLong(Control.IOCTL), buf) < 0) {
          int errno = LibC.errno(box);
          if (errno == Errno.ENOTTY.code() || errno == Errno.ENOSYS.code()) {
            throw refused;
          }
          throw new IOException(control + ": " + LibC.strerror(errno));
        }
        byte[] answer = buf.toArray(ValueLayout.JAVA_BYTE);
        int n = 0;
        while (n < answer.length && answer[n] != 0 && answer[n++] != '\n') {
          // up to and with the newline
        }
        return Control.parseAnswer(new String(answer, 0, n, StandardCharsets.UTF_8));
      } finally {
        LibC.close(box, fd);
      }
    }
  }
}
