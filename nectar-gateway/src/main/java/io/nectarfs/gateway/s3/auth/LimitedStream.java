package io.nectarfs.gateway.s3.auth;

import io.nectarfs.gateway.s3.S3Error;
import java.io.IOException;
import java.io.InputStream;

/** Exactly {@code length} bytes of a stream: the end before them is IncompleteBody, bytes after them are not read. */
final class LimitedStream extends InputStream {
  private final InputStream in;
  private long left;

  LimitedStream(InputStream in, long length) {
    this.in = in;
    this.left = length;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (left == 0) {
      return -1;
    }
    int n = in.read(b, off, (int) Math.min(len, left));
    if (n < 0) {
      throw S3Error.INCOMPLETE_BODY.exception();
    }
    left -= n;
    return n;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
