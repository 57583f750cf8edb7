package io.nectarfs.cli;

import io.nectarfs.common.Metrics;
import io.nectarfs.common.MetricsServer;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * The life of a network front end over a volume (`nectar webdav`, `nectar gateway`): the metrics
 * endpoint, the volume, the server, and a clean stop on SIGTERM or Ctrl-C (the server lets requests
 * in flight finish, then the volume flushes writers and ends its session, then the endpoint goes).
 * What each front end serves is its own; everything around it is here, once.
 */
final class FrontEnd {
  private FrontEnd() {}

  /** A started server. */
  interface Server {
    /** Blocks until the server stopped. */
    void join() throws InterruptedException;

    /** Stops accepting and lets requests in flight finish. */
    void close() throws IOException;
  }

  /** Blocks until something stopped. */
  @FunctionalInterface
  interface Join {
    void join() throws InterruptedException;
  }

  /** A server of its join and close. */
  static Server server(Join join, java.io.Closeable close) {
    return new Server() {
      @Override
      public void join() throws InterruptedException {
        join.join();
      }

      @Override
      public void close() throws IOException {
        close.close();
      }
    };
  }

  /** Starts a server over an open volume. */
  @FunctionalInterface
  interface Starter {
    Server start(Volume volume, Metrics metrics) throws IOException;
  }

  /** The listen address of ADDRESS and the checks shared by front ends; a bad one is a usage error. */
  static InetSocketAddress listenAddress(CommandLine cl, String address, String subdir, MetricsOptions metricsOptions, DataOptions data) {
    InetSocketAddress a;
    try {
      a = MetricsServer.parse(address);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, "ADDRESS must be HOST:PORT, :PORT or PORT, got '" + address + "'");
    }
    if (a.isUnresolved()) {
      throw new ParameterException(cl, "cannot resolve the host of ADDRESS '" + address + "'");
    }
    metricsOptions.validate(cl);
    if (subdir != null && subdir.isBlank()) {
      throw new ParameterException(cl, "--subdir must name a directory of the volume, e.g. --subdir /projects");
    }
    data.validate(cl);
    return a;
  }

  /**
   * Opens the volume, starts the server, calls {@code started} with the volume, server and metrics
   * endpoint (null when off), then blocks until a shutdown stopped everything.
   *
   * @param name the thread name of the shutdown hook
   */
  static void serve(String name, String metaUrl, VolumeOptions options, MetricsOptions metricsOptions, Starter starter,
      Started started) throws Exception {
    Metrics metrics = Metrics.create();
    MetricsServer endpoint = metricsOptions.start(metrics);
    Volume volume;
    try {
      volume = Volume.open(metaUrl, options.withMetrics(metrics));
    } catch (IOException | RuntimeException e) {
      MetricsOptions.close(endpoint);
      throw e;
    }
    metrics.bindJvm();
    MetricsOptions.advertise(metrics, endpoint); // where `nectar stats` finds the endpoint
    Server server;
    try {
      server = starter.start(volume, metrics);
    } catch (IOException | RuntimeException e) {
      MetricsOptions.close(endpoint);
      volume.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      try {
        server.close(); // requests in flight finish first
      } catch (IOException e) {
        LoggerFactory.getLogger(FrontEnd.class).warn("{}", e.getMessage());
      }
      try {
        volume.close(); // flushes writers, ends the session
      } catch (IOException e) {
        LoggerFactory.getLogger(FrontEnd.class).warn("closing the volume: {}", e.getMessage());
      }
      MetricsOptions.close(endpoint);
      stopped.countDown();
    }, name);
    Runtime.getRuntime().addShutdownHook(hook);
    started.started(volume, endpoint);
    server.join();
    stopped.await();
  }

  /** Told once the server serves (to print where). */
  @FunctionalInterface
  interface Started {
    void started(Volume volume, MetricsServer endpoint) throws IOException;
  }
}
