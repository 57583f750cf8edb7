package io.nectarfs.fuse.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What INIT negotiated: everything a process needs to keep serving a FUSE connection it did not
 * open (replies are sized by {@code minor}; {@code flags} say which features the kernel uses).
 *
 * @param major protocol major (7)
 * @param minor negotiated minor: min(kernel, {@link Proto#OUR_MINOR})
 * @param kernelMinor the minor the kernel offered
 * @param flags the INIT flags we answered (flags2 in bits 32..63)
 * @param kernelFlags the flags the kernel offered
 * @param maxWrite max_write we answered
 * @param maxReadahead max_readahead we answered
 * @param maxPages max_pages we answered
 * @param maxBackground max_background we answered
 * @param congestionThreshold congestion_threshold we answered
 * @param timeGran time granularity in ns
 */
public record InitState(
    int major,
    int minor,
    int kernelMinor,
    long flags,
    long kernelFlags,
    int maxWrite,
    int maxReadahead,
    int maxPages,
    int maxBackground,
    int congestionThreshold,
    int timeGran) {
  private static final int MAGIC = 0x4e465553; // "NFUS"
  public static final int ENCODED_SIZE = 4 + 4 * 3 + 8 * 2 + 4 * 6;

  public boolean has(long flag) {
    return (flags & flag) == flag;
  }

  /** A fixed-size little-endian encoding, for handing the session to a successor. */
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(ENCODED_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(major).putInt(minor).putInt(kernelMinor).putLong(flags).putLong(kernelFlags);
    b.putInt(maxWrite).putInt(maxReadahead).putInt(maxPages).putInt(maxBackground).putInt(congestionThreshold).putInt(timeGran);
    return b.array();
  }

  public static InitState decode(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length < ENCODED_SIZE || b.getInt() != MAGIC) {
      throw new IllegalArgumentException("not an encoded FUSE init state");
    }
    return new InitState(b.getInt(), b.getInt(), b.getInt(), b.getLong(), b.getLong(), b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt());
  }
}
