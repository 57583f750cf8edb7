package io.nectarfs.chunk;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runtime settings of the chunk store.
 *
 * @param blockSize block size of the volume (from its format)
 * @param bufferSize memory budget for write buffers and read-ahead (writes block above it)
 * @param uploadThreads concurrent block uploads
 * @param downloadThreads concurrent block downloads (prefetch)
 * @param cacheDirs local disk cache directories (empty: no disk cache)
 * @param cacheSize disk cache limit in bytes (over all directories)
 * @param freeSpaceRatio keep at least this fraction of each cache file system free
 * @param cacheOnWrite also cache blocks as they are written
 * @param memoryCacheSize an in-memory block cache (0: none); used alone when there are no cache dirs
 * @param writeback stage blocks on local disk and upload in the background
 * @param stagingLimit bytes of staged blocks before writes wait for uploads
 * @param uploadDelay with writeback, wait this long before uploading a staged block
 * @param cacheMode permission bits of cache and staging files (default 0600; must include 0600);
 *     their directories get the same bits plus search where read is granted (0600 → 0700)
 * @param cacheEncrypted keep cached blocks encrypted on disk with a key that lives only in this
 *     process (see {@link CacheCipher}); staged writeback blocks stay plaintext
 * @param rangedReads the object store serves a range of a block for the cost of that range (false
 *     when compression or encryption makes every ranged GET read and decode the whole object): when
 *     false, a small read of an uncached block fetches and caches the whole block, since it costs
 *     that anyway
 * @param cacheOnRead write blocks fetched by reads and read-ahead into the disk cache (the memory
 *     cache takes them either way); false when the object store is a directory on the disk cache's
 *     own device, where a cached copy costs a second write of every block read and saves nothing.
 *     Warm-up ({@link ChunkStore#fillCache}) always caches
 */
public record ChunkConfig(int blockSize, long bufferSize, int uploadThreads, int downloadThreads, List<Path> cacheDirs, long cacheSize,
    double freeSpaceRatio, boolean cacheOnWrite, long memoryCacheSize, boolean writeback, long stagingLimit, Duration uploadDelay,
    int cacheMode, boolean cacheEncrypted, boolean rangedReads, boolean cacheOnRead) {
  /** The default mode of cache files: readable by their owner only. */
  public static final int DEFAULT_CACHE_MODE = 0600;

  public ChunkConfig {
    cacheDirs = List.copyOf(cacheDirs);
  }

  /** A configuration caching what it reads. */
  public ChunkConfig(int blockSize, long bufferSize, int uploadThreads, int downloadThreads, List<Path> cacheDirs, long cacheSize,
      double freeSpaceRatio, boolean cacheOnWrite, long memoryCacheSize, boolean writeback, long stagingLimit, Duration uploadDelay,
      int cacheMode, boolean cacheEncrypted, boolean rangedReads) {
    this(blockSize, bufferSize, uploadThreads, downloadThreads, cacheDirs, cacheSize, freeSpaceRatio, cacheOnWrite, memoryCacheSize, writeback,
        stagingLimit, uploadDelay, cacheMode, cacheEncrypted, rangedReads, true);
  }

  /** A configuration over a store with cheap ranged reads. */
  public ChunkConfig(int blockSize, long bufferSize, int uploadThreads, int downloadThreads, List<Path> cacheDirs, long cacheSize,
      double freeSpaceRatio, boolean cacheOnWrite, long memoryCacheSize, boolean writeback, long stagingLimit, Duration uploadDelay,
      int cacheMode, boolean cacheEncrypted) {
    this(blockSize, bufferSize, uploadThreads, downloadThreads, cacheDirs, cacheSize, freeSpaceRatio, cacheOnWrite, memoryCacheSize, writeback,
        stagingLimit, uploadDelay, cacheMode, cacheEncrypted, true);
  }

  /** A configuration with private (0600), unencrypted cache files. */
  public ChunkConfig(int blockSize, long bufferSize, int uploadThreads, int downloadThreads, List<Path> cacheDirs, long cacheSize,
      double freeSpaceRatio, boolean cacheOnWrite, long memoryCacheSize, boolean writeback, long stagingLimit, Duration uploadDelay) {
    this(blockSize, bufferSize, uploadThreads, downloadThreads, cacheDirs, cacheSize, freeSpaceRatio, cacheOnWrite, memoryCacheSize, writeback,
        stagingLimit, uploadDelay, DEFAULT_CACHE_MODE, false);
  }

  /** This configuration with another cache file mode and encryption choice. */
  public ChunkConfig withCacheMode(int mode, boolean encrypted) {
    return new ChunkConfig(blockSize, bufferSize, uploadThreads, downloadThreads, cacheDirs, cacheSize, freeSpaceRatio, cacheOnWrite,
        memoryCacheSize, writeback, stagingLimit, uploadDelay, mode, encrypted, rangedReads, cacheOnRead);
  }

  /** This configuration with {@link #cacheOnWrite()} set to {@code on}. */
  public ChunkConfig withCacheOnWrite(boolean on) {
    return new ChunkConfig(blockSize, bufferSize, uploadThreads, downloadThreads, cacheDirs, cacheSize, freeSpaceRatio, on, memoryCacheSize,
        writeback, stagingLimit, uploadDelay, cacheMode, cacheEncrypted, rangedReads, cacheOnRead);
  }

  /** This configuration with another memory budget. */
  public ChunkConfig withBufferSize(long bytes) {
    return new ChunkConfig(blockSize, bytes, uploadThreads, downloadThreads, cacheDirs, cacheSize, freeSpaceRatio, cacheOnWrite, memoryCacheSize,
        writeback, stagingLimit, uploadDelay, cacheMode, cacheEncrypted, rangedReads, cacheOnRead);
  }

  /** This configuration with {@link #rangedReads()} set to {@code cheap}. */
  public ChunkConfig withRangedReads(boolean cheap) {
    return new ChunkConfig(blockSize, bufferSize, uploadThreads, downloadThreads, cacheDirs, cacheSize, freeSpaceRatio, cacheOnWrite,
        memoryCacheSize, writeback, stagingLimit, uploadDelay, cacheMode, cacheEncrypted, cheap, cacheOnRead);
  }

  /** This configuration with {@link #cacheOnRead()} set to {@code on}. */
  public ChunkConfig withCacheOnRead(boolean on) {
    return new ChunkConfig(blockSize, bufferSize, uploadThreads, downloadThreads, cacheDirs, cacheSize, freeSpaceRatio, cacheOnWrite,
        memoryCacheSize, writeback, stagingLimit, uploadDelay, cacheMode, cacheEncrypted, rangedReads, on);
  }

  /** Memory only: no disk cache, no writeback. */
  public static ChunkConfig inMemory(int blockSize) {
    return new ChunkConfig(blockSize, 300L << 20, 20, 10, List.of(), 0, 0.1, false, 256L << 20, false, 0, Duration.ZERO);
  }
}
