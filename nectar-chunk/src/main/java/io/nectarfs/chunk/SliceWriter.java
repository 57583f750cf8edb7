package io.nectarfs.chunk;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Writes one new slice. Data is buffered in memory under the store's global budget (a write
 * blocks while the budget is exhausted); full blocks are uploaded in the background while the
 * caller keeps writing.
 *
 * <p>Not thread-safe: one writer belongs to one file writer, which serialises its calls.
 */
public interface SliceWriter {
  /** The slice id. */
  long id();

  /**
   * Writes {@code data} at {@code off} of the slice. Bytes below {@link #uploadedBoundary()} can
   * no longer change: writing there is an {@link IllegalStateException}.
   */
  void write(int off, ByteBuffer data) throws IOException;

  /** Everything below this offset (a multiple of the block size) is uploaded or being uploaded. */
  int uploadedBoundary();

  /** Starts uploading every full block below {@code off} without waiting. */
  void flushTo(int off) throws IOException;

  /**
   * Uploads everything up to {@code length} (the slice's final length) and waits. Afterwards the
   * slice is durable in the object store (or, with writeback, staged on local disk and queued),
   * so its metadata may be committed.
   */
  void finish(int length) throws IOException;

  /** Gives up: stops uploads, releases the buffers and deletes what was uploaded. */
  void abort();
}
