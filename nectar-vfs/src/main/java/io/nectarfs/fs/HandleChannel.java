package io.nectarfs.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SeekableByteChannel;

/** The {@link SeekableByteChannel} of a {@link FileHandle}, with that interface's contract on its cursor. */
final class HandleChannel implements SeekableByteChannel {
  private final FileHandle h;

  HandleChannel(FileHandle h) {
    this.h = h;
  }

  private void open() throws ClosedChannelException {
    if (!h.isOpen()) {
      throw new ClosedChannelException();
    }
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    open();
    return h.read(dst);
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    open();
    return h.write(src);
  }

  @Override
  public long position() throws IOException {
    open();
    return h.position();
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position " + newPosition);
    }
    open();
    h.seek(newPosition);
    return this;
  }

  @Override
  public long size() throws IOException {
    open();
    return h.size();
  }

  /** Shrinks the file to {@code size} if it is larger; the position moves back to {@code size} if beyond it. */
  @Override
  public SeekableByteChannel truncate(long size) throws IOException {
    if (size < 0) {
      throw new IllegalArgumentException("negative size " + size);
    }
    open();
    if (size < h.size()) {
      h.truncate(size);
    }
    if (h.position() > size) {
      h.seek(size);
    }
    return this;
  }

  @Override
  public boolean isOpen() {
    return h.isOpen();
  }

  @Override
  public void close() throws IOException {
    h.close();
  }
}
