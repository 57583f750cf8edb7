package io.nectarfs.csi;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A Jetty 12 server of this module ({@code webhook.WebhookServer}, {@code
 * dashboard.DashboardServer}): a bounded thread pool, one connector, start that names the address
 * on failure, and close that stops it (requests in flight get the server's stop timeout) and then
 * what the service owns (a client it made, its own resources).
 *
 * <p>Concurrency: {@link #close} may run on any thread (a shutdown hook) while {@link #join} waits;
 * what is owned is set once before the service is handed out.
 */
public abstract class HttpService implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;
  private volatile AutoCloseable owned = () -> {};

  protected HttpService(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  /** A server whose pool is named {@code name} and has at most {@code maxThreads} threads. */
  protected static Server newServer(String name, int maxThreads) {
    QueuedThreadPool pool = new QueuedThreadPool(maxThreads, 2);
    pool.setName(name);
    Server server = new Server(pool);
    server.setStopAtShutdown(false);
    return server;
  }

  /** Binds {@code connector} to {@code address} and starts {@code server}; a failure stops it and is an IOException naming the address. */
  protected static void start(Server server, ServerConnector connector, InetSocketAddress address) throws IOException {
    connector.setHost(address.getHostString());
    connector.setPort(address.getPort());
    server.addConnector(connector);
    try {
      server.start();
    } catch (Exception e) {
      stopQuietly(server);
      throw new IOException("cannot listen on " + address.getHostString() + ":" + address.getPort() + ": " + e.getMessage(), e);
    }
  }

  /** Starts a service with a client of the cluster this process runs in (in-cluster configuration, else the kubeconfig), closed with it. */
  protected static <S extends HttpService> S inCluster(Starter<S> starter) throws IOException {
    KubernetesClient client = new KubernetesClientBuilder().build();
    try {
      S s = starter.start(client);
      ((HttpService) s).owned = client; // a private field is not reachable through the type variable
      return s;
    } catch (IOException | RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /** Starts a service on a client. */
  @FunctionalInterface
  protected interface Starter<S> {
    S start(KubernetesClient client) throws IOException;
  }

  /** The bound port (the chosen one when started on port 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /** Waits until the server stops. */
  public void join() throws InterruptedException {
    server.join();
  }

  /** Closes what the service has besides the server (after the server stopped); nothing by default. */
  protected void closeResources() {}

  @Override
  public void close() {
    stopQuietly(server);
    closeResources();
    try {
      owned.close();
    } catch (Exception e) {
      // closing anyway
    }
  }

  protected static void stopQuietly(Server s) {
    try {
      s.stop();
    } catch (Exception e) {
      // stopping anyway
    }
  }
}
