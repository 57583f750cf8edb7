package io.nectarfs.gateway.webdav;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.fs.FileApi;
import io.nectarfs.fs.FileHandle;
import io.nectarfs.meta.FileType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.UUID;

/**
 * GET, HEAD, PUT, DELETE, MKCOL, COPY and MOVE. Bodies stream in {@link #PIECE} pieces (never a
 * whole file in memory). A PUT or a COPY of a file writes a hidden temporary name
 * ({@link #TEMP_PREFIX}) in the target's directory and renames it into place, so a reader sees the
 * old or the new content, never a part; a failed transfer removes the temporary file. A COPY of a
 * file shares its stored data ({@link FileApi#copyRange}): no bytes are read or written.
 */
final class FileMethods {
  static final String TEMP_PREFIX = ".nectar-webdav-";
  private static final int PIECE = 1 << 20;

  private final DavHandler dav;
  private final FileApi fs;

  FileMethods(DavHandler dav) {
    this.dav = dav;
    this.fs = dav.fs;
  }

  static boolean hidden(String name) {
    return name.startsWith(TEMP_PREFIX);
  }

  // ---- GET / HEAD ----

  void get(Exchange x) throws IOException, DavException {
    FileApi.Stat s = fs.stat(x.ctx, x.path, true);
    int c = dav.conditional(x, s);
    x.header("ETag", Props.etag(s));
    x.header("Last-Modified", Props.httpDate(s.attr().mtime()));
    if (c == 304) {
      x.status(304);
      return;
    }
    if (s.attr().isDir()) {
      listing(x);
      return;
    }
    long size = s.attr().length();
    long from = 0;
    long to = size - 1;
    int status = 200;
    String range = x.header("Range");
    if (range != null && (x.header("If-Range") == null || x.header("If-Range").trim().equals(Props.etag(s)))) {
      long[] r = range(range, size);
      if (r != null && r.length == 0) {
        x.header("Content-Range", "bytes */" + size);
        x.send(416, "text/plain; charset=utf-8", "the range " + range + " is outside the file's " + size + " bytes\n");
        return;
      }
      if (r != null) {
        from = r[0];
        to = r[1];
        status = 206;
        x.header("Content-Range", "bytes " + from + "-" + to + "/" + size);
      }
    }
    x.header("Accept-Ranges", "bytes");
    x.header("Content-Type", Props.contentType(x.path));
    long len = Math.max(0, to - from + 1);
    x.response.setStatus(status);
    x.response.getHeaders().put("Content-Length", len);
    if (x.method.equals("HEAD") || len == 0) {
      x.out().close();
      return;
    }
    try (FileHandle h = fs.open(x.ctx, x.path, StandardOpenOption.READ); OutputStream out = x.out()) {
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(PIECE, len));
      long pos = from;
      long end = from + len;
      while (pos < end) {
        buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
        int n = h.pread(buf, pos);
        if (n <= 0) {
          break; // the file shrank meanwhile: the client sees a short body
        }
        out.write(buf.array(), 0, n);
        pos += n;
      }
    }
  }

  /**
   * A single byte range {@code bytes=a-b}, {@code a-} or {@code -n} as [from, to]; null to send
   * the whole file (no range we serve: several ranges, another unit, malformed); an empty array
   * when the range is unsatisfiable (416).
   */
  static long[] range(String header, long size) {
    String h = header.trim();
    if (!h.startsWith("bytes=") || h.indexOf(',') >= 0) {
      return null;
    }
    String spec = h.substring(6).trim();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    try {
      String a = spec.substring(0, dash).trim();
      String b = spec.substring(dash + 1).trim();
      if (a.isEmpty()) {
        long n = Long.parseLong(b);
        if (n <= 0 || size == 0) {
          return new long[0];
        }
        return new long[] {Math.max(0, size - n), size - 1};
      }
      long from = Long.parseLong(a);
      long to = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
      if (from < 0 || (!b.isEmpty() && Long.parseLong(b) < from)) {
        return null;
      }
      if (from >= size) {
        return new long[0];
      }
      return new long[] {from, to};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private void listing(Exchange x) throws IOException {
    StringBuilder sb = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
        .append(DavXml.escape(x.path)).append("</title></head><body><h1>").append(DavXml.escape(x.path)).append("</h1><ul>\n");
    int shown = 0;
    for (String cursor = null; shown < 10_000; ) {
      FileApi.Page p = fs.list(x.ctx, x.path, cursor, 1000);
      for (FileApi.Child c : p.entries()) {
        if (!hidden(c.name())) {
          String href = DavPaths.encode(DavPaths.child(x.path, c.name()), c.attr().isDir());
          sb.append("<li><a href=\"").append(DavXml.escape(href)).append("\">").append(DavXml.escape(c.name()))
              .append(c.attr().isDir() ? "/" : "").append("</a></li>\n");
          shown++;
        }
      }
      if ((cursor = p.cursor()) == null) {
        break;
      }
    }
    sb.append("</ul></body></html>\n");
    x.send(200, "text/html; charset=utf-8", sb.toString());
  }

  // ---- PUT ----

  void put(Exchange x) throws IOException, DavException {
    if (x.header("Content-Range") != null) {
      throw new DavException(400, "partial PUT (Content-Range) is not supported");
    }
    FileApi.Stat old = parentAndTarget(x, x.path);
    if (old != null && old.attr().isDir()) {
      throw new DavException(405, x.path + " is a collection");
    }
    dav.conditional(x, old);
    dav.checkWrite(x, x.path, false);
    if (old != null) {
      fs.access(x.ctx, x.path, FileApi.W_OK); // replacing is writing the file, not only its directory
    }
    int mode = old != null ? old.attr().mode() & 07777 : 0644;
    String tmp = tempName(x.path);
    boolean done = false;
    try {
      try (FileHandle h = fs.open(x.ctx, tmp, EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW), mode);
          InputStream in = x.body()) {
        byte[] buf = new byte[PIECE];
        long pos = 0;
        int n;
        while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
          ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
          while (b.hasRemaining()) {
            pos += h.pwrite(b, pos);
          }
        }
      }
      if (old != null) {
        Props.copyDead(fs, x.ctx, x.path, tmp);
      }
      fs.rename(x.ctx, tmp, x.path, 0);
      done = true;
    } finally {
      if (!done) {
        removeQuietly(x.ctx, tmp);
      }
    }
    x.status(old == null ? 201 : 204);
  }

  /** The target's stat (null if missing) after checking that its parent is an existing collection (409 otherwise). */
  private FileApi.Stat parentAndTarget(Exchange x, String path) throws IOException, DavException {
    String parent = DavPaths.parent(path);
    if (parent == null) {
      return fs.stat(x.ctx, "/", true);
    }
    FileApi.Stat p = dav.statOrNull(x.ctx, parent);
    if (p == null || !p.attr().isDir()) {
      throw new DavException(409, "the parent collection " + parent + " does not exist");
    }
    return dav.statOrNull(x.ctx, path);
  }

  private static String tempName(String path) {
    return DavPaths.child(DavPaths.parent(path), TEMP_PREFIX + UUID.randomUUID());
  }

  private void removeQuietly(Ctx ctx, String path) {
    try {
      fs.delete(ctx, path, true);
    } catch (IOException | RuntimeException e) {
      // already gone, or the volume failed: gc finds nothing referenced by a missing entry
    }
  }

  // ---- DELETE / MKCOL ----

  void delete(Exchange x) throws IOException, DavException {
    if (x.path.equals("/")) {
      throw new DavException(403, "the root collection cannot be deleted");
    }
    FileApi.Stat s = fs.stat(x.ctx, x.path, false);
    dav.conditional(x, s);
    dav.checkWrite(x, x.path, true);
    fs.delete(x.ctx, x.path, true);
    dav.locks.removeBelow(x.path);
    x.status(204);
  }

  void mkcol(Exchange x) throws IOException, DavException {
    if (x.request.getLength() > 0 || x.header("Transfer-Encoding") != null) {
      throw new DavException(415, "MKCOL with a request body is not supported");
    }
    FileApi.Stat s = parentAndTarget(x, x.path);
    if (s != null) {
      throw new DavException(405, x.path + " already exists");
    }
    dav.checkWrite(x, x.path, false);
    fs.mkdir(x.ctx, x.path, 0755);
    x.status(201);
  }

  // ---- COPY / MOVE ----

  void copyOrMove(Exchange x, boolean move) throws IOException, DavException {
    String dst = DavPaths.destination(x.header("Destination"));
    String ow = x.header("Overwrite");
    if (ow != null && !ow.trim().equalsIgnoreCase("T") && !ow.trim().equalsIgnoreCase("F")) {
      throw new DavException(400, "Overwrite must be T or F");
    }
    boolean overwrite = ow == null || ow.trim().equalsIgnoreCase("T");
    String depth = x.header("Depth");
    boolean infinite = depth == null || depth.trim().equalsIgnoreCase("infinity");
    if (!infinite && (move || !depth.trim().equals("0"))) {
      throw new DavException(400, "Depth must be " + (move ? "infinity for MOVE" : "0 or infinity for COPY"));
    }
    FileApi.Stat src = fs.stat(x.ctx, x.path, false);
    if (x.path.equals("/") && move) {
      throw new DavException(403, "the root collection cannot be moved");
    }
    if (dst.equals(x.path)) {
      throw new DavException(403, "the source and the destination are the same");
    }
    if (src.attr().isDir() && DavPaths.within(dst, x.path)) {
      throw new DavException(403, "cannot copy or move a collection into itself");
    }
    dav.conditional(x, src);
    FileApi.Stat old = parentAndTarget(x, dst);
    if (old != null && !overwrite) {
      throw new DavException(412, dst + " exists and Overwrite is F");
    }
    if (move) {
      dav.checkWrite(x, x.path, true);
    }
    dav.checkWrite(x, dst, old != null);
    if (old != null && (old.attr().isDir() || src.attr().isDir())) {
      fs.delete(x.ctx, dst, true);
      dav.locks.removeBelow(dst);
    }
    if (move) {
      fs.rename(x.ctx, x.path, dst, 0);
      dav.locks.removeBelow(x.path);
    } else {
      copy(x.ctx, x.path, src, dst, infinite);
    }
    x.status(old == null ? 201 : 204);
  }

  private void copy(Ctx ctx, String from, FileApi.Stat s, String to, boolean infinite) throws IOException {
    int mode = s.attr().mode() & 07777;
    if (s.attr().type() == FileType.SYMLINK) {
      fs.symlink(ctx, fs.readlink(ctx, from), to);
      return;
    }
    if (s.attr().isDir()) {
      fs.mkdir(ctx, to, mode);
      Props.copyDead(fs, ctx, from, to);
      if (!infinite) {
        return;
      }
      for (String cursor = null; ; ) {
        FileApi.Page p = fs.list(ctx, from, cursor, 1000);
        for (FileApi.Child c : p.entries()) {
          if (!hidden(c.name())) {
            String f = DavPaths.child(from, c.name());
            copy(ctx, f, new FileApi.Stat(f, c.ino(), c.attr()), DavPaths.child(to, c.name()), true);
          }
        }
        if ((cursor = p.cursor()) == null) {
          return;
        }
      }
    }
    if (s.attr().type() != FileType.FILE) {
      throw Errno.EOPNOTSUPP.exception("copy of a special file " + from);
    }
    String tmp = tempName(to);
    boolean done = false;
    try {
      fs.open(ctx, tmp, EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW), mode).close();
      long size = s.attr().length();
      for (long off = 0; off < size; ) {
        long n = fs.copyRange(ctx, from, off, tmp, off, size - off);
        if (n <= 0) {
          break;
        }
        off += n;
      }
      Props.copyDead(fs, ctx, from, tmp);
      fs.rename(ctx, tmp, to, 0);
      done = true;
    } catch (FsException e) {
      throw e;
    } finally {
      if (!done) {
        removeQuietly(ctx, tmp);
      }
    }
  }
}
