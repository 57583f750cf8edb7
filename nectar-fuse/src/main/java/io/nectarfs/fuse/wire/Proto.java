package io.nectarfs.fuse.wire;

/**
 * Protocol constants and struct sizes of the FUSE kernel ABI (Linux {@code fuse.h}), pinned.
 * Sizes that changed over protocol minors are functions of the negotiated minor.
 */
public final class Proto {
  public static final int KERNEL_MAJOR = 7;
  /** The newest minor this server implements: replies are sized for min(this, kernel). */
  public static final int OUR_MINOR = 39;
  /** The oldest kernel minor we serve (fuse_attr, write_in, mknod_in at today's sizes). */
  public static final int MIN_MINOR = 12;
  public static final long ROOT_ID = 1;

  public static final int IN_HEADER = 40;
  public static final int OUT_HEADER = 16;
  public static final int ATTR = 88;
  public static final int ENTRY_OUT = 40 + ATTR;
  public static final int ATTR_OUT = 16 + ATTR;
  public static final int OPEN_OUT = 16;
  public static final int WRITE_OUT = 8;
  public static final int KSTATFS = 80;
  public static final int GETXATTR_OUT = 8;
  public static final int LK_OUT = 24;
  public static final int LSEEK_OUT = 8;
  public static final int DIRENT_BASE = 24;
  public static final int MIN_READ_BUFFER = 8192;
  /** Room a read buffer needs beyond max_write (libfuse's FUSE_BUFFER_HEADER_SIZE). */
  public static final int BUFFER_HEADER = 4096;

  // INIT flags (low word) and flags2 (high word, as bit 32+)
  public static final long ASYNC_READ = 1L;
  public static final long POSIX_LOCKS = 1L << 1;
  public static final long ATOMIC_O_TRUNC = 1L << 3;
  public static final long EXPORT_SUPPORT = 1L << 4;
  public static final long BIG_WRITES = 1L << 5;
  public static final long DONT_MASK = 1L << 6;
  public static final long FLOCK_LOCKS = 1L << 10;
  public static final long AUTO_INVAL_DATA = 1L << 12;
  public static final long DO_READDIRPLUS = 1L << 13;
  public static final long READDIRPLUS_AUTO = 1L << 14;
  public static final long ASYNC_DIO = 1L << 15;
  public static final long WRITEBACK_CACHE = 1L << 16;
  public static final long PARALLEL_DIROPS = 1L << 18;
  public static final long POSIX_ACL = 1L << 20;
  public static final long MAX_PAGES = 1L << 22;
  public static final long CACHE_SYMLINKS = 1L << 23;
  public static final long INIT_EXT = 1L << 30;
  /** Linux 6.14: requests over io_uring ring entries (flags2 bit 9); offered only with fuse.enable_uring. */
  public static final long OVER_IO_URING = 1L << 41;
  /** 7.39: shared mmap of files opened with FOPEN_DIRECT_IO (flags2 bit 4). */
  public static final long DIRECT_IO_ALLOW_MMAP = 1L << 36;
  /**
   * 7.33: the server drops setuid/setgid and {@code security.capability} on write,
   * truncate and chown (FUSE_WRITE_KILL_SUIDGID, FATTR_KILL_SUIDGID, FUSE_OPEN_KILL_SUIDGID say
   * when the caller lacks CAP_FSETID); the kernel then sets SB_NOSEC, so a write(2) asks GETXATTR
   * {@code security.capability} only once per inode until its attributes are refreshed.
   */
  public static final long HANDLE_KILLPRIV_V2 = 1L << 28;
  /** 7.40: reads (and writes) of opens answered with FOPEN_PASSTHROUGH go to a backing file (flags2 bit 5). */
  public static final long PASSTHROUGH = 1L << 37;
  /** 7.40: the kernel re-sends requests on FUSE_NOTIFY_RESEND (offered by the kernel; flags2 bit 7). */
  public static final long HAS_RESEND = 1L << 39;
  /** 7.40: the bit of {@code in_header.unique} that marks a request the kernel re-sent. */
  public static final long UNIQUE_RESEND = 1L << 63;
  /** max_stack_depth we answer with PASSTHROUGH: backing files live on a plain (non-stacked) file system. */
  public static final int MAX_STACK_DEPTH = 1;

  // FOPEN_* (open_out.open_flags)
  public static final int FOPEN_DIRECT_IO = 1;

  // fuse_write_in.write_flags
  /** A write from the kernel's writeback cache (delayed). */
  public static final int WRITE_CACHE = 1;
  /** 7.33 (7.29 as KILL_PRIV): the writer lacks CAP_FSETID; the server drops setuid/setgid. */
  public static final int WRITE_KILL_SUIDGID = 1 << 2;
  public static final int FOPEN_KEEP_CACHE = 2;

  // fuse_ioctl_in.flags
  /** An unrestricted ioctl (CUSE only): the server names the buffers itself. */
  public static final int IOCTL_UNRESTRICTED = 1 << 1;
  /** open_out.backing_id names the backing file (7.40). */
  public static final int FOPEN_PASSTHROUGH = 1 << 7;

  // setattr valid bits beyond those of SetAttr
  public static final int FATTR_FH = 1 << 6;
  public static final int FATTR_LOCKOWNER = 1 << 9;
  /** 7.33: a truncate or chown by a caller without CAP_FSETID (chown: any caller); drop setuid/setgid. */
  public static final int FATTR_KILL_SUIDGID = 1 << 11;

  // fuse_open_in.open_flags, fuse_create_in.open_flags
  /** 7.33: an O_TRUNC open by a caller without CAP_FSETID; drop setuid/setgid. */
  public static final int OPEN_KILL_SUIDGID = 1;

  public static final int RELEASE_FLUSH = 1;
  public static final int RELEASE_FLOCK_UNLOCK = 2;
  public static final int LK_FLOCK = 1;
  public static final int FSYNC_FDATASYNC = 1;
  public static final int GETATTR_FH = 1;

  private Proto() {}

  /** Size of fuse_init_out for a negotiated minor. */
  public static int initOutSize(int minor) {
    return minor < 5 ? 8 : minor < 23 ? 24 : 64;
  }

  /** Size of fuse_entry_out for a negotiated minor. */
  public static int entryOutSize(int minor) {
    return minor < 9 ? 120 : ENTRY_OUT;
  }

  /** Size of fuse_attr_out for a negotiated minor. */
  public static int attrOutSize(int minor) {
    return minor < 9 ? 96 : ATTR_OUT;
  }

  /** Size of fuse_statfs_out for a negotiated minor. */
  public static int statfsOutSize(int minor) {
    return minor < 4 ? 48 : KSTATFS;
  }

  /** Size of fuse_setxattr_in: 16 only with FUSE_SETXATTR_EXT (which we never ask for). */
  public static int setxattrInSize() {
    return 8;
  }
}
