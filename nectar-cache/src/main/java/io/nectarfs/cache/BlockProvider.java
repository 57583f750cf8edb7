package io.nectarfs.cache;

import io.nectarfs.common.Ctx;
import java.io.IOException;

/**
 * What a member's {@link PeerServer} serves: its share of the group's blocks. Implemented by the
 * chunk store's adapter (its disk cache in front of the object store); the server only calls it.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>A block is named by its object key and its length {@code blockLen} (the length is part of
 *       the name: the same key always has the same length).
 *   <li>{@link #read} returns exactly {@code len} bytes of the block from {@code off}, in their
 *       stored form (as the object store holds them: compressed or encrypted blocks stay so). A
 *       block missing from the member's cache is the provider's business: it fetches it from the
 *       object store (once, however many peers ask at the same time) and keeps it.
 *   <li>The returned array belongs to the server until it is sent; the provider must not change
 *       it afterwards.
 *   <li>Missing objects are {@link java.nio.file.NoSuchFileException}, damaged ones {@link
 *       io.nectarfs.object.CorruptObjectException}, a full cache that cannot take a block an
 *       {@link io.nectarfs.common.FsException} ENOSPC; the server sends the errno to the client.
 *   <li>{@link #has} never fetches and never blocks on I/O longer than a disk stat.
 *   <li>Implementations are thread-safe: the server calls them from many threads at once (one
 *       virtual thread per request), and stops at {@code ctx}'s deadline when one is set.
 * </ul>
 */
public interface BlockProvider {
  /** The bytes {@code [off, off + len)} of block {@code key} of length {@code blockLen}. */
  byte[] read(Ctx ctx, String key, int blockLen, int off, int len) throws IOException;

  /** Whether the block is in this member's cache now. */
  boolean has(String key, int blockLen);

  /** Brings the block into this member's cache (no-op when it is there). */
  void warm(Ctx ctx, String key, int blockLen) throws IOException;

  /**
   * Keeps {@code block}, the whole block {@code key} of length {@code blockLen} that another member
   * fetched for this one (a warm-up spreading the fetching over the group), as {@link #warm} would
   * have. A full cache is ENOSPC; a block of the wrong length EINVAL.
   */
  void keep(Ctx ctx, String key, int blockLen, byte[] block) throws IOException;

  /**
   * Drops the block from this member's caches; answers whether it was cached. A block written but
   * not yet uploaded (writeback staging) stays: it is the only copy.
   */
  boolean evict(String key, int blockLen) throws IOException;

  /** The cache's state. */
  Stats stats();

  /**
   * A member's cache at one moment.
   *
   * @param blocks blocks cached
   * @param bytes bytes cached
   * @param capacity the cache's capacity in bytes
   */
  record Stats(long blocks, long bytes, long capacity) {}
}
