package io.nectarfs.common;

/**
 * Linux open(2) flags as the kernel passes them (x86-64 and arm64 values), the one set of names
 * for every layer that reads or builds open flags (FUSE bridge, VFS, metadata access checks,
 * path API, tests). Not an enum: flags travel as the kernel's {@code int}.
 */
public final class OpenFlags {
  private OpenFlags() {}

  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  /** Mask of the access mode ({@link #O_RDONLY}, {@link #O_WRONLY} or {@link #O_RDWR}). */
  public static final int O_ACCMODE = 3;
  /** The kernel's {@code __FMODE_EXEC}: set in the flags of the open that execve(2) makes. */
  public static final int FMODE_EXEC = 040;
  public static final int O_CREAT = 0100;
  public static final int O_EXCL = 0200;
  public static final int O_NOCTTY = 0400;
  public static final int O_TRUNC = 01000;
  public static final int O_APPEND = 02000;
  public static final int O_NONBLOCK = 04000;
  /** Data durable before write(2) returns; also part of {@link #O_SYNC}. */
  public static final int O_DSYNC = 010000;
  public static final int O_DIRECT = 040000;
  public static final int O_DIRECTORY = 0200000;
  public static final int O_NOFOLLOW = 0400000;
  public static final int O_NOATIME = 01000000;
  public static final int O_CLOEXEC = 02000000;
  /** Data and metadata durable before write(2) returns ({@code __O_SYNC | O_DSYNC}). */
  public static final int O_SYNC = 04010000;

  /** The access mode of {@code flags}. */
  public static int accessMode(int flags) {
    return flags & O_ACCMODE;
  }

  /** Whether an open with {@code flags} may read (not write-only). */
  public static boolean readable(int flags) {
    return accessMode(flags) != O_WRONLY;
  }

  /** Whether an open with {@code flags} may write (write-only or read-write). */
  public static boolean writable(int flags) {
    return accessMode(flags) != O_RDONLY;
  }

  /** Whether any of {@code flag}'s bits are set in {@code flags}. */
  public static boolean has(int flags, int flag) {
    return (flags & flag) != 0;
  }
}
