package io.nectarfs.cache;

import io.nectarfs.common.Errno;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.MessageToByteEncoder;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encryption and authentication of every frame after the handshake (docs/cache-group.md, "Peer
 * protocol"): AES-256-GCM with one key per direction, {@code HMAC-SHA256(K, label ‖ Ns ‖ Nc)} with
 * the labels {@code "nectar-peer v1 c2s"} and {@code "nectar-peer v1 s2c"}, so a connection's keys
 * are new for every connection and known only to holders of the group key {@code K}. The nonce is
 * the frame's sequence number in its direction (4 zero bytes ‖ u64), never sent: a dropped,
 * repeated, reordered or altered frame fails authentication, and the connection is closed. The
 * frame header (type, request id) is the associated data; the body is replaced by ciphertext ‖
 * 16-byte tag.
 *
 * <p>Blocks thus never cross the network in clear, whether or not the volume is encrypted at rest,
 * and a frame that was not sent by a member is refused.
 *
 * <p>Concurrency: each handler belongs to one channel and runs only on its event loop, which
 * encodes writes and decodes reads in order, so the counters match on both ends without locks.
 */
final class Sealing {
  static final int TAG = 16;
  private static final byte[] C2S = "nectar-peer v1 c2s".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] S2C = "nectar-peer v1 s2c".getBytes(StandardCharsets.US_ASCII);

  private Sealing() {}

  /** Seals what the client sends and opens what it receives, from the next frame on (event loop only). */
  static void client(ChannelPipeline p, GroupKey key, byte[] serverNonce, byte[] clientNonce) {
    install(p, key.mac(C2S, serverNonce, clientNonce), key.mac(S2C, serverNonce, clientNonce));
  }

  /** The server's side of {@link #client}. */
  static void server(ChannelPipeline p, GroupKey key, byte[] serverNonce, byte[] clientNonce) {
    install(p, key.mac(S2C, serverNonce, clientNonce), key.mac(C2S, serverNonce, clientNonce));
  }

  private static void install(ChannelPipeline p, byte[] sendKey, byte[] receiveKey) {
    // Inbound: after the length decoder, before the connection handler. Outbound: first in the pipeline.
    p.addAfter(Wire.FRAMES, "open", new Opener(receiveKey));
    p.addFirst("seal", new Sealer(sendKey));
  }

  /** A direction's key and sequence number. */
  private static final class Direction {
    private final SecretKeySpec key;
    private final Cipher cipher;
    private final byte[] iv = new byte[12];
    private long seq;

    Direction(byte[] key) {
      this.key = new SecretKeySpec(key, "AES");
      try {
        this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES/GCM is not available", e);
      }
    }

    Cipher next(int mode) throws GeneralSecurityException {
      long s = seq++;
      for (int i = 0; i < 8; i++) {
        iv[4 + i] = (byte) (s >>> (56 - 8 * i));
      }
      cipher.init(mode, key, new GCMParameterSpec(TAG * 8, iv));
      return cipher;
    }
  }

  /** Replaces a frame's body by its ciphertext and tag and fixes the length prefix. */
  static final class Sealer extends MessageToByteEncoder<ByteBuf> {
    private final Direction d;

    Sealer(byte[] key) {
      super(ByteBuf.class, false);
      this.d = new Direction(key);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, ByteBuf frame, boolean preferDirect) {
      return ctx.alloc().heapBuffer(frame.readableBytes() + TAG);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf frame, ByteBuf out) throws Exception {
      // Arrays, not ByteBuffers: the JDK's AES-GCM intrinsics work on arrays; its ByteBuffer path copies in pieces.
      int start = frame.readerIndex();
      int body = frame.readableBytes() - 4 - Wire.HEADER;
      byte[] header = new byte[Wire.HEADER];
      frame.getBytes(start + 4, header);
      byte[] plain = new byte[body];
      frame.getBytes(start + 4 + Wire.HEADER, plain);
      Cipher c = d.next(Cipher.ENCRYPT_MODE);
      c.updateAAD(header);
      out.ensureWritable(4 + Wire.HEADER + body + TAG);
      out.writeInt(Wire.HEADER + body + TAG);
      out.writeBytes(header);
      int at = out.arrayOffset() + out.writerIndex();
      int n = c.doFinal(plain, 0, body, out.array(), at);
      out.writerIndex(out.writerIndex() + n);
      frame.skipBytes(frame.readableBytes());
    }
  }

  /** Checks and decrypts a frame (without its length prefix) into header ‖ body; a bad frame closes the connection. */
  static final class Opener extends MessageToMessageDecoder<ByteBuf> {
    private final Direction d;

    Opener(byte[] key) {
      this.d = new Direction(key);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) throws Exception {
      int sealed = frame.readableBytes() - Wire.HEADER;
      if (sealed < TAG) {
        throw Errno.EPROTO.exception("sealed frame of " + frame.readableBytes() + " bytes is too short");
      }
      int start = frame.readerIndex();
      byte[] header = new byte[Wire.HEADER];
      frame.getBytes(start, header);
      byte[] in = new byte[sealed];
      frame.getBytes(start + Wire.HEADER, in);
      byte[] body = new byte[Wire.HEADER + sealed - TAG];
      try {
        Cipher c = d.next(Cipher.DECRYPT_MODE);
        c.updateAAD(header);
        int n = c.doFinal(in, 0, sealed, body, Wire.HEADER);
        if (n != sealed - TAG) {
          throw Errno.EPROTO.exception("sealed frame decrypted to " + n + " bytes");
        }
      } catch (GeneralSecurityException e) {
        ctx.close();
        throw Errno.EPROTO.exception("a frame failed authentication (altered, replayed or not from a member): connection closed");
      }
      System.arraycopy(header, 0, body, 0, Wire.HEADER);
      frame.skipBytes(frame.readableBytes());
      ByteBuf plain = io.netty.buffer.Unpooled.wrappedBuffer(body);
      out.add(plain);
    }
  }
}
