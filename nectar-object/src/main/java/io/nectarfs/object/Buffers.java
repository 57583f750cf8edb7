package io.nectarfs.object;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Helpers for the gather form of {@link ObjectStore#put(String, List)}: an object given as a list
 * of buffers whose remaining bytes, in order, are its contents. None of them changes a buffer's
 * position or limit.
 */
public final class Buffers {
  private Buffers() {}

  /** The object's length: the sum of the buffers' remaining bytes. */
  public static long remaining(List<ByteBuffer> parts) {
    long n = 0;
    for (ByteBuffer b : parts) {
      n += b.remaining();
    }
    return n;
  }

  /** The object in one fresh array (a copy: for layers that need the bytes together). */
  public static byte[] join(List<ByteBuffer> parts) {
    long n = remaining(parts);
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("object of " + n + " bytes is too large to hold in one array");
    }
    byte[] out = new byte[(int) n];
    int pos = 0;
    for (ByteBuffer b : parts) {
      int k = b.remaining();
      b.get(b.position(), out, pos, k);
      pos += k;
    }
    return out;
  }

  /**
   * A stream of the buffers' bytes (read from views: the buffers stay as they are); each call
   * gives a new stream from the start, so a request can be replayed.
   */
  public static java.io.InputStream stream(List<ByteBuffer> parts) {
    ByteBuffer[] views = views(parts);
    return new java.io.InputStream() {
      private int i;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (len == 0) {
          return 0;
        }
        while (i < views.length && !views[i].hasRemaining()) {
          i++;
        }
        if (i == views.length) {
          return -1;
        }
        int k = Math.min(len, views[i].remaining());
        views[i].get(b, off, k);
        return k;
      }
    };
  }

  /** Independent views of the buffers (their own positions), for one pass of a channel write. */
  static ByteBuffer[] views(List<ByteBuffer> parts) {
    ByteBuffer[] out = new ByteBuffer[parts.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = parts.get(i).duplicate();
    }
    return out;
  }
}
