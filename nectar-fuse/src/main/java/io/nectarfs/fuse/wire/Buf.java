package io.nectarfs.fuse.wire;

import io.nectarfs.fuse.linux.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A native buffer that holds one request and then, in place, its reply, with its own errno
 * capture segment so the read and the reply need no other allocation. Owned by one thread at a
 * time (a reader, then the handler it hands the request to).
 */
public final class Buf {
  private final MemorySegment seg;
  private final ByteBuffer bb;
  private final MemorySegment errno;

  public Buf(int size) {
    Arena arena = Arena.ofAuto();
    this.seg = arena.allocate(size, 4096);
    this.bb = seg.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    this.errno = LibC.newErrnoBox(arena);
  }

  public MemorySegment segment() {
    return seg;
  }

  /** A little-endian view of the whole buffer (position and limit are not used by the codecs). */
  public ByteBuffer bytes() {
    return bb;
  }

  public MemorySegment errnoBox() {
    return errno;
  }

  public int capacity() {
    return (int) seg.byteSize();
  }
}
