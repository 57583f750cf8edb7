package io.nectarfs.cache;

import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of a {@link NettyPeerServer}: the handshake, then requests.
 *
 * <p>Concurrency: every method runs on the connection's event loop, so its fields need no lock.
 * Requests are parsed here (cheap) and answered on virtual threads ({@link NettyPeerServer#answer}).
 * Before the client has proved the group key, any frame but AUTH closes the connection.
 */
final class ServerConnection extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Blocks of one WARM request fetched at the same time. */
  private static final int WARM_PARALLELISM = 8;

  private final NettyPeerServer server;
  private final byte[] nonce = new byte[Wire.NONCE];
  private boolean authenticated;
  private ScheduledFuture<?> handshakeTimeout;

  ServerConnection(NettyPeerServer server) {
    this.server = server;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    RANDOM.nextBytes(nonce);
    ByteBuf hello = Wire.frame(ctx.alloc(), Wire.HELLO, 0, Wire.MAGIC.length + Wire.NONCE);
    hello.writeBytes(Wire.MAGIC).writeBytes(nonce);
    ctx.writeAndFlush(Wire.seal(hello));
    handshakeTimeout = ctx.executor().schedule(() -> {
      if (!authenticated) {
        refuse(ctx, server.meters.refusedProtocol, "no authentication within " + NettyPeerServer.HANDSHAKE_MILLIS + " ms", Errno.ETIMEDOUT);
      }
    }, NettyPeerServer.HANDSHAKE_MILLIS, TimeUnit.MILLISECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (handshakeTimeout != null) {
      handshakeTimeout.cancel(false);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf f = (ByteBuf) msg;
    try {
      byte type = f.readByte();
      int id = f.readInt();
      if (!authenticated) {
        handshake(ctx, type, f);
      } else {
        request(ctx, type, id, f);
      }
    } catch (FsException | IndexOutOfBoundsException e) {
      refuse(ctx, server.meters.refusedProtocol, "protocol error: " + e.getMessage(), Errno.EPROTO);
    } finally {
      f.release();
    }
  }

  private void handshake(ChannelHandlerContext ctx, byte type, ByteBuf f) {
    if (type != Wire.AUTH || f.readableBytes() != Wire.NONCE + Wire.MAC) {
      refuse(ctx, server.meters.refusedProtocol, "protocol error: expected AUTH, got frame type " + type, Errno.EPROTO);
      return;
    }
    byte[] clientNonce = new byte[Wire.NONCE];
    byte[] proof = new byte[Wire.MAC];
    f.readBytes(clientNonce).readBytes(proof);
    if (!MessageDigest.isEqual(proof, server.key.mac(Wire.CLIENT_PROOF, nonce, clientNonce))) {
      refuse(ctx, server.meters.refusedAuth, "wrong group key", Errno.EACCES);
      return;
    }
    authenticated = true;
    handshakeTimeout.cancel(false);
    ByteBuf ok = Wire.frame(ctx.alloc(), Wire.AUTH_OK, 0, Wire.MAC);
    ok.writeBytes(server.key.mac(Wire.SERVER_PROOF, clientNonce, nonce));
    ctx.writeAndFlush(Wire.seal(ok)); // written in clear: on the event loop the write passes the pipeline now
    Sealing.server(ctx.pipeline(), server.key, nonce, clientNonce);
  }

  /** Answers ERROR with {@code why} (the client shows it), then closes; logs once per host. */
  private void refuse(ChannelHandlerContext ctx, io.micrometer.core.instrument.Counter counter, String why, Errno errno) {
    counter.increment();
    String host = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getHostString() : String.valueOf(ctx.channel().remoteAddress());
    server.refused(host, why);
    String told = errno == Errno.EACCES
        ? "authentication failed: wrong group key (members need the same token, volume and group " + server.key.group() + ")"
        : why;
    ctx.writeAndFlush(Wire.error(ctx.alloc(), 0, errno, told)).addListener(ChannelFutureListener.CLOSE);
  }

  private void request(ChannelHandlerContext ctx, byte type, int id, ByteBuf f) throws FsException {
    BlockProvider p = server.provider;
    var ch = ctx.channel();
    switch (type) {
      case Wire.GET -> {
        String key = Wire.readKey(f);
        int blockLen = f.readInt();
        int off = f.readInt();
        int len = f.readInt();
        if (blockLen < 0 || off < 0 || len < 0 || (long) off + len > blockLen || len > Wire.MAX_GET) {
          ch.writeAndFlush(Wire.error(ctx.alloc(), id, Errno.EINVAL, "range " + off + "+" + len + " outside block " + key + " of " + blockLen + " bytes"));
          return;
        }
        server.answer(ch, id, Wire.Op.GET, c -> {
          byte[] b = p.read(c, key, blockLen, off, len);
          if (b.length != len) {
            throw Errno.EIO.exception("provider returned " + b.length + " bytes of block " + key + " for " + len);
          }
          return server.data(ch, id, b);
        });
      }
      case Wire.HAS -> {
        List<PeerClient.Key> keys = Wire.readKeys(f);
        server.answer(ch, id, Wire.Op.HAS, c -> {
          BitSet bits = new BitSet(keys.size());
          for (int i = 0; i < keys.size(); i++) {
            bits.set(i, p.has(keys.get(i).key(), keys.get(i).blockLen()));
          }
          byte[] bytes = bits.toByteArray();
          ByteBuf b = Wire.frame(ch.alloc(), Wire.HAS_OK, id, 8 + bytes.length);
          b.writeInt(keys.size()).writeInt(bytes.length).writeBytes(bytes);
          return Wire.seal(b);
        });
      }
      case Wire.WARM -> {
        List<PeerClient.Key> keys = Wire.readKeys(f);
        server.answer(ch, id, Wire.Op.WARM, c -> warm(ch, id, c, keys, k -> p.warm(c, k.key(), k.blockLen())));
      }
      case Wire.WARM_FROM -> {
        String host = Wire.readKey(f);
        int port = f.readInt();
        if (port < 1 || port > 65535) {
          throw Errno.EPROTO.exception("warm-from port " + port);
        }
        List<PeerClient.Key> keys = Wire.readKeys(f);
        server.answer(ch, id, Wire.Op.WARM_FROM, c -> {
          PeerClient from = server.peer(new InetSocketAddress(host, port));
          return warm(ch, id, c, keys, k -> {
            if (!p.has(k.key(), k.blockLen())) {
              p.keep(c, k.key(), k.blockLen(), from.get(c, k.key(), k.blockLen(), 0, k.blockLen()));
            }
          });
        });
      }
      case Wire.MEMBERS -> server.answer(ch, id, Wire.Op.MEMBERS, c -> {
        server.membersChanged.run();
        return Wire.seal(Wire.frame(ch.alloc(), Wire.MEMBERS_OK, id, 0));
      });
      case Wire.STATS -> server.answer(ch, id, Wire.Op.STATS, c -> {
        BlockProvider.Stats s = p.stats();
        ByteBuf b = Wire.frame(ch.alloc(), Wire.STATS_OK, id, 24);
        b.writeLong(s.blocks()).writeLong(s.bytes()).writeLong(s.capacity());
        return Wire.seal(b);
      });
      case Wire.EVICT -> {
        List<PeerClient.Key> keys = Wire.readKeys(f);
        server.answer(ch, id, Wire.Op.EVICT, c -> {
          int evicted = 0;
          for (PeerClient.Key k : keys) {
            c.checkCancelled();
            evicted += p.evict(k.key(), k.blockLen()) ? 1 : 0;
          }
          ByteBuf b = Wire.frame(ch.alloc(), Wire.EVICT_OK, id, 4);
          b.writeInt(evicted);
          return Wire.seal(b);
        });
      }
      default -> throw Errno.EPROTO.exception("unknown request type " + type);
    }
  }

  /** Warms one block. */
  @FunctionalInterface
  private interface Warming {
    void warm(PeerClient.Key k) throws Exception;
  }

  /** Warms {@code keys}, {@link #WARM_PARALLELISM} at a time, and answers the counts. */
  private ByteBuf warm(io.netty.channel.Channel ch, int id, io.nectarfs.common.Ctx c, List<PeerClient.Key> keys, Warming warming) {
    Semaphore slots = new Semaphore(WARM_PARALLELISM);
    java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
    try (var scope = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (PeerClient.Key k : keys) {
        slots.acquireUninterruptibly();
        scope.execute(() -> {
          try {
            warming.warm(k);
            ok.incrementAndGet();
            server.meters.warmed.increment();
          } catch (Exception e) {
            failed.incrementAndGet();
            server.meters.warmFailed.increment();
            log.debug("cache group {}: warming {} failed: {}", server.key.group(), k.key(), e.toString());
          } finally {
            slots.release();
          }
        });
      }
    }
    ByteBuf b = Wire.frame(ch.alloc(), Wire.WARM_OK, id, 8);
    b.writeInt(ok.get()).writeInt(failed.get());
    return Wire.seal(b);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("cache group {}: peer connection from {} failed: {}", server.key.group(), ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
