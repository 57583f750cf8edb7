package io.nectarfs.fuse;

import java.time.Duration;

/**
 * How a volume is mounted and served. Build with {@link #builder()}; every field has a default.
 *
 * @param volumeName the mount source shown in mountinfo ({@code fuse.nectarfs <volumeName>})
 * @param allowOther let other users than the mounter in ({@code allow_other})
 * @param defaultPermissions let the kernel check permissions from the attributes
 * @param readOnly mount read-only: the kernel and the server refuse writes with EROFS
 * @param nonEmpty allow mounting over a non-empty directory
 * @param useFusermount mount through {@code fusermount3} even when running as root
 * @param maxWrite largest WRITE/READ the kernel sends (capped by max_pages_limit)
 * @param maxReadahead kernel readahead limit; 0 keeps the kernel's offer
 * @param maxBackground kernel max_background, also the bound on concurrently handled requests
 *     (lock waits aside) and on /dev/fuse worker threads
 * @param congestionThreshold kernel congestion_threshold
 * @param readers worker threads that always wait for requests, each on its own cloned {@code /dev/fuse}
 *     descriptor (more start while all are busy, up to maxBackground, and end when idle)
 * @param attrTimeout how long the kernel caches attributes
 * @param entryTimeout how long the kernel caches names
 * @param negativeTimeout how long the kernel caches a missing name (0: not at all)
 * @param directIo open files with FOPEN_DIRECT_IO (no page cache)
 * @param keepCache open files with FOPEN_KEEP_CACHE (keep page cache across opens)
 * @param writebackCache ask for FUSE_WRITEBACK_CACHE
 * @param posixAcl ask for FUSE_POSIX_ACL (the Vfs must serve system.posix_acl_* xattrs)
 * @param locks ask for POSIX_LOCKS and FLOCK_LOCKS (otherwise the kernel keeps locks local)
 * @param suid honour set-user-id and set-group-id bits (default off: {@code nosuid}; root only)
 * @param dev interpret device nodes (default off: {@code nodev}; root only)
 * @param exec allow executing programs (default on; off is {@code noexec})
 * @param ioUring serve requests over FUSE-over-io_uring when the kernel offers it (module
 *     parameter {@code fuse.enable_uring}); otherwise, and by default, over {@code /dev/fuse}
 * @param passthrough serve read-only opens of files this client has entirely in its local
 *     cache through a kernel backing file (FUSE passthrough; default off: a writable open of such a
 *     file waits for those opens to close, then fails with ETXTBSY; silently off where the
 *     kernel or the privileges do not allow it, and with the writeback cache)
 */
public record MountOptions(
    String volumeName,
    boolean allowOther,
    boolean defaultPermissions,
    boolean readOnly,
    boolean nonEmpty,
    boolean useFusermount,
    int maxWrite,
    int maxReadahead,
    int maxBackground,
    int congestionThreshold,
    int readers,
    Duration attrTimeout,
    Duration entryTimeout,
    Duration negativeTimeout,
    boolean directIo,
    boolean keepCache,
    boolean writebackCache,
    boolean posixAcl,
    boolean locks,
    boolean suid,
    boolean dev,
    boolean exec,
    boolean ioUring,
    boolean passthrough) {

  public MountOptions {
    if (volumeName == null || volumeName.isBlank() || volumeName.matches(".*[,\\s].*")) {
      throw new IllegalArgumentException("volume name must be non-empty without commas or spaces: " + volumeName);
    }
    if (maxWrite < 4096 || readers < 1 || maxBackground < 1 || congestionThreshold < 1) {
      throw new IllegalArgumentException("maxWrite >= 4096, readers, maxBackground, congestionThreshold >= 1");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public static MountOptions defaults() {
    return builder().build();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.volumeName = volumeName;
    b.allowOther = allowOther;
    b.defaultPermissions = defaultPermissions;
    b.readOnly = readOnly;
    b.nonEmpty = nonEmpty;
    b.useFusermount = useFusermount;
    b.maxWrite = maxWrite;
    b.maxReadahead = maxReadahead;
    b.maxBackground = maxBackground;
    b.congestionThreshold = congestionThreshold;
    b.readers = readers;
    b.attrTimeout = attrTimeout;
    b.entryTimeout = entryTimeout;
    b.negativeTimeout = negativeTimeout;
    b.directIo = directIo;
    b.keepCache = keepCache;
    b.writebackCache = writebackCache;
    b.posixAcl = posixAcl;
    b.locks = locks;
    b.suid = suid;
    b.dev = dev;
    b.exec = exec;
    b.ioUring = ioUring;
    b.passthrough = passthrough;
    return b;
  }

  /** Builder with the defaults: 1 MiB max_write, 2 readers, 1 s attribute and entry TTLs. */
  public static final class Builder {
    private String volumeName = "nectarfs";
    private boolean allowOther;
    private boolean defaultPermissions;
    private boolean readOnly;
    private boolean nonEmpty;
    private boolean useFusermount;
    private int maxWrite = 1 << 20;
    private int maxReadahead = 1 << 20;
    private int maxBackground = 64;
    private int congestionThreshold = 48;
    private int readers = 2;
    private Duration attrTimeout = Duration.ofSeconds(1);
    private Duration entryTimeout = Duration.ofSeconds(1);
    private Duration negativeTimeout = Duration.ZERO;
    private boolean directIo;
    private boolean keepCache;
    private boolean writebackCache;
    private boolean posixAcl;
    private boolean locks = true;
    private boolean suid;
    private boolean dev;
    private boolean exec = true;
    private boolean ioUring;
    private boolean passthrough;

    private Builder() {}

    public Builder volumeName(String v) {
      volumeName = v;
      return this;
    }

    public Builder allowOther(boolean v) {
      allowOther = v;
      return this;
    }

    public Builder defaultPermissions(boolean v) {
      defaultPermissions = v;
      return this;
    }

    public Builder readOnly(boolean v) {
      readOnly = v;
      return this;
    }

    public Builder nonEmpty(boolean v) {
      nonEmpty = v;
      return this;
    }

    public Builder useFusermount(boolean v) {
      useFusermount = v;
      return this;
    }

    public Builder maxWrite(int v) {
      maxWrite = v;
      return this;
    }

    public Builder maxReadahead(int v) {
      maxReadahead = v;
      return this;
    }

    public Builder maxBackground(int v) {
      maxBackground = v;
      return this;
    }

    public Builder congestionThreshold(int v) {
      congestionThreshold = v;
      return this;
    }

    public Builder readers(int v) {
      readers = v;
      return this;
    }

    public Builder attrTimeout(Duration v) {
      attrTimeout = v;
      return this;
    }

    public Builder entryTimeout(Duration v) {
      entryTimeout = v;
      return this;
    }

    public Builder negativeTimeout(Duration v) {
      negativeTimeout = v;
      return this;
    }

    public Builder directIo(boolean v) {
      directIo = v;
      return this;
    }

    public Builder keepCache(boolean v) {
      keepCache = v;
      return this;
    }

    public Builder writebackCache(boolean v) {
      writebackCache = v;
      return this;
    }

    public Builder posixAcl(boolean v) {
      posixAcl = v;
      return this;
    }

    public Builder locks(boolean v) {
      locks = v;
      return this;
    }

    public Builder suid(boolean v) {
      suid = v;
      return this;
    }

    public Builder dev(boolean v) {
      dev = v;
      return this;
    }

    public Builder exec(boolean v) {
      exec = v;
      return this;
    }

    public Builder ioUring(boolean v) {
      ioUring = v;
      return this;
    }

    public Builder passthrough(boolean v) {
      passthrough = v;
      return this;
    }

    public MountOptions build() {
      return new MountOptions(volumeName, allowOther, defaultPermissions, readOnly, nonEmpty, useFusermount, maxWrite,
          maxReadahead, maxBackground, Math.min(congestionThreshold, maxBackground), readers, attrTimeout, entryTimeout,
          negativeTimeout, directIo, keepCache, writebackCache, posixAcl, locks, suid, dev, exec,
          ioUring, passthrough);
    }
  }
}
