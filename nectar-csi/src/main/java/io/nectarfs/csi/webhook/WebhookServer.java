package io.nectarfs.csi.webhook;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The admission webhook of {@code nectar csi webhook}: AdmissionReview v1 at {@code POST /mutate}
 * over HTTPS (Jetty 12 core, TLS from the PEM files of {@link WebhookConfig}, read once at
 * start), asking the API server through {@code client}.
 *
 * <p>Concurrency: requests run on Jetty's bounded thread pool, at most {@value #MAX_THREADS}
 * threads; the handler keeps no state between requests and the fabric8 client is thread-safe.
 * {@link #close} stops accepting and lets requests in flight finish for up to 10 s; the client
 * stays the caller's.
 */
public final class WebhookServer implements AutoCloseable {
  private static final int MAX_THREADS = 32;
  private final Server server;
  private final ServerConnector connector;
  private volatile AutoCloseable owned = () -> {};

  private WebhookServer(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  /**
   * Serves with a client of the cluster this process runs in (in-cluster configuration, else
   * the kubeconfig), closed with the server.
   */
  public static WebhookServer startInCluster(WebhookConfig config) throws IOException {
    KubernetesClient client = new KubernetesClientBuilder().build();
    try {
      WebhookServer s = start(config, client);
      s.owned = client;
      return s;
    } catch (IOException | RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /** Listens on {@code config.address()}; a bad certificate or key, or an address in use, is an IOException naming it. */
  public static WebhookServer start(WebhookConfig config, KubernetesClient client) throws IOException {
    byte[] pw = new byte[16];
    new SecureRandom().nextBytes(pw);
    char[] password = HexFormat.of().formatHex(pw).toCharArray(); // the in-memory key store's, never written
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(PemKeys.keyStore(config.certFile(), config.keyFile(), password));
    ssl.setKeyStorePassword(new String(password));
    ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.addCustomizer(new SecureRequestCustomizer(false, false, -1, false)); // the API server calls by service name or IP: no SNI check
    HttpConnectionFactory h1 = new HttpConnectionFactory(http);
    QueuedThreadPool pool = new QueuedThreadPool(MAX_THREADS, 2);
    pool.setName("nectar-webhook");
    Server server = new Server(pool);
    ServerConnector connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(ssl, h1.getProtocol()), h1);
    connector.setHost(config.address().getHostString());
    connector.setPort(config.address().getPort());
    server.addConnector(connector);
    server.setHandler(new AdmissionHandler(client, config));
    server.setStopTimeout(10_000);
    server.setStopAtShutdown(false);
    try {
      server.start();
    } catch (Exception e) {
      stopQuietly(server);
      throw new IOException("cannot listen on " + config.address().getHostString() + ":" + config.address().getPort() + ": " + e.getMessage(), e);
    }
    return new WebhookServer(server, connector);
  }

  /** The bound port (the chosen one when started on port 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /** Waits until the server stops. */
  public void join() throws InterruptedException {
    server.join();
  }

  @Override
  public void close() {
    stopQuietly(server);
    try {
      owned.close();
    } catch (Exception e) {
      // closing anyway
    }
  }

  private static void stopQuietly(Server s) {
    try {
      s.stop();
    } catch (Exception e) {
      // stopping anyway
    }
  }
}
