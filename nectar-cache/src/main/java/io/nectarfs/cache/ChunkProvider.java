package io.nectarfs.cache;

import io.nectarfs.chunk.ChunkStats;
import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import java.io.IOException;

/**
 * A member's share of the group served from its chunk store ({@link ChunkStore#readBlock} and
 * friends: memory, staging, disk, else the object store once, kept on disk). A full cache answers
 * what it has; a block it would have to fetch is ENOSPC, on which the asking reader goes to the
 * object store itself.
 *
 * <p>Thread-safe: the chunk store is.
 */
final class ChunkProvider implements BlockProvider {
  private final ChunkStore chunks;
  private final long capacity;

  ChunkProvider(ChunkStore chunks, long capacity) {
    this.chunks = chunks;
    this.capacity = capacity;
  }

  @Override
  public byte[] read(Ctx ctx, String key, int blockLen, int off, int len) throws IOException {
    byte[] b = chunks.readBlock(ctx, key, blockLen, off, len);
    if (b == null) {
      throw Errno.ENOSPC.exception("this member's cache takes no new blocks (full or below its free-space floor): it serves only the blocks it has");
    }
    return b;
  }

  @Override
  public boolean has(String key, int blockLen) {
    try {
      return chunks.hasBlock(key, blockLen);
    } catch (IOException e) {
      return false; // not a block key of this volume: not cached here
    }
  }

  @Override
  public void warm(Ctx ctx, String key, int blockLen) throws IOException {
    if (!chunks.warmBlock(ctx, key, blockLen)) {
      throw Errno.ENOSPC.exception("this member's cache takes no new blocks (full or below its free-space floor)");
    }
  }

  @Override
  public void keep(Ctx ctx, String key, int blockLen, byte[] block) throws IOException {
    if (!chunks.keepBlock(key, blockLen, block)) {
      throw Errno.ENOSPC.exception("this member's cache takes no new blocks (full or below its free-space floor)");
    }
  }

  @Override
  public boolean evict(String key, int blockLen) throws IOException {
    return chunks.evictBlock(key, blockLen);
  }

  @Override
  public Stats stats() {
    ChunkStats s = chunks.stats();
    return new Stats(s.cacheBlocks(), s.cacheBytes(), capacity);
  }
}
