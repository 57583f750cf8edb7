package io.nectarfs.volume;

import io.nectarfs.chunk.ChunkConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The data-path settings of a client (what {@code nectar mount}'s cache flags set): cache
 * directories and size, memory budget, writeback, transfer threads, cache file mode. The volume's
 * block size and UUID come from its format; {@link #chunkConfig} combines the two (every cache
 * directory gets a subdirectory per volume UUID). Immutable; build with {@link #builder()} or
 * change a copy with {@link #toBuilder()}.
 */
public final class CacheOptions {
  private final List<Path> cacheDirs;
  private final long cacheSize;
  private final double freeSpaceRatio;
  private final boolean cacheOnWrite;
  private final long bufferSize;
  private final boolean writeback;
  private final long stagingLimit;
  private final Duration uploadDelay;
  private final int uploadThreads;
  private final int downloadThreads;
  private final int cacheMode;
  private final boolean cacheEncrypted;

  private CacheOptions(Builder b) {
    cacheDirs = List.copyOf(b.cacheDirs);
    cacheSize = b.cacheSize;
    freeSpaceRatio = b.freeSpaceRatio;
    cacheOnWrite = b.cacheOnWrite;
    bufferSize = b.bufferSize;
    writeback = b.writeback;
    stagingLimit = b.stagingLimit;
    uploadDelay = b.uploadDelay;
    uploadThreads = b.uploadThreads;
    downloadThreads = b.downloadThreads;
    cacheMode = b.cacheMode;
    cacheEncrypted = b.cacheEncrypted;
  }

  /** The defaults of {@code nectar mount}: a 100 GiB disk cache under {@code $HOME/.nectar/cache}. */
  public static CacheOptions defaults() {
    return builder().build();
  }

  /** No disk cache: blocks are cached in {@code bytes} of memory (tools, tests, short-lived clients). */
  public static CacheOptions memoryOnly(long bytes) {
    return builder().cacheDirs(List.of()).cacheSize(bytes).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.cacheDirs = cacheDirs;
    b.cacheSize = cacheSize;
    b.freeSpaceRatio = freeSpaceRatio;
    b.cacheOnWrite = cacheOnWrite;
    b.bufferSize = bufferSize;
    b.writeback = writeback;
    b.stagingLimit = stagingLimit;
    b.uploadDelay = uploadDelay;
    b.uploadThreads = uploadThreads;
    b.downloadThreads = downloadThreads;
    b.cacheMode = cacheMode;
    b.cacheEncrypted = cacheEncrypted;
    return b;
  }

  /** Disk cache directories; empty for a memory-only cache of {@link #cacheSize()} bytes. */
  public List<Path> cacheDirs() {
    return cacheDirs;
  }

  public long cacheSize() {
    return cacheSize;
  }

  public boolean writeback() {
    return writeback;
  }

  public long bufferSize() {
    return bufferSize;
  }

  /**
   * The chunk store settings for a volume with {@code blockSize} and {@code uuid}: each cache
   * directory {@code D} becomes {@code D/<uuid>}; with disk directories the memory cache is
   * {@code min(bufferSize, 256 MiB)}, without them it is {@link #cacheSize()} (when positive).
   */
  public ChunkConfig chunkConfig(int blockSize, String uuid) {
    List<Path> dirs = new ArrayList<>();
    cacheDirs.forEach(d -> dirs.add(d.resolve(uuid)));
    long memory = dirs.isEmpty() && cacheSize > 0 ? cacheSize : Math.min(bufferSize, 256L << 20);
    return new ChunkConfig(blockSize, bufferSize, uploadThreads, downloadThreads, dirs, dirs.isEmpty() ? 0 : cacheSize, freeSpaceRatio,
        cacheOnWrite, memory, writeback, stagingLimit, uploadDelay, cacheMode, cacheEncrypted);
  }

  /** Collects settings; {@link #build} checks nothing the chunk store does not check at open. */
  public static final class Builder {
    private List<Path> cacheDirs = List.of(Path.of(home(), ".nectar", "cache"));
    private long cacheSize = 100L << 30;
    private double freeSpaceRatio = 0.1;
    private boolean cacheOnWrite;
    private long bufferSize = 300L << 20;
    private boolean writeback;
    private long stagingLimit = 10L << 30;
    private Duration uploadDelay = Duration.ZERO;
    private int uploadThreads = 20;
    private int downloadThreads = 8;
    private int cacheMode = ChunkConfig.DEFAULT_CACHE_MODE;
    private boolean cacheEncrypted;

    private Builder() {}

    /** {@code $HOME} (what the user set), else the account's home directory. */
    private static String home() {
      String h = System.getenv("HOME");
      return h == null || h.isBlank() ? System.getProperty("user.home") : h;
    }

    /** Disk cache directories (a subdirectory per volume is made in each); empty: memory only. */
    public Builder cacheDirs(List<Path> dirs) {
      cacheDirs = List.copyOf(dirs);
      return this;
    }

    /** Limit of the disk cache over all directories, or of the memory cache without directories. */
    public Builder cacheSize(long bytes) {
      cacheSize = bytes;
      return this;
    }

    /** Keep this fraction of each cache file system free. */
    public Builder freeSpaceRatio(double ratio) {
      freeSpaceRatio = ratio;
      return this;
    }

    /** Also cache blocks as they are written. */
    public Builder cacheOnWrite(boolean on) {
      cacheOnWrite = on;
      return this;
    }

    /** Memory for write buffers and read-ahead; writers wait when it is spent. */
    public Builder bufferSize(long bytes) {
      bufferSize = bytes;
      return this;
    }

    /** Stage written blocks in the first cache directory and upload them in the background. */
    public Builder writeback(boolean on) {
      writeback = on;
      return this;
    }

    /** With writeback: staged bytes before writers wait for uploads. */
    public Builder stagingLimit(long bytes) {
      stagingLimit = bytes;
      return this;
    }

    /** With writeback: how long a staged block waits before its upload. */
    public Builder uploadDelay(Duration d) {
      uploadDelay = d;
      return this;
    }

    public Builder uploadThreads(int n) {
      uploadThreads = n;
      return this;
    }

    /** Concurrent downloads for read-ahead and cache fills. */
    public Builder downloadThreads(int n) {
      downloadThreads = n;
      return this;
    }

    /** Mode of cache and staging files (at least 0600), and whether cached blocks are encrypted on disk. */
    public Builder cacheMode(int mode, boolean encrypted) {
      cacheMode = mode;
      cacheEncrypted = encrypted;
      return this;
    }

    public CacheOptions build() {
      return new CacheOptions(this);
    }
  }
}
