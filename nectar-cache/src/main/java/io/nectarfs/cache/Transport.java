package io.nectarfs.cache;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Netty's transport for the peer protocol: NIO (epoll measured no faster on loopback and needs a
 * native library; docs/decisions.md).
 *
 * <p>Clients share one event loop group for the life of the process (daemon threads, twice the
 * cores): a member talks to every other member, and a group of threads per peer would not scale.
 * Each server has its own group, shut down by its close.
 */
final class Transport {
  private static final class Clients {
    static final EventLoopGroup GROUP = group("nectar-peer-client", 0);
  }

  private Transport() {}

  static String name() {
    return "nio";
  }

  /** A new event loop group of {@code threads} daemon threads (0: Netty's default, twice the cores). */
  static EventLoopGroup group(String name, int threads) {
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), NioIoHandler.newFactory());
  }

  static EventLoopGroup clients() {
    return Clients.GROUP;
  }

  static Class<? extends ServerChannel> serverChannel() {
    return NioServerSocketChannel.class;
  }

  static Class<? extends SocketChannel> channel() {
    return NioSocketChannel.class;
  }
}
