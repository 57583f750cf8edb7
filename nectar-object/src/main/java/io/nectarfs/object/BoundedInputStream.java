package io.nectarfs.object;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reads at most {@code limit} bytes of the wrapped stream; closing closes the wrapped stream. */
final class BoundedInputStream extends FilterInputStream {
  private long remaining;

  BoundedInputStream(InputStream in, long limit) {
    super(in);
    this.remaining = limit;
  }

  @Override
  public int read() throws IOException {
    if (remaining <= 0) {
      return -1;
    }
    int b = in.read();
    if (b >= 0) {
      remaining--;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (remaining <= 0) {
      return len == 0 ? 0 : -1;
    }
    int n = in.read(b, off, (int) Math.min(len, remaining));
    if (n > 0) {
      remaining -= n;
    }
    return n;
  }

  /** Reads the rest into one array of exactly the remaining size (no growing buffers). */
  @Override
  public byte[] readAllBytes() throws IOException {
    if (remaining > Integer.MAX_VALUE - 8) {
      return super.readAllBytes();
    }
    byte[] out = new byte[(int) remaining];
    int n = 0;
    while (n < out.length) {
      int r = in.read(out, n, out.length - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    remaining -= n;
    return n == out.length ? out : java.util.Arrays.copyOf(out, n);
  }

  @Override
  public long skip(long n) throws IOException {
    long s = in.skip(Math.min(n, remaining));
    remaining -= s;
    return s;
  }

  @Override
  public int available() throws IOException {
    return (int) Math.min(in.available(), remaining);
  }

  @Override
  public boolean markSupported() {
    return false;
  }
}
