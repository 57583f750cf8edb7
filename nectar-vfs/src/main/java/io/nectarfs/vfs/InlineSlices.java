package io.nectarfs.vfs;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.nectarfs.chunk.ChunkStats;
import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.chunk.SliceWriter;
import io.nectarfs.common.Ctx;
import io.nectarfs.meta.Committed;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.Slice;
import io.nectarfs.object.StoredForm;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A chunk store that also serves inline slices ({@link Slice#INLINE}): small files whose data
 * lives in the metadata, in the {@link StoredForm} the object store stack would give it. Reads of
 * an inline slice fetch its stored bytes from the metadata once and keep the decoded bytes in a
 * small memory cache (slice ids are never reused, so nothing there goes stale); read-ahead,
 * warm-up and removal have nothing to do for them (the metadata deletes the data with the last
 * reference). Everything else goes to the chunk store below, which this one owns.
 *
 * <p>{@link #commit} is where a file writer puts a finished small slice into the metadata instead
 * of the object store.
 *
 * <p>Concurrency: thread-safe; the cache is a Caffeine cache (maintenance on the calling thread, no
 * pool) bounded by {@link #CACHE_BYTES} of decoded bytes (two readers that miss together may both read the metadata: same bytes).
 */
final class InlineSlices implements ChunkStore {
  /** Bytes of decoded inline slices kept in memory. */
  static final long CACHE_BYTES = 32L << 20;

  private final Meta meta;
  private final ChunkStore next;
  private final StoredForm form;
  private final int limit;
  // Maintenance on the calling thread: Caffeine's default hands it to the common pool after every
  // put, and waking a pool thread cost a third of a small file's flush on a busy machine.
  private final Cache<Long, byte[]> cache = Caffeine.newBuilder().maximumWeight(CACHE_BYTES)
      .weigher((Long id, byte[] b) -> b.length).executor(Runnable::run).build();

  InlineSlices(Meta meta, ChunkStore next, StoredForm form, int limit) {
    this.meta = meta;
    this.next = next;
    this.form = form;
    this.limit = limit;
  }

  /** The volume's inline size: a flush of a file no longer than this puts its slices inline. */
  int limit() {
    return limit;
  }

  /** Whether {@link #commit} may put this slice inline (it still refuses when part of it was stored). */
  boolean mayTake(int index, int pos, int len, long fileEnd) {
    return limit > 0 && index == 0 && len > 0 && fileEnd <= limit && (long) pos + len <= limit;
  }

  /**
   * Commits slice {@code w} ({@code len} bytes at {@code pos} of chunk {@code index}) inline when
   * the file ends at most {@link #limit()} bytes after it and none of the slice was stored yet;
   * then the writer is aborted (nothing to delete) and what the commit left returned. {@link
   * Committed#NOT_INLINED}: nothing was committed, the caller finishes and commits the slice as
   * usual.
   */
  Committed commit(Ctx ctx, long ino, int index, int pos, SliceWriter w, int len, long fileEnd, long mtime) throws IOException {
    if (!mayTake(index, pos, len, fileEnd)) {
      return Committed.NOT_INLINED;
    }
    byte[] plain = w.unstoredBytes(len);
    if (plain == null) {
      return Committed.NOT_INLINED;
    }
    long id = w.id() | Slice.INLINE;
    Committed done = meta.writeInline(ctx, ino, index, new Slice(pos, id, len, 0, len), form.encode(plain), mtime);
    if (!done.done()) {
      return done; // the committed file is longer than the inline size
    }
    w.abort();
    cache.put(id, plain);
    return done;
  }

  private byte[] bytes(Ctx ctx, long id, int size) throws IOException {
    byte[] b = cache.getIfPresent(id);
    if (b == null) {
      byte[] stored;
      try {
        stored = meta.readInline(ctx, id);
      } catch (io.nectarfs.common.FsException e) {
        if (e.errno() != io.nectarfs.common.Errno.EIO) {
          throw e;
        }
        // freed: as a missing object, so the reader checks whether its slice list was stale
        throw (java.nio.file.NoSuchFileException) new java.nio.file.NoSuchFileException("inline slice " + Long.toHexString(id), null, e.getMessage()).initCause(e);
      }
      b = form.decode(stored);
      if (b.length != size) {
        throw new io.nectarfs.object.CorruptObjectException("inline slice " + Long.toHexString(id), "holds " + b.length + " bytes, its records say " + size);
      }
      cache.put(id, b);
    }
    return b;
  }

  @Override
  public int blockSize() {
    return next.blockSize();
  }

  @Override
  public SliceWriter newWriter(long sliceId) {
    return next.newWriter(sliceId);
  }

  @Override
  public int read(long sliceId, int size, int off, ByteBuffer dst) throws IOException {
    return read(Ctx.ROOT, sliceId, size, off, dst);
  }

  @Override
  public int read(Ctx ctx, long sliceId, int size, int off, ByteBuffer dst) throws IOException {
    if (!Slice.isInline(sliceId)) {
      return next.read(ctx, sliceId, size, off, dst);
    }
    byte[] b = bytes(ctx, sliceId, size);
    int n = Math.max(0, Math.min(dst.remaining(), size - off));
    dst.put(b, off, n);
    return n;
  }

  @Override
  public int prefetch(long sliceId, int size, int off, int len) {
    return Slice.isInline(sliceId) ? len : next.prefetch(sliceId, size, off, len);
  }

  @Override
  public int fillCache(long sliceId, int size) throws IOException {
    return Slice.isInline(sliceId) ? 0 : next.fillCache(sliceId, size); // in the metadata: as near as it gets
  }

  @Override
  public boolean cachedLocally(long sliceId, int size) {
    return Slice.isInline(sliceId) || next.cachedLocally(sliceId, size);
  }

  @Override
  public byte[] readBlock(Ctx ctx, String key, int blockLen, int off, int len) throws IOException {
    return next.readBlock(ctx, key, blockLen, off, len); // block keys name stored blocks, never inline slices
  }

  @Override
  public boolean hasBlock(String key, int blockLen) throws IOException {
    return next.hasBlock(key, blockLen);
  }

  @Override
  public boolean warmBlock(Ctx ctx, String key, int blockLen) throws IOException {
    return next.warmBlock(ctx, key, blockLen);
  }

  @Override
  public boolean keepBlock(String key, int blockLen, byte[] block) throws IOException {
    return next.keepBlock(key, blockLen, block);
  }

  @Override
  public boolean evictBlock(String key, int blockLen) throws IOException {
    return next.evictBlock(key, blockLen);
  }

  @Override
  public Optional<LocalArea> localArea() {
    return next.localArea();
  }

  @Override
  public void rescanLocalCache() {
    next.rescanLocalCache();
  }

  @Override
  public void remove(long sliceId, int size) throws IOException {
    if (!Slice.isInline(sliceId)) {
      next.remove(sliceId, size); // inline data goes with the transaction that frees the slice
    }
  }

  @Override
  public ChunkStats stats() {
    return next.stats();
  }

  @Override
  public void close() throws IOException {
    next.close();
  }
}
