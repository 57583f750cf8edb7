package io.nectarfs.csi.dashboard;

import io.nectarfs.csi.CsiDriver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of the dashboard.
 *
 * @param address where to serve HTTP (port 0: any free port)
 * @param driver the CSI driver name whose classes and volumes are shown
 * @param nodePlugin the {@code key=value} label of node plugin pods
 * @param actionsToken the bearer token that allows actions (warm-up); empty: read-only. Never
 *     printed ({@link #toString})
 * @param timeout of each on-demand request (logs, events, metrics, Secret existence)
 * @param resync how often the informers replay their caches (local, no API request)
 */
public record DashboardConfig(InetSocketAddress address, String driver, String nodePlugin, Optional<String> actionsToken, Duration timeout,
    Duration resync) {
  /** The label of the node plugin's pods in deploy/csi. */
  public static final String NODE_PLUGIN = "app.kubernetes.io/name=nectar-csi-node";

  public DashboardConfig {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(driver, "driver");
    if (nodePlugin.indexOf('=') <= 0) {
      throw new IllegalArgumentException("the node plugin label must be KEY=VALUE, got '" + nodePlugin + "'");
    }
    actionsToken = actionsToken.filter(t -> !t.isBlank());
  }

  /** Driver {@value CsiDriver#NAME}, node plugin label {@value #NODE_PLUGIN}, read-only, 3 s timeout, resync every 10 minutes. */
  public static DashboardConfig of(InetSocketAddress address) {
    return new DashboardConfig(address, CsiDriver.NAME, NODE_PLUGIN, Optional.empty(), Duration.ofSeconds(3), Duration.ofMinutes(10));
  }

  /** Actions allowed with this bearer token (blank: read-only). */
  public DashboardConfig withActionsToken(String token) {
    return new DashboardConfig(address, driver, nodePlugin, Optional.ofNullable(token), timeout, resync);
  }

  public DashboardConfig withNodePlugin(String label) {
    return new DashboardConfig(address, driver, label, actionsToken, timeout, resync);
  }

  public DashboardConfig withTimeout(Duration t) {
    return new DashboardConfig(address, driver, nodePlugin, actionsToken, t, resync);
  }

  @Override
  public String toString() {
    return "DashboardConfig[address=" + address + ", driver=" + driver + ", nodePlugin=" + nodePlugin + ", actions="
        + (actionsToken.isPresent() ? "enabled" : "off") + ", timeout=" + timeout + ", resync=" + resync + "]";
  }
}
