package io.nectarfs.common;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves a {@link Metrics} registry as {@code GET /metrics} (Prometheus text format) over HTTP, on
 * the JDK's {@code com.sun.net.httpserver}: the one endpoint every long-lived process (mount,
 * gateway, cache node, CSI) starts. Any other path answers 404.
 *
 * <p>Binding: {@link #start} binds exactly the address given (a taken port is a one-line {@link
 * IOException}); {@link #startNear} tries the port given and then the following ones, for the
 * default address that another process may already hold.
 *
 * <p>Concurrency: requests are served by one daemon thread; scraping reads the registry, which is
 * thread-safe. {@link #close} stops the server at once (idempotent).
 */
public final class MetricsServer implements AutoCloseable {
  /** The default address of a mount's endpoint. */
  public static final String DEFAULT_ADDRESS = "127.0.0.1:9567";

  private final HttpServer server;
  private final ExecutorService executor;

  private MetricsServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Serves {@code metrics} on exactly {@code address}; one-line IOException when it is taken. */
  public static MetricsServer start(Metrics metrics, InetSocketAddress address) throws IOException {
    HttpServer s;
    try {
      s = HttpServer.create(address, 16);
    } catch (BindException e) {
      throw new IOException("metrics address " + format(address) + " is already in use (choose another with --metrics HOST:PORT)", e);
    }
    ExecutorService ex = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "nectar-metrics-http");
      t.setDaemon(true);
      return t;
    });
    s.setExecutor(ex);
    s.createContext("/", exchange -> {
      try (exchange) {
        String path = exchange.getRequestURI().getPath();
        if (!"/metrics".equals(path) || !"GET".equals(exchange.getRequestMethod())) {
          exchange.sendResponseHeaders(404, -1);
          return;
        }
        byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    });
    s.start();
    return new MetricsServer(s, ex);
  }

  /**
   * Serves on {@code address} or, when its port is taken, on the first free port of the next
   * {@code tries - 1}; the error of the last try when none is free.
   */
  public static MetricsServer startNear(Metrics metrics, InetSocketAddress address, int tries) throws IOException {
    IOException last = null;
    for (int i = 0; i < tries && address.getPort() + i <= 65535; i++) {
      try {
        return start(metrics, new InetSocketAddress(address.getAddress(), address.getPort() + i));
      } catch (IOException e) {
        last = e;
      }
    }
    throw last != null ? last : new IOException("no free metrics port from " + format(address));
  }

  /**
   * Parses {@code HOST:PORT}, {@code :PORT} (loopback) or {@code PORT}; one-line
   * IllegalArgumentException otherwise.
   */
  public static InetSocketAddress parse(String address) {
    int colon = address.lastIndexOf(':');
    String host = colon < 0 ? "127.0.0.1" : address.substring(0, colon);
    String port = colon < 0 ? address : address.substring(colon + 1);
    if (host.isEmpty()) {
      host = "127.0.0.1";
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("metrics address must be HOST:PORT, got '" + address + "'");
    }
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException("metrics port out of range in '" + address + "'");
    }
    return new InetSocketAddress(host, p);
  }

  /** The bound address (the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** {@code http://HOST:PORT/metrics} of this server. */
  public String url() {
    return "http://" + format(address()) + "/metrics";
  }

  private static String format(InetSocketAddress a) {
    String h = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
