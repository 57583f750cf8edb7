package io.nectarfs.cache;

import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.object.CorruptObjectException;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.zip.CRC32C;

/**
 * One authenticated connection of a {@link NettyPeerClient}, carrying many requests at once.
 *
 * <p>Concurrency: {@link #send} runs on callers' threads; the handler on the event loop. {@code
 * pending} maps request ids to their waiting futures: an entry is removed by exactly one of the
 * answer, a failed write, the caller giving up, or the connection's end (which fails them all), so
 * every future completes once. {@link #ready} is completed on the event loop only. Meters are
 * counted before a future is completed, so a woken caller sees them. Answers are decoded (and CRC-checked) on the event loop into plain
 * objects, so no buffer outlives its frame.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A request waiting for its answer; {@code decode} turns the answer's body into the result or throws. */
  private record Pending(byte answer, CompletableFuture<Object> future, Decoder decode) {}

  @FunctionalInterface
  interface Decoder {
    Object decode(ByteBuf body) throws IOException;
  }

  private final String peer;
  private final GroupKey key;
  private final PeerMeters meters;
  /** Completes when the server accepted our proof and proved its own. */
  final CompletableFuture<ClientConnection> ready = new CompletableFuture<>();
  private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  private volatile Channel channel;
  /** The handshake's nonces (event loop only). */
  private byte[] serverNonce;
  private byte[] clientNonce;

  private ClientConnection(String peer, GroupKey key, PeerMeters meters) {
    this.peer = peer;
    this.key = key;
    this.meters = meters;
  }

  /** Starts connecting to {@code address}; {@link #ready} tells the outcome. */
  static ClientConnection open(InetSocketAddress address, String peer, GroupKey key, PeerMeters meters, int connectMillis) {
    ClientConnection c = new ClientConnection(peer, key, meters);
    ChannelFuture f = new Bootstrap()
        .group(Transport.clients())
        .channel(Transport.channel())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.max(1, connectMillis))
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(Wire.FRAMES, Wire.frames()).addLast(c);
          }
        })
        .connect(address);
    c.channel = f.channel();
    f.addListener(done -> {
      if (!done.isSuccess()) {
        meters.errors.get(PeerMeters.Cause.CONNECT).increment();
        c.ready.completeExceptionally(Errno.ECONNREFUSED.exception("cannot connect to peer " + peer + " (" + done.cause().getMessage() + ")"));
      }
    });
    return c;
  }

  /** Whether the connection is lost or never came up (the client then opens another). */
  boolean dead() {
    return ready.isCompletedExceptionally() || (ready.isDone() && !channel.isActive());
  }

  void close() {
    channel.close();
  }

  /**
   * Sends a request whose frame {@code encode} builds for a request id; the future completes with
   * the decoded answer of type {@code answer}, or fails.
   */
  CompletableFuture<Object> send(Function<Integer, ByteBuf> encode, byte answer, Decoder decode) {
    int id = ids.incrementAndGet() & Integer.MAX_VALUE;
    if (id == 0) {
      id = ids.incrementAndGet() & Integer.MAX_VALUE;
    }
    int rid = id;
    ByteBuf frame = encode.apply(rid); // before registering: a bad argument leaves nothing pending
    Pending p = new Pending(answer, new CompletableFuture<>(), decode);
    pending.put(rid, p);
    channel.writeAndFlush(frame).addListener(w -> {
      if (!w.isSuccess() && pending.remove(rid, p)) {
        meters.errors.get(PeerMeters.Cause.LOST).increment();
        p.future.completeExceptionally(Errno.EIO.exception("sending to peer " + peer + " failed (" + w.cause().getMessage() + ")"));
      }
    });
    return p.future;
  }

  /** The caller stopped waiting for {@code future} (deadline): forget it; a late answer is dropped. */
  void abandon(CompletableFuture<Object> future) {
    pending.values().removeIf(p -> p.future == future);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf f = (ByteBuf) msg;
    try {
      byte type = f.readByte();
      int id = f.readInt();
      if (!ready.isDone()) {
        handshake(ctx, type, f);
        return;
      }
      Pending p = pending.remove(id);
      if (p == null) {
        return; // its caller gave up
      }
      try {
        if (type == Wire.ERROR) {
          meters.errors.get(PeerMeters.Cause.REMOTE).increment();
          p.future.completeExceptionally(Wire.readError(f, peer));
        } else if (type != p.answer) {
          throw Errno.EPROTO.exception("peer " + peer + " answered frame type " + type + " to a request expecting " + p.answer);
        } else {
          p.future.complete(p.decode.decode(f));
        }
      } catch (CorruptObjectException e) {
        meters.errors.get(PeerMeters.Cause.CORRUPT).increment();
        p.future.completeExceptionally(e);
      } catch (IOException | IndexOutOfBoundsException e) {
        meters.errors.get(PeerMeters.Cause.LOST).increment();
        p.future.completeExceptionally(e instanceof IOException io ? io : Errno.EPROTO.exception("peer " + peer + ": malformed answer"));
        ctx.close(); // the stream can no longer be trusted
      }
    } finally {
      f.release();
    }
  }

  private void handshake(ChannelHandlerContext ctx, byte type, ByteBuf f) {
    switch (type) {
      case Wire.HELLO -> {
        byte[] magic = new byte[Wire.MAGIC.length];
        boolean sized = f.readableBytes() == Wire.MAGIC.length + Wire.NONCE;
        if (sized) {
          f.readBytes(magic);
        }
        if (!sized || !Arrays.equals(magic, Wire.MAGIC)) {
          failHandshake(ctx, Errno.EPROTO.exception("peer " + peer + " does not speak the nectar peer protocol v1"), PeerMeters.Cause.LOST);
          return;
        }
        serverNonce = new byte[Wire.NONCE];
        f.readBytes(serverNonce);
        clientNonce = new byte[Wire.NONCE];
        RANDOM.nextBytes(clientNonce);
        ByteBuf auth = Wire.frame(ctx.alloc(), Wire.AUTH, 0, Wire.NONCE + Wire.MAC);
        auth.writeBytes(clientNonce).writeBytes(key.mac(Wire.CLIENT_PROOF, serverNonce, clientNonce));
        ctx.writeAndFlush(Wire.seal(auth));
      }
      case Wire.AUTH_OK -> {
        byte[] proof = new byte[Wire.MAC];
        boolean sized = serverNonce != null && f.readableBytes() == Wire.MAC;
        if (sized) {
          f.readBytes(proof);
        }
        if (!sized || !MessageDigest.isEqual(proof, key.mac(Wire.SERVER_PROOF, clientNonce, serverNonce))) {
          failHandshake(ctx, Errno.EACCES.exception("peer " + peer + " does not know the group key of " + key.group()), PeerMeters.Cause.AUTH);
          return;
        }
        Sealing.client(ctx.pipeline(), key, serverNonce, clientNonce);
        ready.complete(this);
      }
      case Wire.ERROR -> {
        FsException e = Wire.readError(f, peer);
        failHandshake(ctx, e, e.errno() == Errno.EACCES ? PeerMeters.Cause.AUTH : PeerMeters.Cause.LOST);
      }
      default -> failHandshake(ctx, Errno.EPROTO.exception("peer " + peer + " sent frame type " + type + " during the handshake"), PeerMeters.Cause.LOST);
    }
  }

  private void failHandshake(ChannelHandlerContext ctx, FsException e, PeerMeters.Cause cause) {
    if (!ready.isDone()) { // ready completes on the event loop only: no race; count before waking the caller
      meters.errors.get(cause).increment();
      ready.completeExceptionally(e);
    }
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    FsException lost = Errno.EIO.exception("connection to peer " + peer + " lost");
    if (!ready.isDone()) {
      meters.errors.get(PeerMeters.Cause.LOST).increment();
      ready.completeExceptionally(lost);
    }
    for (Integer id : pending.keySet()) {
      Pending p = pending.remove(id);
      if (p != null) {
        meters.errors.get(PeerMeters.Cause.LOST).increment();
        p.future.completeExceptionally(lost);
      }
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close(); // channelInactive fails what waits
  }

  /** Decodes a DATA body of {@code len} bytes and checks its CRC32C. */
  static Decoder data(String peer, String key, int len) {
    return b -> {
      int crc = b.readInt();
      if (b.readableBytes() != len) {
        throw Errno.EPROTO.exception("peer " + peer + " sent " + b.readableBytes() + " bytes of " + key + " for " + len);
      }
      byte[] out = new byte[len];
      b.readBytes(out);
      CRC32C c = new CRC32C();
      c.update(out);
      if ((int) c.getValue() != crc) {
        throw new CorruptObjectException(key, "CRC32C mismatch in the copy from peer " + peer);
      }
      return out;
    };
  }

  static Decoder bits() {
    return b -> {
      int n = b.readInt();
      byte[] bytes = new byte[b.readInt()];
      b.readBytes(bytes);
      BitSet s = BitSet.valueOf(bytes);
      if (s.length() > n) {
        throw Errno.EPROTO.exception("has-answer with bits past its " + n + " keys");
      }
      return s;
    };
  }
}
