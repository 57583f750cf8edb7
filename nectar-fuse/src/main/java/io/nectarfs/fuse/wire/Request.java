package io.nectarfs.fuse.wire;

import io.nectarfs.common.Cancellation;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Names;
import java.nio.ByteBuffer;

/**
 * One request as read from {@code /dev/fuse}: the decoded fuse_in_header and a cursor over the
 * body. Decoders read every field they need before a reply is written into the same buffer.
 */
public final class Request {
  private final ByteBuffer bb;
  public final int len;
  public final int opcode;
  public final long unique;
  public final long nodeid;
  public final int uid;
  public final int gid;
  public final int pid;
  private final int limit;
  private int pos;
  private volatile Cancellation cancellation = Cancellation.NONE;
  private volatile Undo undo;

  private Request(ByteBuffer bb, int n) {
    this.bb = bb;
    this.len = bb.getInt(0);
    this.opcode = bb.getInt(4);
    this.unique = bb.getLong(8);
    this.nodeid = bb.getLong(16);
    this.uid = bb.getInt(24);
    this.gid = bb.getInt(28);
    this.pid = bb.getInt(32);
    int extlen = Short.toUnsignedInt(bb.getShort(36)) * 8;
    this.limit = Math.max(Proto.IN_HEADER, Math.min(n, len) - extlen);
    this.pos = Proto.IN_HEADER;
  }

  /** Parses the {@code n} bytes read into {@code buf}; null when shorter than a header. */
  public static Request parse(Buf buf, int n) {
    if (n < Proto.IN_HEADER) {
      return null;
    }
    return new Request(buf.bytes(), n);
  }

  /** The token that an INTERRUPT of this request cancels ({@link Cancellation#NONE} for inline requests). */
  public Cancellation cancellation() {
    return cancellation;
  }

  /** Set by the server before the handler runs. */
  public void attach(Cancellation token) {
    this.cancellation = token;
  }

  /** Reverses what a handler did that only its reply would have told the kernel about. */
  @FunctionalInterface
  public interface Undo {
    void run() throws java.io.IOException;
  }

  /**
   * Registers what to undo if the request was answered EINTR (after an INTERRUPT) before its
   * handler succeeded: the kernel never learns of an opened handle or a granted lock then, so the
   * server releases them. The last registration wins.
   */
  public void ifAbandoned(Undo u) {
    this.undo = u;
  }

  /** What {@link #ifAbandoned} registered, or null. */
  public Undo abandonedUndo() {
    return undo;
  }

  /** Bytes of body left after the cursor. */
  public int remaining() {
    return limit - pos;
  }

  /** Whether the body holds at least {@code n} more bytes. */
  public boolean has(int n) {
    return remaining() >= n;
  }

  public int u32() {
    int v = bb.getInt(pos);
    pos += 4;
    return v;
  }

  public long u64() {
    long v = bb.getLong(pos);
    pos += 8;
    return v;
  }

  public Request skip(int n) {
    pos += n;
    return this;
  }

  /**
   * A NUL-terminated name (or symlink target, xattr name): any bytes, decoded losslessly with
   * {@link Names#decode} (bytes that are not UTF-8 become escape characters).
   */
  public String name() throws FsException {
    int end = pos;
    while (end < limit && bb.get(end) != 0) {
      end++;
    }
    if (end >= limit) {
      throw Errno.EINVAL.exception("name not terminated");
    }
    byte[] b = new byte[end - pos];
    bb.get(pos, b);
    pos = end + 1;
    return Names.decode(b);
  }

  /** The next {@code n} bytes, copied. */
  public byte[] bytes(int n) throws FsException {
    if (n < 0 || n > remaining()) {
      throw Errno.EINVAL.exception("short request");
    }
    byte[] b = new byte[n];
    bb.get(pos, b);
    pos += n;
    return b;
  }

  /** A view of the next {@code n} bytes (valid until the reply is written). */
  public ByteBuffer slice(int n) throws FsException {
    if (n < 0 || n > remaining()) {
      throw Errno.EINVAL.exception("short request");
    }
    ByteBuffer s = bb.slice(pos, n);
    pos += n;
    return s;
  }
}
