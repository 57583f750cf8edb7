package io.nectarfs.vfs;

import io.nectarfs.meta.Attr;
import io.nectarfs.meta.FileType;
import java.nio.charset.StandardCharsets;

/**
 * Internal files in the root directory: {@code .stats} (live metrics in the Prometheus text
 * format) and {@code .config} (the client's runtime settings), read-only, and {@code .control},
 * where a tool writes one request line and reads the answer from the same handle ({@link
 * Control}). Their inodes lie in a range the metadata never allocates.
 */
final class Internal {
  static final long BASE = 0x7FFFFFFF00000000L;
  static final long STATS = BASE + 3;
  static final long CONFIG = BASE + 4;
  /** {@code /.accesslog}, served by {@link AccessLogVfs} (outermost), never by {@link VfsImpl}. */
  static final long ACCESSLOG = BASE + 5;
  /** {@code /.control}: requests run as the writer ({@link Control}). */
  static final long CONTROL = BASE + 6;

  private Internal() {}

  static long inoOf(String name) {
    return switch (name) {
      case ".stats" -> STATS;
      case ".config" -> CONFIG;
      case ".control" -> CONTROL;
      default -> 0;
    };
  }

  static boolean isInternal(long ino) {
    return ino > BASE && ino < BASE + 16;
  }

  static Attr attr(long ino, long size, long now) {
    return new Attr(FileType.FILE, ino == CONTROL ? 0666 : 0444, 0, 0, now, now, now, 1, size, 0, 0, 1);
  }

  static byte[] content(long ino, VfsImpl v) {
    if (ino == CONTROL) {
      return new byte[0];
    }
    String s = ino == STATS ? v.statsText() : v.configText();
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
