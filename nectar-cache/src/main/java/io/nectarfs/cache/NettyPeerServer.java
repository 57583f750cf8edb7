package io.nectarfs.cache;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Metrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PeerServer} on Netty.
 *
 * <h2>Concurrency</h2>
 *
 * Netty's event loops read frames and run the handshake ({@link ServerConnection}); each request
 * runs on its own virtual thread, which calls the provider, writes its whole answer as one message
 * (so answers of concurrent requests on one connection never interleave) and waits until it is
 * written, so a slow reader holds at most the answers it asked for.
 *
 * <p>Invariants, under {@code this}'s monitor: {@code inFlight} counts requests admitted and not yet
 * answered; none is admitted once {@code closing} is set, so {@link #close} waits for {@code
 * inFlight} to reach 0 and then closes the connections with nothing left unanswered.
 */
final class NettyPeerServer implements PeerServer {
  private static final Logger log = LoggerFactory.getLogger(NettyPeerServer.class);
  /** A connection that has not authenticated by then is closed. */
  static final long HANDSHAKE_MILLIS = 10_000;
  /** How long close waits for requests in flight. */
  static final long DRAIN_MILLIS = 30_000;
  /** Remote hosts whose refusal was logged (bounded: after this many, refusals are counted only). */
  private static final int MAX_LOGGED = 1024;

  private final InetSocketAddress address;
  final GroupKey key;
  final BlockProvider provider;
  final ServerMeters meters;
  private final io.nectarfs.common.Metrics metrics;
  /** Clients of other members this server reads from for WARM_FROM, by address; closed with the server. */
  private final java.util.Map<InetSocketAddress, PeerClient> peers = new java.util.concurrent.ConcurrentHashMap<>();
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel listener;
  final ChannelGroup connections = new DefaultChannelGroup("nectar-peer", GlobalEventExecutor.INSTANCE);
  final ExecutorService requests = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("nectar-peer-request-", 0).factory());
  private final Set<String> loggedRefusals = ConcurrentHashMap.newKeySet();
  private int inFlight;
  private boolean closing;
  private boolean closed;
  /** Runs when a peer says the membership changed (see {@link PeerServer#onMembersChanged}). */
  volatile Runnable membersChanged = () -> {};
  /** Tests only: changes a GET payload after its CRC was computed (to prove clients check it). */
  volatile Consumer<byte[]> afterChecksum;

  private NettyPeerServer(InetSocketAddress address, GroupKey key, BlockProvider provider, Metrics metrics) throws IOException {
    this.key = key;
    this.provider = provider;
    this.meters = new ServerMeters(metrics);
    this.metrics = metrics;
    this.boss = Transport.group("nectar-peer-accept", 1);
    this.workers = Transport.group("nectar-peer-io", 0);
    ServerBootstrap b = new ServerBootstrap()
        .group(boss, workers)
        .channel(Transport.serverChannel())
        .option(ChannelOption.SO_REUSEADDR, true)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            connections.add(ch);
            ch.pipeline().addLast(Wire.FRAMES, Wire.frames()).addLast(new ServerConnection(NettyPeerServer.this));
          }
        });
    ChannelFuture bound = b.bind(address).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      shutdownLoops();
      Throwable c = bound.cause();
      String why = c instanceof BindException || (c != null && String.valueOf(c.getMessage()).contains("in use"))
          ? "the address is in use (another member or process listens there)" : String.valueOf(c == null ? "unknown" : c.getMessage());
      throw new IOException("cannot listen on " + Wire.describe(address) + " for the cache group peer server: " + why, c);
    }
    this.listener = bound.channel();
    this.address = (InetSocketAddress) listener.localAddress();
    log.info("cache group {}: peer server listening on {} ({})", key.group(), Wire.describe(this.address), Transport.name());
  }

  static NettyPeerServer start(InetSocketAddress address, GroupKey key, BlockProvider provider, Metrics metrics) throws IOException {
    return new NettyPeerServer(address, key, provider, metrics);
  }

  @Override
  public void onMembersChanged(Runnable action) {
    membersChanged = java.util.Objects.requireNonNull(action);
  }

  @Override
  public int port() {
    return address.getPort();
  }

  /** Admits a request; false once closing (the request is then answered with EAGAIN). */
  synchronized boolean enter() {
    if (closing) {
      return false;
    }
    inFlight++;
    return true;
  }

  synchronized void exit() {
    if (--inFlight == 0) {
      notifyAll();
    }
  }

  /** Logs the first refusal of each remote host (the counter counts them all). */
  void refused(String remoteHost, String why) {
    if (loggedRefusals.size() < MAX_LOGGED && loggedRefusals.add(remoteHost)) {
      log.warn("cache group {}: refused a peer connection from {}: {} (logged once per host)", key.group(), remoteHost, why);
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      closing = true;
    }
    listener.close().awaitUninterruptibly();
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
    boolean interrupted = false;
    synchronized (this) {
      while (inFlight > 0) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          log.warn("cache group {}: peer server on port {} closes with {} requests unanswered after {} ms", key.group(), port(), inFlight, DRAIN_MILLIS);
          break;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    connections.close().awaitUninterruptibly();
    peers.values().forEach(PeerClient::close);
    requests.shutdown();
    shutdownLoops();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Tests only: drops every connection at once, as a killed process would (no draining). */
  void kill() {
    synchronized (this) {
      closed = true;
      closing = true;
    }
    listener.close().awaitUninterruptibly();
    connections.close().awaitUninterruptibly();
    requests.shutdownNow();
    shutdownLoops();
  }

  private void shutdownLoops() {
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  /** Runs a request's answer on a virtual thread; {@code work} returns the whole answer frame. */
  /** The client of the member at {@code address} for WARM_FROM (long timeout: it waits on that member's object store). */
  PeerClient peer(InetSocketAddress address) {
    return peers.computeIfAbsent(address, a -> PeerClient.connect(a, key, PeerClient.Options.DEFAULT.withTimeout(java.time.Duration.ofMinutes(10)), metrics));
  }

  void answer(Channel ch, int id, Wire.Op op, IoWork work) {
    if (!enter()) {
      ch.writeAndFlush(Wire.error(ch.alloc(), id, Errno.EAGAIN, "server is closing"));
      return;
    }
    meters.requests.get(op).increment();
    requests.execute(() -> {
      long t0 = System.nanoTime();
      try {
        ByteBuf reply;
        try {
          reply = work.run(Ctx.ROOT);
        } catch (IOException | RuntimeException e) {
          meters.errors.increment();
          Errno errno = Errno.of(e);
          if (!(e instanceof FsException) && errno == Errno.EIO) {
            log.warn("cache group {}: {} request failed", key.group(), op, e);
          }
          reply = Wire.error(ch.alloc(), id, errno, String.valueOf(e.getMessage()));
        }
        ch.writeAndFlush(reply).awaitUninterruptibly();
        meters.latency.get(op).record(System.nanoTime() - t0);
      } finally {
        exit();
      }
    });
  }

  /** The answer to one request, computed off the event loop. */
  @FunctionalInterface
  interface IoWork {
    ByteBuf run(Ctx ctx) throws IOException;
  }

  /** A GET's answer: header and CRC, then the provider's array as is (no copy). */
  ByteBuf data(Channel ch, int id, byte[] payload) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(payload);
    Consumer<byte[]> hook = afterChecksum;
    if (hook != null) {
      payload = payload.clone();
      hook.accept(payload);
    }
    ByteBuf head = Wire.frame(ch.alloc(), Wire.DATA, id, 4);
    head.writeInt((int) crc.getValue());
    head.setInt(0, head.readableBytes() - 4 + payload.length);
    meters.blocksServed.increment();
    meters.bytesServed.increment(payload.length);
    return Unpooled.wrappedBuffer(head, Unpooled.wrappedBuffer(payload));
  }
}
