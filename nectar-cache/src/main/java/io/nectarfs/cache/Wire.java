package io.nectarfs.cache;

import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The peer protocol's frames (the specification is {@code docs/cache-group.md}, "Peer protocol";
 * keep the two in step). Every frame is {@code u32 length | u8 type | u32 request id | body}, big
 * endian, the length counting what follows it. Stateless helpers.
 */
final class Wire {
  static final byte[] MAGIC = {'N', 'P', 'R', '1'};
  static final int NONCE = 32;
  static final int MAC = 32;

  // handshake (request id 0)
  static final byte HELLO = 1;
  static final byte AUTH = 2;
  static final byte AUTH_OK = 3;
  // requests
  static final byte GET = 16;
  static final byte HAS = 17;
  static final byte WARM = 18;
  static final byte STATS = 19;
  static final byte EVICT = 20;
  static final byte WARM_FROM = 21;
  static final byte MEMBERS = 22;
  // answers
  static final byte DATA = 32;
  static final byte HAS_OK = 33;
  static final byte WARM_OK = 34;
  static final byte STATS_OK = 35;
  static final byte EVICT_OK = 36;
  static final byte MEMBERS_OK = 37;
  static final byte ERROR = 63;

  /** type + request id. */
  static final int HEADER = 5;
  /** The largest range a GET may ask for. */
  static final int MAX_GET = 64 << 20;
  /** The largest frame either side accepts (a GET's answer with its CRC and header). */
  static final int MAX_FRAME = MAX_GET + 64;
  /** Keys per HAS or WARM frame (the client splits longer lists). */
  static final int MAX_BATCH = 4096;
  /** Object keys are at most this many UTF-8 bytes (as {@code ObjectStore}). */
  static final int MAX_KEY = 1024;

  static final byte[] CLIENT_PROOF = "nectar-peer v1 client".getBytes(StandardCharsets.US_ASCII);
  static final byte[] SERVER_PROOF = "nectar-peer v1 server".getBytes(StandardCharsets.US_ASCII);

  /** The requests, for meters. */
  enum Op { GET, HAS, WARM, STATS, EVICT, WARM_FROM, MEMBERS }

  private Wire() {}

  /** The pipeline name of {@link #frames()}. */
  static final String FRAMES = "frames";

  /** The decoder of the length prefix (strips it). */
  static LengthFieldBasedFrameDecoder frames() {
    return new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4);
  }

  /** A frame of {@code type} for request {@code id} with room for {@code body} bytes; the length is filled in by {@link #seal}. */
  static ByteBuf frame(ByteBufAllocator alloc, byte type, int id, int body) {
    ByteBuf b = alloc.buffer(4 + HEADER + body);
    b.writeInt(0).writeByte(type).writeInt(id);
    return b;
  }

  /** Sets the length prefix of a frame whose body is complete. */
  static ByteBuf seal(ByteBuf b) {
    return b.setInt(0, b.readableBytes() - 4);
  }

  static void writeKey(ByteBuf b, String key) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    if (k.length == 0 || k.length > MAX_KEY) {
      throw new IllegalArgumentException("block key of " + k.length + " bytes (1.." + MAX_KEY + ")");
    }
    b.writeShort(k.length).writeBytes(k);
  }

  static String readKey(ByteBuf b) throws FsException {
    int n = b.readUnsignedShort();
    if (n == 0 || n > MAX_KEY || n > b.readableBytes()) {
      throw Errno.EPROTO.exception("bad key length " + n);
    }
    String s = b.toString(b.readerIndex(), n, StandardCharsets.UTF_8);
    b.skipBytes(n);
    return s;
  }

  static ByteBuf keys(ByteBufAllocator alloc, byte type, int id, List<PeerClient.Key> keys) {
    return keys(alloc, type, id, null, keys);
  }

  /** A HAS/WARM/EVICT frame, or a WARM_FROM frame when {@code from} is given (its host and port first). */
  static ByteBuf keys(ByteBufAllocator alloc, byte type, int id, java.net.InetSocketAddress from, List<PeerClient.Key> keys) {
    ByteBuf b = frame(alloc, type, id, 4 + keys.size() * 64 + (from == null ? 0 : 264));
    if (from != null) {
      writeKey(b, from.getHostString());
      b.writeInt(from.getPort());
    }
    b.writeInt(keys.size());
    for (PeerClient.Key k : keys) {
      writeKey(b, k.key());
      b.writeInt(k.blockLen());
    }
    return seal(b);
  }

  static List<PeerClient.Key> readKeys(ByteBuf b) throws FsException {
    int n = b.readInt();
    if (n < 0 || n > MAX_BATCH) {
      throw Errno.EPROTO.exception("batch of " + n + " keys (at most " + MAX_BATCH + ")");
    }
    List<PeerClient.Key> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String k = readKey(b);
      int len = b.readInt();
      if (len < 0) {
        throw Errno.EPROTO.exception("negative block length");
      }
      out.add(new PeerClient.Key(k, len));
    }
    return out;
  }

  static ByteBuf error(ByteBufAllocator alloc, int id, Errno errno, String message) {
    byte[] m = message.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(m.length, 4000);
    ByteBuf b = frame(alloc, ERROR, id, 4 + n);
    b.writeShort(errno.code()).writeShort(n).writeBytes(m, 0, n);
    return seal(b);
  }

  /** {@code host:port} of an address, the host as a literal when resolved (meter labels, messages). */
  static String describe(java.net.InetSocketAddress a) {
    String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  /** The exception an ERROR frame's body stands for, naming the peer. */
  static FsException readError(ByteBuf b, String peer) {
    Errno e = Errno.ofCode(b.readUnsignedShort());
    int n = Math.min(b.readUnsignedShort(), b.readableBytes());
    return e.exception("peer " + peer + ": " + b.toString(b.readerIndex(), n, StandardCharsets.UTF_8));
  }
}
