package io.nectarfs.fuse.wire;

/**
 * The INIT handshake as a pure function: the kernel's fuse_init_in and what we want give the
 * negotiated {@link InitState} and the bytes of fuse_init_out. No I/O, so it is unit-tested
 * without a kernel.
 */
public final class InitNegotiation {
  /** What the server asks for; the answer is the intersection with what the kernel offers. */
  public record Wanted(
      int maxWrite,
      int maxReadahead,
      int maxPagesLimit,
      int maxBackground,
      int congestionThreshold,
      boolean writebackCache,
      boolean posixAcl,
      boolean locks,
      boolean passthrough) {}

  /** The kernel's offer, decoded from fuse_init_in. */
  public record Offer(int major, int minor, int maxReadahead, long flags) {}

  private static final int PAGE = 4096;
  private static final int DEFAULT_MAX_PAGES = 32;

  private InitNegotiation() {}

  /** Decodes fuse_init_in (flags2 only when the kernel sets INIT_EXT). */
  public static Offer decode(Request r) {
    int major = r.u32();
    int minor = r.u32();
    if (major < 7 || (major == 7 && minor < 6)) {
      return new Offer(major, minor, 0, 0);
    }
    int readahead = r.u32();
    long flags = r.u32() & 0xffffffffL;
    if (minor >= 36 && (flags & Proto.INIT_EXT) != 0 && r.remaining() >= 4) {
      flags |= (r.u32() & 0xffffffffL) << 32;
    }
    return new Offer(major, minor, readahead, flags);
  }

  /** The features we would use if offered, before intersecting. */
  public static long wantedFlags(Wanted w) {
    long f = Proto.ASYNC_READ | Proto.BIG_WRITES | Proto.PARALLEL_DIROPS | Proto.DO_READDIRPLUS | Proto.READDIRPLUS_AUTO
        // No AUTO_INVAL_DATA: the kernel's own mtime after a write never equals the committed one,
        // so it would drop pages this client just wrote; open decides (keepCache) instead.
        | Proto.EXPORT_SUPPORT | Proto.ATOMIC_O_TRUNC | Proto.MAX_PAGES
        // The kernel passes the mode and the umask apart; the metadata applies the umask, except
        // under a default ACL (which replaces it), as a local file system does.
        | Proto.DONT_MASK
        // O_DIRECT opens get FOPEN_DIRECT_IO; without this the kernel refuses to mmap them
        // (ENODEV). Needs the second flags word, which the reply carries only with INIT_EXT.
        | Proto.INIT_EXT | Proto.DIRECT_IO_ALLOW_MMAP
        // The VFS drops privileges on write, truncate and chown itself (Vfs contract): the kernel
        // sets SB_NOSEC and stops asking GETXATTR security.capability before every write(2).
        | Proto.HANDLE_KILLPRIV_V2;
    if (w.locks()) {
      f |= Proto.POSIX_LOCKS | Proto.FLOCK_LOCKS;
    }
    if (w.posixAcl()) {
      f |= Proto.POSIX_ACL;
    }
    if (w.writebackCache()) {
      f |= Proto.WRITEBACK_CACHE;
    } else if (w.passthrough()) {
      // the kernel refuses passthrough together with the writeback cache
      f |= Proto.PASSTHROUGH;
    }
    return f;
  }

  /**
   * Negotiates; throws {@link IllegalArgumentException} for a kernel older than {@link
   * Proto#MIN_MINOR} (the caller answers such an INIT with EPROTO).
   */
  public static InitState negotiate(Offer in, Wanted w) {
    if (in.major() != Proto.KERNEL_MAJOR) {
      // a newer major: answer with ours (the kernel decides); an older one cannot be served
      if (in.major() < Proto.KERNEL_MAJOR) {
        throw new IllegalArgumentException("FUSE protocol " + in.major() + "." + in.minor() + " is too old");
      }
      return new InitState(Proto.KERNEL_MAJOR, Proto.OUR_MINOR, in.minor(), 0, in.flags(), 0, 0, 0, 0, 0, 1);
    }
    if (in.minor() < Proto.MIN_MINOR) {
      throw new IllegalArgumentException("FUSE protocol 7." + in.minor() + " is too old (need 7." + Proto.MIN_MINOR + ")");
    }
    int minor = Math.min(in.minor(), Proto.OUR_MINOR);
    long flags = wantedFlags(w) & in.flags();
    if ((flags & Proto.INIT_EXT) == 0 || minor < 36) {
      flags &= 0xffffffffL & ~Proto.INIT_EXT;
    }
    int pagesLimit = Math.max(1, w.maxPagesLimit());
    int maxWrite = Math.max(PAGE, w.maxWrite());
    int maxPages;
    if ((flags & Proto.MAX_PAGES) != 0) {
      maxWrite = Math.min(maxWrite, pagesLimit * PAGE);
      maxPages = (maxWrite + PAGE - 1) / PAGE;
    } else {
      maxWrite = Math.min(maxWrite, DEFAULT_MAX_PAGES * PAGE);
      maxPages = 0;
    }
    int readahead = w.maxReadahead() > 0 ? Math.min(in.maxReadahead(), w.maxReadahead()) : in.maxReadahead();
    int bg = Math.clamp(w.maxBackground(), 1, 0xffff);
    int cong = Math.clamp(w.congestionThreshold(), 1, bg);
    return new InitState(Proto.KERNEL_MAJOR, minor, in.minor(), flags, in.flags(), maxWrite, readahead, maxPages, bg, cong, 1);
  }

  /** Writes fuse_init_out for {@code s} (sized for its minor) and returns its size. */
  public static int encode(InitState s, Reply out) {
    int size = Proto.initOutSize(s.minor());
    out.u32(s.major()).u32(s.minor());
    if (size > 8) {
      out.u32(s.maxReadahead()).u32((int) s.flags()).u16(s.maxBackground()).u16(s.congestionThreshold())
          .u32(s.maxWrite());
    }
    if (size > 24) {
      int stackDepth = s.has(Proto.PASSTHROUGH) ? Proto.MAX_STACK_DEPTH : 0;
      out.u32(s.timeGran()).u16(s.maxPages()).u16(0).u32((int) (s.flags() >>> 32)).u32(stackDepth).zeros(24);
    }
    return size;
  }

  /**
   * {@code s} with {@link Proto#OVER_IO_URING} added when the kernel offered it (it does only with
   * the fuse module parameter {@code enable_uring} on) and flags2 travels (INIT_EXT); else {@code s}.
   */
  public static InitState withIoUring(InitState s) {
    if ((s.kernelFlags() & Proto.OVER_IO_URING) == 0 || (s.flags() & Proto.INIT_EXT) == 0) {
      return s;
    }
    return new InitState(s.major(), s.minor(), s.kernelMinor(), s.flags() | Proto.OVER_IO_URING, s.kernelFlags(), s.maxWrite(),
        s.maxReadahead(), s.maxPages(), s.maxBackground(), s.congestionThreshold(), s.timeGran());
  }
}
