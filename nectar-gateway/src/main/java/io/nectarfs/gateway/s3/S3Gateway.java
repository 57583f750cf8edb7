package io.nectarfs.gateway.s3;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Metrics;
import io.nectarfs.fs.FileApi;
import io.nectarfs.gateway.http.Listening;
import io.nectarfs.gateway.s3.auth.Authenticator;
import io.nectarfs.gateway.s3.store.BucketStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The S3 gateway: the S3 REST API over a {@link FileApi} (usually {@code Volume.fileSystem()}),
 * served by Jetty 12 core handlers on virtual threads. {@link #start} binds and serves; {@link
 * #close} stops accepting, lets requests in flight finish (up to the stop timeout) and returns;
 * closing the volume is the caller's.
 *
 * <p>Connections: HTTP/1.1 with keep-alive; a connection with no traffic for {@link
 * Options#idleTimeoutMillis} is closed (a client that stops sending mid-upload included: the
 * upload fails and leaves nothing visible). An idle connection costs no thread (Jetty waits on
 * the selector) and a few KiB of buffers, so thousands of idle clients stay cheap.
 *
 * <p>Thread-safe.
 */
public final class S3Gateway implements AutoCloseable {
  /**
   * A PKCS12 keystore holding the server's certificate chain and private key (make one from PEM
   * files with {@code openssl pkcs12 -export -in cert.pem -inkey key.pem -out gw.p12}).
   *
   * @param password the keystore's password (never logged)
   */
  public record Tls(Path keystore, String password) {
    @Override
    public String toString() {
      return "Tls[" + keystore + "]";
    }
  }

  /**
   * @param address where to listen (port 0: any free port)
   * @param root the directory of the volume served ("/" or a {@code --subdir})
   * @param singleBucket null: buckets are the root's top-level directories; a name: the root is
   *     that one bucket
   * @param authenticator checks signatures and maps keys to users
   * @param publicBuckets buckets that anonymous requests may read
   * @param domains host names for virtual-host addressing ({@code bucket.DOMAIN}); path style
   *     always works
   * @param region answered by GetBucketLocation and required in signatures
   * @param stopTimeoutMillis how long {@link #close} waits for requests in flight
   * @param metrics where {@code nectar_s3_request_seconds{operation,status}} is recorded
   * @param tls null: plain HTTP
   * @param idleTimeoutMillis a connection silent this long is closed (mid-request too)
   */
  public record Options(
      InetSocketAddress address,
      String root,
      String singleBucket,
      Authenticator authenticator,
      Set<String> publicBuckets,
      Set<String> domains,
      String region,
      Clock clock,
      long stopTimeoutMillis,
      Metrics metrics,
      Tls tls,
      long idleTimeoutMillis) {
    public Options {
      publicBuckets = Set.copyOf(publicBuckets);
      domains = Set.copyOf(domains);
    }

    public static Options of(InetSocketAddress address, Authenticator authenticator) {
      return new Options(address, "/", null, authenticator, Set.of(), Set.of(), "us-east-1", Clock.SYSTEM, 30_000, Metrics.disabled(), null, 60_000);
    }

    public Options withRoot(String r) {
      return new Options(address, r, singleBucket, authenticator, publicBuckets, domains, region, clock, stopTimeoutMillis, metrics, tls, idleTimeoutMillis);
    }

    public Options withSingleBucket(String b) {
      return new Options(address, root, b, authenticator, publicBuckets, domains, region, clock, stopTimeoutMillis, metrics, tls, idleTimeoutMillis);
    }

    public Options withPublicBuckets(Set<String> p) {
      return new Options(address, root, singleBucket, authenticator, p, domains, region, clock, stopTimeoutMillis, metrics, tls, idleTimeoutMillis);
    }

    public Options withDomains(Set<String> d) {
      return new Options(address, root, singleBucket, authenticator, publicBuckets, d, region, clock, stopTimeoutMillis, metrics, tls, idleTimeoutMillis);
    }

    public Options withRegion(String r) {
      return new Options(address, root, singleBucket, authenticator, publicBuckets, domains, r, clock, stopTimeoutMillis, metrics, tls, idleTimeoutMillis);
    }

    public Options withClock(Clock c) {
      return new Options(address, root, singleBucket, authenticator, publicBuckets, domains, region, c, stopTimeoutMillis, metrics, tls, idleTimeoutMillis);
    }

    public Options withMetrics(Metrics m) {
      return new Options(address, root, singleBucket, authenticator, publicBuckets, domains, region, clock, stopTimeoutMillis, m, tls, idleTimeoutMillis);
    }

    public Options withTls(Tls t) {
      return new Options(address, root, singleBucket, authenticator, publicBuckets, domains, region, clock, stopTimeoutMillis, metrics, t, idleTimeoutMillis);
    }

    public Options withIdleTimeoutMillis(long ms) {
      return new Options(address, root, singleBucket, authenticator, publicBuckets, domains, region, clock, stopTimeoutMillis, metrics, tls, ms);
    }
  }

  /** The bound of the platform thread pool (selectors, acceptor, Jetty's own non-blocking tasks). */
  static final int MAX_PLATFORM_THREADS = 64;

  private final Listening listening;

  private S3Gateway(Listening listening) {
    this.listening = listening;
  }

  /** Starts serving {@code fs}; an address in use is an IOException naming it. */
  public static S3Gateway start(FileApi fs, Options options) throws IOException {
    return start(openStore(fs, options), options);
  }

  private static BucketStore openStore(FileApi fs, Options options) {
    return BucketStore.over(fs, options.root(), options.singleBucket(), options.clock());
  }

  /** Starts serving {@code store} (tests give their own). */
  static S3Gateway start(BucketStore store, Options options) throws IOException {
    // platform threads only run the selectors and Jetty's non-blocking tasks (requests run on
    // virtual threads): a small bound keeps thousands of connections from growing it
    Server server = Listening.newServer("s3", MAX_PLATFORM_THREADS);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(true);
    http.setOutputBufferSize(64 * 1024);
    // signatures cover header values byte for byte: Jetty's header cache must not hand back its
    // own spelling of a value that differs in case ("charset=UTF-8" → "charset=utf-8")
    http.setHeaderCacheCaseSensitive(true);
    // S3 keys may hold any character ("%", "+", "//", ";", "..", encoded "/"): S3Paths decodes the
    // raw path exactly once itself, so Jetty must neither refuse nor normalise it
    http.setUriCompliance(UriCompliance.UNSAFE);
    HttpConnectionFactory h1 = new HttpConnectionFactory(http);
    // uploads arrive in larger reads (a paired probe: 4 MiB PUTs about 10% faster than with 8 KiB);
    // the buffer is pooled and only held while a connection has bytes to parse, not while idle
    h1.setInputBufferSize(64 * 1024);
    ServerConnector c;
    if (options.tls() != null) {
      if (!Files.isReadable(options.tls().keystore())) {
        throw new IOException("cannot read the TLS keystore " + options.tls().keystore());
      }
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setKeyStorePath(options.tls().keystore().toString());
      ssl.setKeyStoreType("PKCS12");
      ssl.setKeyStorePassword(options.tls().password());
      http.addCustomizer(new SecureRequestCustomizer(false)); // SNI host checks off: clients connect by IP
      c = new ServerConnector(server, new SslConnectionFactory(ssl, h1.getProtocol()), h1);
    } else {
      c = new ServerConnector(server, h1);
    }
    c.setIdleTimeout(options.idleTimeoutMillis());
    c.setAcceptQueueSize(1024);
    server.setHandler(new S3Handler(store, options));
    server.setErrorHandler(new S3ErrorHandler()); // Jetty's own rejections in S3's XML too
    String scheme = options.tls() != null ? "https" : "http";
    return new S3Gateway(Listening.start(server, c, options.address(), options.stopTimeoutMillis(), "the S3 gateway", scheme));
  }

  /** The bound port (the chosen one when started on port 0). */
  public int port() {
    return listening.port();
  }

  /** The endpoint URL, e.g. {@code http://127.0.0.1:9000}. */
  public String url() {
    return listening.url();
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
