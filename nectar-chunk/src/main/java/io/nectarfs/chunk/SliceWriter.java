package io.nectarfs.chunk;

import io.nectarfs.common.Ctx;
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

  /**
   * {@link #write(int, ByteBuffer)} for an operation of {@code ctx}: a wait for buffer memory wakes
   * with EINTR (ETIMEDOUT) when {@code ctx} is cancelled (its deadline passes). Then the slice's
   * length is unchanged (bytes beyond it are not part of the slice), bytes of {@code data} that
   * overwrote the slice below its length may already be in place, as with an interrupted
   * write(2), and {@code data}'s position is unspecified.
   */
  default void write(int off, ByteBuffer data, Ctx ctx) throws IOException {
    ctx.checkCancelled();
    write(off, data);
  }

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

  /**
   * Hands every block not handed over yet to the background uploads, up to {@code length} (the
   * slice's final length), without waiting; then only {@link #finish} with the same length (which
   * waits for them) or {@link #abort} may follow. A flush of many slices starts them all first, so
   * their uploads overlap instead of running one slice after the other. Does nothing by default
   * ({@link #finish} then does all the work).
   */
  default void startFinish(int length) throws IOException {}

  /**
   * A copy of bytes {@code [0, length)} of the slice (zeros where nothing was written) when none
   * of it was handed to the store yet ({@link #uploadedBoundary()} is 0 and {@code length} fits
   * in one block), else null. Changes nothing: the caller then either stores the bytes elsewhere
   * (small files inline in the metadata) and {@link #abort()}s the writer, which has nothing to
   * delete, or {@link #finish}es it as usual.
   */
  default byte[] unstoredBytes(int length) throws IOException {
    return null;
  }

  /** Gives up: stops uploads, releases the buffers and deletes what was uploaded. */
  void abort();
}
