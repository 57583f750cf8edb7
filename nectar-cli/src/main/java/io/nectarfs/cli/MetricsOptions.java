package io.nectarfs.cli;

import io.micrometer.core.instrument.Gauge;
import io.nectarfs.common.Metrics;
import io.nectarfs.common.MetricsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code --metrics HOST:PORT} / {@code --no-metrics} for every long-lived process (mount, WebDAV,
 * later the gateway, cache node and CSI): checks them, starts the {@code /metrics} endpoint before
 * anything is served, and names it in the registry ({@code nectar_metrics_endpoint{address}}) so
 * {@code nectar stats} can find it.
 */
final class MetricsOptions {
  @Option(names = "--metrics", paramLabel = "HOST:PORT", description = "Serve /metrics (Prometheus) here; taken → error (default: "
      + MetricsServer.DEFAULT_ADDRESS + ", or the next free port).")
  String address;

  @Option(names = "--no-metrics", description = "Do not serve /metrics over HTTP (a mount's /.stats file still works).")
  boolean off;

  /** Usage errors (exit 2) before anything starts. */
  void validate(CommandLine cl) {
    if (address != null && off) {
      throw new ParameterException(cl, "--metrics and --no-metrics exclude each other");
    }
    if (address != null) {
      try {
        MetricsServer.parse(address);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(cl, "--metrics: " + e.getMessage());
      }
    }
  }

  /**
   * Starts the endpoint: an explicit address must be free (one-line error otherwise); the default
   * takes the next free port when it is taken, with a warning naming both. Null with {@code
   * --no-metrics}.
   */
  MetricsServer start(Metrics metrics) throws IOException {
    if (off) {
      return null;
    }
    InetSocketAddress wanted = MetricsServer.parse(address != null ? address : MetricsServer.DEFAULT_ADDRESS);
    MetricsServer s = address != null ? MetricsServer.start(metrics, wanted) : MetricsServer.startNear(metrics, wanted, 100);
    var log = LoggerFactory.getLogger(MetricsOptions.class);
    if (address == null && s.address().getPort() != wanted.getPort()) {
      log.warn("metrics port {} is taken; serving metrics at {}", wanted.getPort(), s.url());
    } else {
      log.info("serving metrics at {}", s.url());
    }
    return s;
  }

  /** Names {@code endpoint} in the registry (where {@code nectar stats} finds it); nothing when null. */
  static void advertise(Metrics metrics, MetricsServer endpoint) {
    if (endpoint != null) {
      Gauge.builder("nectar_metrics_endpoint", () -> 1).tag("address", endpoint.url())
          .description("the HTTP address serving these metrics").register(metrics.registry());
    }
  }

  /** Stops {@code endpoint}; nothing when null. */
  static void close(MetricsServer endpoint) {
    if (endpoint != null) {
      endpoint.close();
    }
  }
}
