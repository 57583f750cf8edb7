package io.nectarfs.fs;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.vfs.Vfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link FileHandle} over one VFS file handle.
 *
 * <p>Concurrency: positional calls go straight to the VFS, which is thread-safe also on one
 * handle. The cursor ({@code cursor}, {@code cursorAtEnd}) is guarded by {@code lock}, held for
 * the whole of a cursor read or write so that concurrent cursor calls see consecutive ranges.
 * {@code closed} flips once; the VFS handle is released exactly once, by the call that flipped
 * it. Invariant: while {@code cursorAtEnd} (an APPEND handle just wrote) the cursor is the file's
 * length, read lazily by the next call that needs it.
 */
final class VfsFileHandle implements FileHandle {
  private final Vfs vfs;
  private final Ctx ctx;
  private final String path;
  private final long ino;
  private final long fh;
  private final boolean readable;
  private final boolean writable;
  private final boolean append;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ReentrantLock lock = new ReentrantLock();
  private long cursor;
  private boolean cursorAtEnd;

  VfsFileHandle(Vfs vfs, Ctx ctx, String path, long ino, long fh, boolean readable, boolean writable, boolean append) {
    this.vfs = vfs;
    this.ctx = ctx;
    this.path = path;
    this.ino = ino;
    this.fh = fh;
    this.readable = readable;
    this.writable = writable;
    this.append = append;
  }

  @Override
  public String path() {
    return path;
  }

  private void checkOpen() throws FsException {
    if (closed.get()) {
      throw Errors.of(Errno.EBADF, path);
    }
  }

  private void checkReadable() throws FsException {
    checkOpen();
    if (!readable) {
      throw Errors.of(Errno.EBADF, path);
    }
  }

  private void checkWritable() throws FsException {
    checkOpen();
    if (!writable) {
      throw Errors.of(Errno.EBADF, path);
    }
  }

  private static void checkPosition(long position, String path) throws FsException {
    if (position < 0) {
      throw Errors.of(Errno.EINVAL, path);
    }
  }

  @Override
  public Attr attr() throws IOException {
    checkOpen();
    try {
      return vfs.getattr(ctx, ino);
    } catch (FsException e) {
      throw Errors.at(e, path);
    }
  }

  @Override
  public int pread(ByteBuffer dst, long position) throws IOException {
    checkReadable();
    checkPosition(position, path);
    if (!dst.hasRemaining()) {
      return 0;
    }
    try {
      int n = vfs.read(ctx, ino, fh, position, dst);
      return n == 0 ? -1 : n;
    } catch (FsException e) {
      throw Errors.at(closed.get() ? Errno.EBADF.exception(null) : e, path);
    }
  }

  @Override
  public int pwrite(ByteBuffer src, long position) throws IOException {
    checkWritable();
    checkPosition(position, path);
    try {
      return vfs.write(ctx, ino, fh, position, src);
    } catch (FsException e) {
      throw Errors.at(closed.get() ? Errno.EBADF.exception(null) : e, path);
    }
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    lock.lock();
    try {
      int n = pread(dst, settledCursor());
      if (n > 0) {
        cursor += n;
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    lock.lock();
    try {
      int n = pwrite(src, append ? 0 : settledCursor());
      if (append) {
        cursorAtEnd = true; // where the bytes landed is decided when they are committed
      } else {
        cursor += n;
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  /** The cursor, reading the length if an append left it at the end. Called under {@code lock}. */
  private long settledCursor() throws IOException {
    checkOpen();
    if (cursorAtEnd) {
      cursor = size();
      cursorAtEnd = false;
    }
    return cursor;
  }

  @Override
  public long position() throws IOException {
    lock.lock();
    try {
      return settledCursor();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void seek(long position) throws IOException {
    checkOpen();
    checkPosition(position, path);
    lock.lock();
    try {
      cursor = position;
      cursorAtEnd = false;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long size() throws IOException {
    return attr().length();
  }

  @Override
  public void truncate(long size) throws IOException {
    checkWritable();
    checkPosition(size, path);
    try {
      vfs.setattr(ctx, ino, fh, SetAttr.truncate(size));
    } catch (FsException e) {
      throw Errors.at(e, path);
    }
  }

  @Override
  public void fsync() throws IOException {
    checkOpen();
    try {
      vfs.fsync(ctx, ino, fh, false);
    } catch (FsException e) {
      throw Errors.at(e, path);
    }
  }

  @Override
  public void flush() throws IOException {
    checkOpen();
    try {
      vfs.flush(ctx, ino, fh, 0);
    } catch (FsException e) {
      throw Errors.at(e, path);
    }
  }

  /** copy_file_range(2) from this handle to {@code out}: shares slices, moves no data. */
  long copyTo(VfsFileHandle out, long srcOff, long dstOff, long len) throws IOException {
    checkReadable();
    out.checkWritable();
    return vfs.copyFileRange(ctx, ino, fh, srcOff, out.ino, out.fh, dstOff, len, 0);
  }

  @Override
  public boolean isOpen() {
    return !closed.get();
  }

  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    IOException first = null;
    try {
      vfs.flush(ctx, ino, fh, 0);
    } catch (IOException e) {
      first = e instanceof FsException f ? Errors.at(f, path) : e;
    }
    try {
      vfs.release(ctx, ino, fh);
    } catch (IOException e) {
      first = first != null ? first : e instanceof FsException f ? Errors.at(f, path) : e;
    }
    if (first != null) {
      throw first;
    }
  }
}
