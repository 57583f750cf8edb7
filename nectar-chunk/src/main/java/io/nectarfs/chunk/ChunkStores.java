package io.nectarfs.chunk;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Metrics;
import io.nectarfs.object.ObjectStore;
import java.io.IOException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Opens {@link ChunkStore}s. */
public final class ChunkStores {
  private ChunkStores() {}

  /**
   * A chunk store over {@code store} (already decorated by {@code ObjectStores.open}: prefix,
   * compression, encryption, checksums, retries). The chunk store does not own {@code store}: its
   * {@link ChunkStore#close()} leaves the object store open.
   *
   * <p>With cache directories it scans them to rebuild the cache index and, with writeback, finds
   * blocks staged before a crash and queues them for upload, before returning.
   *
   * @throws IllegalArgumentException if the configuration is invalid
   * @throws IOException if the writeback staging directory cannot be created or scanned
   */
  public static ChunkStore open(ObjectStore store, ChunkConfig config) throws IOException {
    return open(store, config, Clock.SYSTEM);
  }

  /**
   * The same with the clock that decides writeback upload delays and when a failed cache
   * directory is tried again (tests inject one).
   */
  public static ChunkStore open(ObjectStore store, ChunkConfig config, Clock clock) throws IOException {
    return open(store, config, clock, Metrics.create());
  }

  /** The same, registering the chunk store's meters (cache, read-ahead, staging) in {@code metrics}. */
  public static ChunkStore open(ObjectStore store, ChunkConfig config, Clock clock, Metrics metrics) throws IOException {
    return open(store, config, clock, metrics, null);
  }

  /**
   * The same, asking {@code source} for blocks after the local caches and before the object store
   * (a cache group's owning member; see {@link BlockSource}); null: no source. {@code clock} also
   * times the source's {@link BlockSource#timeout()}.
   */
  public static ChunkStore open(ObjectStore store, ChunkConfig config, Clock clock, Metrics metrics, BlockSource source) throws IOException {
    validate(config);
    return new CachedChunkStore(store, config, clock, metrics, source);
  }

  static void validate(ChunkConfig c) {
    int bs = c.blockSize();
    if (bs < (4 << 10) || bs > (16 << 20) || Integer.bitCount(bs) != 1) {
      throw new IllegalArgumentException("block size must be a power of two from 4 KiB to 16 MiB, got " + bs);
    }
    if (c.uploadThreads() < 1 || c.downloadThreads() < 1) {
      throw new IllegalArgumentException("uploadThreads and downloadThreads must be at least 1");
    }
    if (c.bufferSize() < 1 || c.cacheSize() < 0 || c.memoryCacheSize() < 0 || c.stagingLimit() < 0) {
      throw new IllegalArgumentException("bufferSize must be positive; cache and staging sizes must not be negative");
    }
    if (!(c.freeSpaceRatio() >= 0 && c.freeSpaceRatio() < 1)) {
      throw new IllegalArgumentException("freeSpaceRatio must be in [0, 1), got " + c.freeSpaceRatio());
    }
    if ((c.cacheMode() & ~0777) != 0 || (c.cacheMode() & 0600) != 0600) {
      throw new IllegalArgumentException("cache mode must be an octal mode from 600 to 777 that lets the owner read and write, got 0"
          + Integer.toOctalString(c.cacheMode()));
    }
    if (c.uploadDelay() == null || c.uploadDelay().isNegative()) {
      throw new IllegalArgumentException("uploadDelay must not be negative");
    }
  }

  /** Daemon threads named {@code prefix-N}. */
  static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
