package io.nectarfs.fs;

import io.nectarfs.meta.Attr;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;

/**
 * An open regular file of {@link FileApi#open}: positional reads and writes, a cursor, and stream
 * and channel adapters. It acts as the caller that opened it; its access mode was checked at the
 * open (later permission changes do not revoke it). The file stays readable through the handle
 * after it is unlinked or renamed.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Errors are {@link io.nectarfs.common.FsException}s naming the path the handle was opened
 *       with. After {@link #close} every method but {@code close}/{@code isOpen} gives EBADF;
 *       reading a handle not opened for reading, or writing/truncating one not opened for
 *       writing, gives EBADF; a negative position or size EINVAL; EIO when storage fails.
 *   <li>Written data is visible to this client's reads at once, to other clients after {@link
 *       #flush}, {@link #fsync} or {@link #close} (close-to-open). Those three return only when
 *       the data is durable.
 *   <li>Thread-safety: positional methods ({@link #pread}, {@link #pwrite}, {@link #size}, {@link
 *       #truncate}, {@link #fsync}, {@link #flush}) may be called by many threads at once. The
 *       cursor methods ({@link #read}, {@link #write}, {@link #position}, {@link #seek}) are
 *       serialised on the handle, so concurrent cursor reads never return the same bytes twice.
 *       A close concurrent with other calls lets them finish or fail with EBADF.
 *   <li>The adapters share the handle's cursor and closing any of them closes the handle.
 * </ul>
 */
public interface FileHandle extends Closeable {
  /** The path the handle was opened with. */
  String path();

  /** The file's attributes now (fstat), its length including this client's unflushed writes. */
  Attr attr() throws IOException;

  /**
   * Reads at {@code position} without moving the cursor: fills {@code dst} unless the end of
   * the file comes first; returns the count, or -1 when {@code position} is at or past the end
   * and {@code dst} has room (0 when it has none). EBADF, EINVAL.
   */
  int pread(ByteBuffer dst, long position) throws IOException;

  /** {@link #pread(ByteBuffer, long)} into {@code b[off, off+len)}. */
  default int pread(long position, byte[] b, int off, int len) throws IOException {
    return pread(ByteBuffer.wrap(b, off, len), position);
  }

  /**
   * Writes all of {@code src} at {@code position} (at the end for an APPEND handle) without
   * moving the cursor; extends the file, leaving a hole before {@code position} if needed.
   * Returns the count. EBADF, EINVAL, EFBIG, ENOSPC/EDQUOT.
   */
  int pwrite(ByteBuffer src, long position) throws IOException;

  /** {@link #pwrite(ByteBuffer, long)} of {@code b[off, off+len)}. */
  default int pwrite(long position, byte[] b, int off, int len) throws IOException {
    return pwrite(ByteBuffer.wrap(b, off, len), position);
  }

  /** Reads at the cursor and advances it; -1 at the end. EBADF. */
  int read(ByteBuffer dst) throws IOException;

  /** Writes all of {@code src} at the cursor (APPEND: at the end) and moves the cursor past it. EBADF, EFBIG, ENOSPC/EDQUOT. */
  int write(ByteBuffer src) throws IOException;

  /** The cursor (for an APPEND handle after a write: the end of the file). EBADF. */
  long position() throws IOException;

  /** Moves the cursor; beyond the end is allowed (a later write leaves a hole). EBADF, EINVAL (negative). */
  void seek(long position) throws IOException;

  /** The file's length including this client's unflushed writes. EBADF. */
  long size() throws IOException;

  /** ftruncate(2): cuts or extends with zeros; the cursor does not move. EBADF (not writable), EINVAL, EFBIG. */
  void truncate(long size) throws IOException;

  /** Makes written data durable and visible to other clients. EBADF, EIO, ENOSPC/EDQUOT. */
  void fsync() throws IOException;

  /** Commits written data as close(2) does, keeping the handle open. EBADF, EIO, ENOSPC/EDQUOT. */
  void flush() throws IOException;

  boolean isOpen();

  /** Flushes and releases the handle; a second close does nothing. EIO, ENOSPC/EDQUOT (the data was not committed). */
  @Override
  void close() throws IOException;

  /** A stream reading at the cursor; {@code close} closes the handle. */
  default InputStream inputStream() {
    return new HandleStreams.In(this);
  }

  /** A stream writing at the cursor; {@code flush} is {@link #flush}, {@code close} closes the handle. */
  default OutputStream outputStream() {
    return new HandleStreams.Out(this);
  }

  /**
   * A {@link SeekableByteChannel} on the cursor with that interface's contract: writes extend the
   * file, {@code truncate} only shrinks (and pulls the position back), {@code
   * ClosedChannelException} after close; other failures are the handle's FsExceptions.
   */
  default SeekableByteChannel channel() {
    return new HandleChannel(this);
  }
}
