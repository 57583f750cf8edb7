package io.nectarfs.chunk;

import io.nectarfs.common.Ctx;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Slices stored as blocks in an object store, with the local caches in front of it. A slice is
 * one continuous write of at most 64 MiB, cut into blocks of {@link #blockSize()} bytes (the last
 * one shorter); block {@code i} of slice {@code id} whose full length is {@code size} lives at
 * {@link BlockKeys#key(long, int, int)}.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Blocks are immutable: an id is written once (by one {@link SliceWriter}) and never again.
 *   <li>{@link #read} returns exactly the stored bytes or fails: damaged cache files are dropped and
 *       the block fetched again; damaged objects give {@link io.nectarfs.object.CorruptObjectException}.
 *   <li>Concurrent reads of one block fetch it from the object store once.
 *   <li>Failures of the object store are retried by the store's retry layer; what still fails is an
 *       {@link IOException} (the VFS answers EIO).
 *   <li>Thread-safe.
 * </ul>
 */
public interface ChunkStore extends AutoCloseable {
  /** The block size of the volume (a power of two from 64 KiB to 16 MiB). */
  int blockSize();

  /** A writer for the new slice {@code sliceId}. */
  SliceWriter newWriter(long sliceId);

  /**
   * Reads bytes {@code [off, off + dst.remaining())} of slice {@code (sliceId, size)} into {@code
   * dst} (advancing its position) and returns how many were read: fewer only at the end of the
   * slice.
   */
  int read(long sliceId, int size, int off, ByteBuffer dst) throws IOException;

  /**
   * {@link #read(long, int, int, ByteBuffer)} for an operation of {@code ctx}: {@code
   * ctx.checkCancelled()} before each object request and between its retries, and a wait for
   * another reader's fetch of the same block wakes when {@code ctx} is cancelled (the shared fetch
   * goes on for the others). A request already sent completes. On EINTR or ETIMEDOUT {@code dst}'s
   * position is unchanged.
   */
  default int read(Ctx ctx, long sliceId, int size, int off, ByteBuffer dst) throws IOException {
    ctx.checkCancelled();
    return read(sliceId, size, off, dst);
  }

  /**
   * Starts fetching the blocks covering {@code [off, off + len)} into the cache, without waiting.
   * Returns how many bytes from {@code off} are now cached, being fetched or queued: {@code len}
   * when all of them (or when there is nothing to do); less when the download queue or the
   * read-ahead memory is full, and then the caller asks again later for the rest.
   */
  int prefetch(long sliceId, int size, int off, int len);

  /**
   * Loads every block of the slice into the local disk cache (or writeback staging; the memory
   * cache when there is no disk cache) and waits until each is written there (warm-up: nothing is
   * left in a background queue that could drop it). Returns how many blocks are not there when it
   * returns (the slice is larger than the cache, which evicts its first blocks; the cache is below
   * its free-space floor; a cache write failed); 0 means every block is local (until later reads
   * or warm-ups evict it). A store without caches caches nothing and returns 0.
   */
  int fillCache(long sliceId, int size) throws IOException;

  /**
   * Whether every block of the slice is in this client's local caches (memory, disk or writeback
   * staging), so that reading it now needs no object request. Advisory: a block may be evicted
   * right after. False for a store without caches.
   */
  default boolean cachedLocally(long sliceId, int size) {
    return false;
  }

  /**
   * A private directory (mode 0700) on the disk cache's file system where this client may keep
   * plain-text copies of whole files assembled from cached blocks (FUSE passthrough), with the
   * number of bytes it may use there; empty without a disk cache or when the cache is encrypted
   * (plain copies would defeat it).
   */
  default java.util.Optional<LocalArea> localArea() {
    return java.util.Optional.empty();
  }

  /** See {@link #localArea()}. */
  record LocalArea(java.nio.file.Path dir, long limit) {}

  /**
   * Serving a cache group (this client owns the block): bytes {@code [off, off + len)} of block
   * {@code key} (a {@link BlockKeys#key block key}) whose full length is {@code blockLen}, from the
   * local caches (memory, writeback staging, disk). A block that is not cached is fetched whole from
   * the object store, once however many local readers and peers want it at the same time, and kept
   * in the disk cache (whatever {@link ChunkConfig#cacheOnRead()} says) before the range is
   * answered; the {@link BlockSource} is never asked (this member is the owner).
   *
   * <p>Returns null when the block is not cached and the disk cache takes no new blocks (below
   * its free-space floor, a directory resting after a failure, no disk cache): the member serves
   * what it has and fetches nothing new, counted in {@code
   * nectar_chunk_peer_refused_total{reason}} and logged once per episode.
   *
   * @throws IOException {@link io.nectarfs.common.Errno#EINVAL} when {@code key} is not the block
   *     key of a slice (a peer must not read other objects, such as the volume's format) or the
   *     range is outside the block; failures of the object store; EINTR/ETIMEDOUT of {@code ctx}
   * @throws UnsupportedOperationException for a store without caches (the default)
   */
  default byte[] readBlock(Ctx ctx, String key, int blockLen, int off, int len) throws IOException {
    throw new UnsupportedOperationException("this chunk store has no cache to serve blocks from");
  }

  /**
   * Whether block {@code key} is in the local caches (memory, writeback staging, disk). Advisory:
   * it may be evicted right after. False for a store without caches (the default).
   *
   * @throws IOException {@link io.nectarfs.common.Errno#EINVAL} as {@link #readBlock}
   */
  default boolean hasBlock(String key, int blockLen) throws IOException {
    return false;
  }

  /**
   * Makes block {@code key} local on disk (fetched from the object store when missing, never from
   * the {@link BlockSource}) and waits until it is written, as {@link #fillCache} does for each
   * block of a slice. False when it could not be kept (no disk cache, the disk cache takes no new
   * blocks, the write failed); a store without caches (the default) keeps nothing.
   *
   * @throws IOException {@link io.nectarfs.common.Errno#EINVAL} as {@link #readBlock}; failures of
   *     the object store; EINTR/ETIMEDOUT of {@code ctx}
   */
  default boolean warmBlock(Ctx ctx, String key, int blockLen) throws IOException {
    return false;
  }

  /**
   * Keeps {@code block}, the whole block {@code key} another cache group member fetched for this
   * one, on disk as {@link #warmBlock} would; false when it could not be kept (as warmBlock).
   *
   * @throws IOException {@link io.nectarfs.common.Errno#EINVAL} as {@link #readBlock}, or when
   *     {@code block} is not {@code blockLen} bytes
   */
  default boolean keepBlock(String key, int blockLen, byte[] block) throws IOException {
    return false;
  }

  /**
   * Drops block {@code key} from the memory and disk caches (a cache group's {@code warmup
   * --evict}); answers whether either held it. A staged block (writeback, not yet uploaded) stays:
   * it is the only copy. False for a store without caches (the default).
   *
   * @throws IOException {@link io.nectarfs.common.Errno#EINVAL} as {@link #readBlock}
   */
  default boolean evictBlock(String key, int blockLen) throws IOException {
    return false;
  }

  /**
   * Re-reads the local disk cache in the background, for a process that took over a mount whose
   * predecessor kept caching into the same directories after this store opened: their blocks are
   * then counted against the cache size, and those it evicted are forgotten. Returns at once;
   * nothing for a store without a disk cache (the default).
   */
  default void rescanLocalCache() {}

  /** Deletes every block of the slice from the object store and the caches. Idempotent. */
  void remove(long sliceId, int size) throws IOException;

  /** Counters for {@code .stats} and metrics. */
  ChunkStats stats();

  /** Waits for background uploads (writeback) to finish or fail; then closes caches and threads. */
  @Override
  void close() throws IOException;
}
