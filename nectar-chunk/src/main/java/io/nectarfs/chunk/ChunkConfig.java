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
 */
public record ChunkConfig(int blockSize, long bufferSize, int uploadThreads, int downloadThreads, List<Path> cacheDirs, long cacheSize,
    double freeSpaceRatio, boolean cacheOnWrite, long memoryCacheSize, boolean writeback, long stagingLimit, Duration uploadDelay) {
  public ChunkConfig {
    cacheDirs = List.copyOf(cacheDirs);
  }

  /** This configuration with {@link #cacheOnWrite()} set to {@code on}. */
  public ChunkConfig withCacheOnWrite(boolean on) {
    return new ChunkConfig(blockSize, bufferSize, uploadThreads, downloadThreads, cacheDirs, cacheSize, freeSpaceRatio, on, memoryCacheSize,
        writeback, stagingLimit, uploadDelay);
  }

  /** This configuration with another memory budget. */
  public ChunkConfig withBufferSize(long bytes) {
    return new ChunkConfig(blockSize, bytes, uploadThreads, downloadThreads, cacheDirs, cacheSize, freeSpaceRatio, cacheOnWrite, memoryCacheSize,
        writeback, stagingLimit, uploadDelay);
  }

  /** Memory only: no disk cache, no writeback. */
  public static ChunkConfig inMemory(int blockSize) {
    return new ChunkConfig(blockSize, 300L << 20, 20, 10, List.of(), 0, 0.1, false, 256L << 20, false, 0, Duration.ZERO);
  }
}
