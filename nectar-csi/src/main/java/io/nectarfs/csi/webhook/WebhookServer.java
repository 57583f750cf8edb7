package io.nectarfs.csi.webhook;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nectarfs.csi.HttpService;
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

/**
 * The admission webhook of {@code nectar csi webhook}: AdmissionReview v1 at {@code POST /mutate}
 * over HTTPS (Jetty 12 core, TLS from the PEM files of {@link WebhookConfig}, read once at
 * start), asking the API server through {@code client}.
 *
 * <p>Concurrency: requests run on Jetty's bounded thread pool, at most {@value #MAX_THREADS}
 * threads; the handler keeps no state between requests, the fabric8 client is thread-safe, and
 * the informers of {@link StorageObjects} fill their caches on their own threads.
 * {@link #close} stops accepting and lets requests in flight finish for up to 10 s; the client
 * stays the caller's.
 */
public final class WebhookServer extends HttpService {
  private static final int MAX_THREADS = 32;

  private final StorageObjects objects;

  private WebhookServer(Server server, ServerConnector connector, StorageObjects objects) {
    super(server, connector);
    this.objects = objects;
  }

  /** The informed claims, volumes and classes (tests). */
  StorageObjects objects() {
    return objects;
  }

  @Override
  protected void closeResources() {
    objects.close();
  }

  /**
   * Serves with a client of the cluster this process runs in (in-cluster configuration, else
   * the kubeconfig), closed with the server.
   */
  public static WebhookServer startInCluster(WebhookConfig config) throws IOException {
    return inCluster(client -> start(config, client));
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
    Server server = newServer("nectar-webhook", MAX_THREADS);
    ServerConnector connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(ssl, h1.getProtocol()), h1);
    StorageObjects objects = StorageObjects.start(client);
    server.setHandler(new AdmissionHandler(client, objects, config));
    server.setStopTimeout(10_000);
    try {
      start(server, connector, config.address());
    } catch (IOException | RuntimeException e) {
      objects.close();
      throw e;
    }
    return new WebhookServer(server, connector, objects);
  }
}
