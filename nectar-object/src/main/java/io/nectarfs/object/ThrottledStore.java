package io.nectarfs.object;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Limits upload (put, uploadPart) and download (bytes read from get streams) bandwidth with one
 * {@link TokenBucket} per direction, shared by every thread using this store.
 *
 * <p>Concurrency: the buckets are thread-safe; streams are throttled as they are read, so a slow
 * reader holds no tokens.
 */
final class ThrottledStore extends ForwardingStore implements ForwardsMultipart {
  private final TokenBucket up;
  private final TokenBucket down;

  /** A limit of 0 means unlimited in that direction. */
  ThrottledStore(ObjectStore next, long upBytesPerSecond, long downBytesPerSecond) {
    super(next);
    this.up = upBytesPerSecond > 0 ? new TokenBucket(upBytesPerSecond) : null;
    this.down = downBytesPerSecond > 0 ? new TokenBucket(downBytesPerSecond) : null;
  }

  static InputStream throttle(InputStream in, TokenBucket b) {
    if (b == null) {
      return in;
    }
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int c = in.read();
        if (c >= 0) {
          b.acquire(1);
        }
        return c;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        int n = in.read(buf, off, Math.min(len, TokenBucket.CHUNK));
        if (n > 0) {
          b.acquire(n);
        }
        return n;
      }

      @Override
      public long skip(long n) throws IOException {
        return super.skip(Math.min(n, TokenBucket.CHUNK));
      }
    };
  }

  @Override
  public InputStream get(String key, long off, long len) throws IOException {
    return throttle(next.get(key, off, len), down);
  }

  @Override
  public void put(String key, InputStream data, long length) throws IOException {
    next.put(key, throttle(data, up), length);
  }

  @Override
  public Part uploadPart(String key, String uploadId, int number, InputStream data, long length) throws IOException {
    return below().uploadPart(key, uploadId, number, throttle(data, up), length);
  }
}
