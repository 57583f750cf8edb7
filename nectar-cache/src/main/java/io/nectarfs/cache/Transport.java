package io.nectarfs.cache;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Netty's transport for the peer protocol: epoll where its native library loads, else NIO
 * ({@code -Dnectar.cache.transport=nio} forces NIO, for measurements).
 *
 * <p>Clients share one event loop group for the life of the process (daemon threads, as many as
 * cores): a member talks to every other member, and a group of threads per peer would not scale.
 * Each server has its own group, shut down by its close.
 */
final class Transport {
  static final boolean EPOLL = !"nio".equals(System.getProperty("nectar.cache.transport")) && Epoll.isAvailable();

  private static final class Clients {
    static final EventLoopGroup GROUP = group("nectar-peer-client", 0);
  }

  private Transport() {}

  static String name() {
    return EPOLL ? "epoll" : "nio";
  }

  /** A new event loop group of {@code threads} daemon threads (0: Netty's default, twice the cores). */
  static EventLoopGroup group(String name, int threads) {
    IoHandlerFactory f = EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), f);
  }

  static EventLoopGroup clients() {
    return Clients.GROUP;
  }

  static Class<? extends ServerChannel> serverChannel() {
    return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  static Class<? extends SocketChannel> channel() {
    return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
  }
}
