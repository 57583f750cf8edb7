package io.nectarfs.gateway.s3.store;

import io.nectarfs.common.Errno;
import io.nectarfs.fs.FileHandle;
import io.nectarfs.meta.Attr;
import java.io.IOException;
import java.nio.ByteBuffer;

/** The content of a directory marker: a read-only handle on zero bytes. Thread-safe (immutable but for the closed flag). */
final class EmptyHandle implements FileHandle {
  private final String path;
  private volatile boolean open = true;

  EmptyHandle(String path) {
    this.path = path;
  }

  private void check() throws IOException {
    if (!open) {
      throw Errno.EBADF.exception(path);
    }
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public Attr attr() throws IOException {
    throw Errno.EISDIR.exception(path);
  }

  @Override
  public int pread(ByteBuffer dst, long position) throws IOException {
    check();
    return dst.hasRemaining() ? -1 : 0;
  }

  @Override
  public int pwrite(ByteBuffer src, long position) throws IOException {
    throw Errno.EBADF.exception(path);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    return pread(dst, 0);
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    throw Errno.EBADF.exception(path);
  }

  @Override
  public long position() throws IOException {
    check();
    return 0;
  }

  @Override
  public void seek(long position) throws IOException {
    check();
  }

  @Override
  public long size() throws IOException {
    check();
    return 0;
  }

  @Override
  public void truncate(long size) throws IOException {
    throw Errno.EBADF.exception(path);
  }

  @Override
  public void fsync() throws IOException {
    check();
  }

  @Override
  public void flush() throws IOException {
    check();
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() {
    open = false;
  }
}
