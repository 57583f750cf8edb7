package io.nectarfs.fs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/** The stream adapters of a {@link FileHandle}: both work at the handle's cursor (not thread-safe beyond what the handle is). */
final class HandleStreams {
  private HandleStreams() {}

  static final class In extends InputStream {
    private final FileHandle h;

    In(FileHandle h) {
      this.h = h;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n <= 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      return h.read(ByteBuffer.wrap(b, off, len));
    }

    @Override
    public long skip(long n) throws IOException {
      if (n <= 0) {
        return 0;
      }
      long pos = h.position();
      long k = Math.min(n, Math.max(0, h.size() - pos));
      h.seek(pos + k);
      return k;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(Integer.MAX_VALUE, Math.max(0, h.size() - h.position()));
    }

    @Override
    public void close() throws IOException {
      h.close();
    }
  }

  static final class Out extends OutputStream {
    private final FileHandle h;

    Out(FileHandle h) {
      this.h = h;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      h.write(ByteBuffer.wrap(b, off, len));
    }

    /** Commits what was written (visible to other clients; a round trip to storage and metadata). */
    @Override
    public void flush() throws IOException {
      h.flush();
    }

    @Override
    public void close() throws IOException {
      h.close();
    }
  }
}
