package io.nectarfs.gateway.webdav;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Metrics;
import io.nectarfs.fs.FileApi;
import io.nectarfs.gateway.http.Listening;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A WebDAV server (RFC 4918 class 1 and 2) over a {@link FileApi}, usually a volume's
 * {@code Volume.fileSystem()}: Jetty 12 core handlers on virtual threads (see docs/decisions.md).
 * Start it with {@link #start}; {@link #close} stops accepting, lets requests in flight finish (up
 * to the stop timeout) and returns; closing the volume is the caller's.
 *
 * <p>Thread-safe. Locks are held in memory (a restart forgets them).
 */
public final class WebDavServer implements AutoCloseable {
  /**
   * @param address where to listen (port 0: any free port)
   * @param readOnly refuse every change with 403
   * @param auth who requests act as
   * @param clock lock timeouts
   * @param stopTimeoutMillis how long {@link #close} waits for requests in flight
   * @param metrics where {@code nectar_webdav_request_seconds{method,status}} is recorded
   */
  public record Options(InetSocketAddress address, boolean readOnly, BasicAuth auth, Clock clock, long stopTimeoutMillis, Metrics metrics) {
    public static Options of(InetSocketAddress address, BasicAuth auth) {
      return new Options(address, false, auth, Clock.SYSTEM, 30_000, Metrics.disabled());
    }

    public Options withReadOnly(boolean ro) {
      return new Options(address, ro, auth, clock, stopTimeoutMillis, metrics);
    }

    public Options withClock(Clock c) {
      return new Options(address, readOnly, auth, c, stopTimeoutMillis, metrics);
    }

    public Options withMetrics(Metrics m) {
      return new Options(address, readOnly, auth, clock, stopTimeoutMillis, m);
    }
  }

  private final Listening listening;

  private WebDavServer(Listening listening) {
    this.listening = listening;
  }

  /** Starts serving {@code fs}; an address in use is an IOException naming it. */
  public static WebDavServer start(FileApi fs, Options options) throws IOException {
    Server server = Listening.newServer("webdav", 200);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(true);
    // every name of the volume is servable (%25, ';', non-UTF-8 bytes, "//"): DavPaths decodes
    // the raw path itself and refuses what is unsafe (".", "..", an encoded "/", NUL) with 400;
    // a fragment in the request URI stays refused (a DELETE of "/coll/#frag" must not remove /coll)
    http.setUriCompliance(UriCompliance.UNSAFE.without("WEBDAV", UriCompliance.Violation.FRAGMENT, UriCompliance.Violation.USER_INFO));
    ServerConnector c = new ServerConnector(server, new HttpConnectionFactory(http));
    server.setHandler(new DavHandler(fs, options));
    return new WebDavServer(Listening.start(server, c, options.address(), options.stopTimeoutMillis(), "the WebDAV server", "http"));
  }

  /** The bound port (the chosen one when started on port 0). */
  public int port() {
    return listening.port();
  }

  /** The base URL, e.g. {@code http://127.0.0.1:8080/}. */
  public String url() {
    return listening.url() + "/";
  }

  /** Blocks until the server stopped. */
  public void join() throws InterruptedException {
    listening.join();
  }

  @Override
  public void close() throws IOException {
    listening.close();
  }
}
