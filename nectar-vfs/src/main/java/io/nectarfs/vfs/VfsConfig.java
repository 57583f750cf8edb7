package io.nectarfs.vfs;

import java.time.Duration;

/**
 * Runtime settings of the VFS.
 *
 * @param readAheadMax largest read-ahead window in bytes (0: none)
 * @param flushIdle written data idle this long is committed in the background
 * @param flushMaxAge written data older than this is committed in the background
 * @param compactThreshold a chunk with this many slices is compacted in the background (0: never)
 * @param attrCache how long the reader trusts cached attributes and slice lists of an open file
 *     (close-to-open: they are refreshed at every open)
 * @param internalFiles whether {@code /.stats} and {@code /.config} exist
 * @param atimeMode when reading updates access times
 * @param cachedInodes most inodes whose attributes, slice lists and page-cache state this client
 *     keeps (Caffeine's policy picks what goes; a dropped entry is read again from the metadata)
 * @param cachedBytes most bytes (estimated heap) that cache holds: slice lists of fragmented or
 *     large files weigh more than an inode's attributes
 * @param closeDurable whether close (and the flush of a close) makes written data durable (the
 *     default); false ({@code --durability fsync}): only fsync, fsyncdir and O_SYNC/O_DSYNC writes
 *     do, as on a local file system; a close still commits, objects are still durable before the
 *     commit that refers to them, so a crash loses recent un-fsynced changes, never data a record
 *     points to
 */
public record VfsConfig(long readAheadMax, Duration flushIdle, Duration flushMaxAge, int compactThreshold, Duration attrCache, boolean internalFiles,
    AtimeMode atimeMode, int cachedInodes, long cachedBytes, boolean closeDurable) {
  /** Default of {@link #cachedInodes}: a few hundred bytes each, tens of MB in all. */
  public static final int DEFAULT_CACHED_INODES = 100_000;
  /** Default of {@link #cachedBytes}. */
  public static final long DEFAULT_CACHED_BYTES = 64L << 20;

  public VfsConfig(long readAheadMax, Duration flushIdle, Duration flushMaxAge, int compactThreshold, Duration attrCache, boolean internalFiles) {
    this(readAheadMax, flushIdle, flushMaxAge, compactThreshold, attrCache, internalFiles, AtimeMode.NOATIME);
  }

  public VfsConfig(long readAheadMax, Duration flushIdle, Duration flushMaxAge, int compactThreshold, Duration attrCache, boolean internalFiles,
      AtimeMode atimeMode) {
    this(readAheadMax, flushIdle, flushMaxAge, compactThreshold, attrCache, internalFiles, atimeMode, DEFAULT_CACHED_INODES, DEFAULT_CACHED_BYTES);
  }

  public VfsConfig(long readAheadMax, Duration flushIdle, Duration flushMaxAge, int compactThreshold, Duration attrCache, boolean internalFiles,
      AtimeMode atimeMode, int cachedInodes, long cachedBytes) {
    this(readAheadMax, flushIdle, flushMaxAge, compactThreshold, attrCache, internalFiles, atimeMode, cachedInodes, cachedBytes, true);
  }

  public VfsConfig {
    if (atimeMode == null) {
      throw new IllegalArgumentException("atime mode must be given");
    }
    if (cachedInodes < 1) {
      throw new IllegalArgumentException("cached inodes must be at least 1, got " + cachedInodes);
    }
    if (cachedBytes < cachedInodes) {
      throw new IllegalArgumentException("cached bytes must be at least the cached inodes (" + cachedInodes + "), got " + cachedBytes);
    }
  }

  public static VfsConfig defaults() {
    return new VfsConfig(64L << 20, Duration.ofSeconds(1), Duration.ofSeconds(5), 40, Duration.ofSeconds(1), true);
  }

  /** Whether {@code /.stats}, {@code /.config} and {@code /.accesslog} (with its layer) exist. */
  public VfsConfig withInternalFiles(boolean on) {
    return new VfsConfig(readAheadMax, flushIdle, flushMaxAge, compactThreshold, attrCache, on, atimeMode, cachedInodes, cachedBytes, closeDurable);
  }

  public VfsConfig withCompactThreshold(int n) {
    return new VfsConfig(readAheadMax, flushIdle, flushMaxAge, n, attrCache, internalFiles, atimeMode, cachedInodes, cachedBytes, closeDurable);
  }

  public VfsConfig withAttrCache(Duration d) {
    return new VfsConfig(readAheadMax, flushIdle, flushMaxAge, compactThreshold, d, internalFiles, atimeMode, cachedInodes, cachedBytes, closeDurable);
  }

  public VfsConfig withAtimeMode(AtimeMode m) {
    return new VfsConfig(readAheadMax, flushIdle, flushMaxAge, compactThreshold, attrCache, internalFiles, m, cachedInodes, cachedBytes, closeDurable);
  }

  public VfsConfig withCachedInodes(int n) {
    return new VfsConfig(readAheadMax, flushIdle, flushMaxAge, compactThreshold, attrCache, internalFiles, atimeMode, n, cachedBytes, closeDurable);
  }

  public VfsConfig withCachedBytes(long n) {
    return new VfsConfig(readAheadMax, flushIdle, flushMaxAge, compactThreshold, attrCache, internalFiles, atimeMode, cachedInodes, n, closeDurable);
  }

  /** See {@link #closeDurable}. */
  public VfsConfig withCloseDurable(boolean on) {
    return new VfsConfig(readAheadMax, flushIdle, flushMaxAge, compactThreshold, attrCache, internalFiles, atimeMode, cachedInodes, cachedBytes, on);
  }
}
