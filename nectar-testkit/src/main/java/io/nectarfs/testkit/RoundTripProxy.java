package io.nectarfs.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay in front of a test server (Redis, PostgreSQL, ...) that counts round trips: a round
 * trip starts whenever a client sends bytes after having received some (or first). Deterministic enough for "far fewer
 * than N" assertions and exact for a strict request-reply client: pipelined commands count once
 * per burst, a command per key once per key.
 *
 * <p>Concurrency: two relay threads per connection; each connection's direction flag is set before
 * server bytes are forwarded, so the client's next request always sees it.
 */
public final class RoundTripProxy implements AutoCloseable {
  private final ServerSocket server;
  private final String host;
  private final int port;
  private final AtomicLong trips = new AtomicLong();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  public RoundTripProxy(String host, int port) throws IOException {
    this.host = host;
    this.port = port;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(this::accept);
  }

  public int port() {
    return server.getLocalPort();
  }

  /** A relay in front of the server that the engine URL {@code url} names. */
  public static RoundTripProxy inFrontOf(String url) throws IOException {
    java.net.URI u = java.net.URI.create(url);
    return new RoundTripProxy(u.getHost(), u.getPort());
  }

  /** {@code url} (naming this relay's server) with its address replaced by this relay's. */
  public String via(String url) {
    return url.replace(host + ":" + port, "127.0.0.1:" + port());
  }

  public long trips() {
    return trips.get();
  }

  private void accept() {
    try {
      while (true) {
        Socket c = server.accept();
        Socket s = new Socket(host, port);
        c.setTcpNoDelay(true);
        s.setTcpNoDelay(true);
        sockets.add(c);
        sockets.add(s);
        AtomicBoolean answered = new AtomicBoolean(true);
        Thread.ofVirtual().start(() -> relay(c, s, () -> {
          if (answered.getAndSet(false)) {
            trips.incrementAndGet();
          }
        }));
        Thread.ofVirtual().start(() -> relay(s, c, () -> answered.set(true)));
      }
    } catch (IOException closed) {
      // the proxy was closed
    }
  }

  private static void relay(Socket from, Socket to, Runnable beforeForward) {
    byte[] buf = new byte[65536];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        beforeForward.run();
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException ended) {
      // either side closed
    } finally {
      try {
        to.close();
        from.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
