package io.nectarfs.csi.dashboard;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nectarfs.common.Clock;
import java.io.IOException;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The dashboard of {@code nectar csi dashboard}: HTML pages and a JSON API over plain HTTP (Jetty
 * 12 core; put it behind {@code kubectl port-forward} or an authenticating proxy, it has no login
 * of its own), from the informers of a {@link ClusterView}.
 *
 * <p>Concurrency: requests run on Jetty's bounded pool, at most {@value #MAX_THREADS} threads;
 * the handler keeps no state between requests, the view and lookups are thread-safe. {@link
 * #close} stops the server (requests in flight get up to 5 s), then the informers; the client
 * stays the caller's unless {@link #startInCluster} made it.
 */
public final class DashboardServer implements AutoCloseable {
  private static final int MAX_THREADS = 16;
  private final Server server;
  private final ServerConnector connector;
  private final ClusterView view;
  private final Lookups lookups;
  private volatile AutoCloseable owned = () -> {};

  private DashboardServer(Server server, ServerConnector connector, ClusterView view, Lookups lookups) {
    this.server = server;
    this.connector = connector;
    this.view = view;
    this.lookups = lookups;
  }

  /** Serves with a client of the cluster this process runs in (in-cluster configuration, else the kubeconfig), closed with the server. */
  public static DashboardServer startInCluster(DashboardConfig config) throws IOException {
    KubernetesClient client = new KubernetesClientBuilder().build();
    try {
      DashboardServer s = start(config, client);
      s.owned = client;
      return s;
    } catch (IOException | RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /**
   * Starts the informers (returning at once: until they have listed, the page says so) and
   * listens on {@code config.address()}; an address in use is an IOException naming it.
   */
  public static DashboardServer start(DashboardConfig config, KubernetesClient client) throws IOException {
    return start(config, client, Actions.fabric8(client, config.timeout()));
  }

  static DashboardServer start(DashboardConfig config, KubernetesClient client, Actions.Exec exec) throws IOException {
    ClusterView view = new ClusterView(client, Clock.SYSTEM, config.resync().toMillis());
    Lookups lookups = new Lookups(client, config.timeout(), Clock.SYSTEM);
    Relations relations = new Relations(config.driver(), config.nodePlugin());
    Tips tips = new Tips(lookups, config.nodePlugin());
    Actions actions = new Actions(config.actionsToken(), exec);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    QueuedThreadPool pool = new QueuedThreadPool(MAX_THREADS, 2);
    pool.setName("nectar-dashboard");
    Server server = new Server(pool);
    ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(config.address().getHostString());
    connector.setPort(config.address().getPort());
    server.addConnector(connector);
    server.setHandler(new DashboardHandler(view, relations, tips, lookups, actions));
    server.setStopTimeout(5_000);
    server.setStopAtShutdown(false);
    try {
      server.start();
    } catch (Exception e) {
      stopQuietly(server);
      lookups.close();
      throw new IOException("cannot listen on " + config.address().getHostString() + ":" + config.address().getPort() + ": " + e.getMessage(), e);
    }
    view.start();
    return new DashboardServer(server, connector, view, lookups);
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
    view.close();
    lookups.close();
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
