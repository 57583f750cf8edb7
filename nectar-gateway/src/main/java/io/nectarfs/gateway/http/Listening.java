package io.nectarfs.gateway.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The life of one Jetty server of a network front end (WebDAV, S3): start with a clear error,
 * the bound port and URL, join and stop. The front end builds its own connector and handler;
 * this class owns neither protocol choices nor requests.
 *
 * <p>Thread-safe: Jetty's {@link Server} is; this class holds only final fields.
 */
public final class Listening implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;
  private final String what;
  private final String scheme;

  private Listening(Server server, ServerConnector connector, String what, String scheme) {
    this.server = server;
    this.connector = connector;
    this.what = what;
    this.scheme = scheme;
  }

  /**
   * A server whose requests run on virtual threads and whose platform threads (selectors,
   * acceptor, Jetty's non-blocking tasks) are at most {@code maxPlatformThreads}.
   */
  public static Server newServer(String name, int maxPlatformThreads) {
    QueuedThreadPool pool = new QueuedThreadPool(maxPlatformThreads, 4);
    pool.setName(name);
    pool.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(name + "-", 0).factory()));
    return new Server(pool);
  }

  /**
   * Binds {@code connector} to {@code address} and starts {@code server} (its handler already
   * set); on failure the server is stopped and the error names the address or {@code what}.
   *
   * @param what the server's name in messages ("the S3 gateway")
   * @param scheme "http" or "https", for {@link #url}
   */
  public static Listening start(Server server, ServerConnector connector, InetSocketAddress address, long stopTimeoutMillis, String what, String scheme)
      throws IOException {
    connector.setHost(address.getHostString());
    connector.setPort(address.getPort());
    server.addConnector(connector);
    server.setStopTimeout(stopTimeoutMillis);
    server.setStopAtShutdown(false);
    try {
      server.start();
    } catch (IOException e) {
      stopQuietly(server);
      throw new IOException("cannot listen on " + address.getHostString() + ":" + address.getPort() + ": " + e.getMessage(), e);
    } catch (Exception e) {
      stopQuietly(server);
      throw new IOException("cannot start " + what + ": " + e.getMessage(), e);
    }
    return new Listening(server, connector, what, scheme);
  }

  private static void stopQuietly(Server s) {
    try {
      s.stop();
    } catch (Exception e) {
      // failed to start anyway
    }
  }

  /** The bound port (the chosen one when started on port 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /** {@code scheme://host:port} with no trailing slash; a wildcard host is shown as 127.0.0.1. */
  public String url() {
    String host = connector.getHost();
    if (host == null || host.equals("0.0.0.0")) {
      host = "127.0.0.1";
    }
    return scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
  }

  /** Blocks until the server stopped. */
  public void join() throws InterruptedException {
    server.join();
  }

  /** Stops accepting and lets requests in flight finish, up to the stop timeout. */
  @Override
  public void close() throws IOException {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IOException("stopping " + what + ": " + e.getMessage(), e);
    }
  }
}
