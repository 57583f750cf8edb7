package io.nectarfs.csi.dashboard;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nectarfs.common.Clock;
import io.nectarfs.csi.HttpService;
import java.io.IOException;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

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
public final class DashboardServer extends HttpService {
  private static final int MAX_THREADS = 16;
  private final ClusterView view;
  private final Lookups lookups;

  private DashboardServer(Server server, ServerConnector connector, ClusterView view, Lookups lookups) {
    super(server, connector);
    this.view = view;
    this.lookups = lookups;
  }

  /** Serves with a client of the cluster this process runs in (in-cluster configuration, else the kubeconfig), closed with the server. */
  public static DashboardServer startInCluster(DashboardConfig config) throws IOException {
    return inCluster(client -> start(config, client));
  }

  /**
   * Starts the informers (returning at once: until they have listed, the page says so) and
   * listens on {@code config.address()}; an address in use is an IOException naming it.
   */
  public static DashboardServer start(DashboardConfig config, KubernetesClient client) throws IOException {
    return start(config, client, Actions.fabric8(client, config.timeout()), Actions.fabric8(client));
  }

  static DashboardServer start(DashboardConfig config, KubernetesClient client, Actions.Exec exec, Actions.Annotate annotate) throws IOException {
    ClusterView view = new ClusterView(client, Clock.SYSTEM, config.resync().toMillis());
    Lookups lookups = new Lookups(client, config.timeout(), Clock.SYSTEM);
    Relations relations = new Relations(config.driver(), config.nodePlugin());
    Quotas quotas = new Quotas(lookups);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    Server server = newServer("nectar-dashboard", MAX_THREADS);
    ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    server.setHandler(new DashboardHandler(view, relations, new Tips(lookups, quotas, config.nodePlugin()), quotas, lookups,
        new Actions(config.actionsToken(), exec, annotate)));
    server.setStopTimeout(5_000);
    try {
      start(server, connector, config.address());
    } catch (IOException e) {
      lookups.close();
      throw e;
    }
    view.start();
    return new DashboardServer(server, connector, view, lookups);
  }

  @Override
  protected void closeResources() {
    view.close();
    lookups.close();
  }
}
