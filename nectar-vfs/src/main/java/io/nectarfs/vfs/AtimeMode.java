package io.nectarfs.vfs;

import io.nectarfs.meta.Attr;

/**
 * When reading a file or listing a directory updates its access time (the mount options of the
 * same names). The decision is made at open from the attributes the open read anyway, so an open
 * costs an extra metadata write only when the access time is due (relatime: after each change of
 * the file, or once a day), never an extra read.
 */
public enum AtimeMode {
  /** Access times never change by reading. */
  NOATIME,
  /** As Linux's default: update when the access time is not newer than mtime or ctime, or a day old. */
  RELATIME,
  /** Every open for reading updates the access time. */
  STRICTATIME;

  private static final long DAY_NANOS = 86_400L * 1_000_000_000L;

  /** Whether an open for reading at {@code nowNanos} should set the access time of {@code a}. */
  public boolean due(Attr a, long nowNanos) {
    return switch (this) {
      case NOATIME -> false;
      case STRICTATIME -> true;
      case RELATIME -> a.atime() <= a.mtime() || a.atime() <= a.ctime() || nowNanos - a.atime() >= DAY_NANOS;
    };
  }

  /** Parses {@code noatime}, {@code relatime} or {@code strictatime}. */
  public static AtimeMode parse(String s) {
    return switch (s == null ? "" : s.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "noatime" -> NOATIME;
      case "relatime" -> RELATIME;
      case "strictatime" -> STRICTATIME;
      default -> throw new IllegalArgumentException("atime mode must be noatime, relatime or strictatime, got '" + s + "'");
    };
  }
}
