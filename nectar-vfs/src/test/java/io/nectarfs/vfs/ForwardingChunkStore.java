package io.nectarfs.vfs;

import io.nectarfs.chunk.ChunkStats;
import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.chunk.SliceWriter;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A {@link ChunkStore} that passes every call to {@code inner}; tests override the calls they
 * count or hold. The interface's defaults stay defaults (a cancellable read goes through {@link
 * #read(long, int, int, ByteBuffer)}, so an override there sees every read).
 */
abstract class ForwardingChunkStore implements ChunkStore {
  final ChunkStore inner;

  ForwardingChunkStore(ChunkStore inner) {
    this.inner = inner;
  }

  @Override
  public int blockSize() {
    return inner.blockSize();
  }

  @Override
  public SliceWriter newWriter(long sliceId) {
    return inner.newWriter(sliceId);
  }

  @Override
  public int read(long sliceId, int size, int off, ByteBuffer dst) throws IOException {
    return inner.read(sliceId, size, off, dst);
  }

  @Override
  public int prefetch(long sliceId, int size, int off, int len) {
    return inner.prefetch(sliceId, size, off, len);
  }

  @Override
  public int fillCache(long sliceId, int size) throws IOException {
    return inner.fillCache(sliceId, size);
  }

  @Override
  public void remove(long sliceId, int size) throws IOException {
    inner.remove(sliceId, size);
  }

  @Override
  public ChunkStats stats() {
    return inner.stats();
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
