package io.nectarfs.cli;

import io.nectarfs.csi.dashboard.DashboardConfig;
import io.nectarfs.csi.dashboard.DashboardServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code nectar csi dashboard [--listen HOST:PORT] [--actions-token-file FILE]}: the web page and
 * JSON API that explain the cluster's NectarFS mounts, in the foreground until SIGTERM.
 */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
    description = {"Serve the dashboard of the cluster's NectarFS mounts over HTTP: application pods, claims, volumes, mount pods and nodes,",
        "with state, events, logs (redacted), metrics and tips for common failures; JSON under /api (overview, tips, pods/NS/NAME).",
        "Read-only unless --actions-token-file names a file with a bearer token, which POST actions (warm-up) must present.",
        "No login of its own: reach it by kubectl port-forward or behind an authenticating proxy; see deploy/helm/nectar-csi (dashboard.enabled).",
        "Example: nectar csi dashboard --listen 127.0.0.1:8080"})
final class CsiDashboardCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Where to serve HTTP (default: ${DEFAULT-VALUE}).")
  String listen = "0.0.0.0:8080";

  @Option(names = "--actions-token-file", paramLabel = "FILE",
      description = "A file holding the bearer token that allows actions (default: none, read-only). The token never appears in a page or log.")
  Path tokenFile;

  @Option(names = "--node-plugin-label", paramLabel = "KEY=VALUE", description = "Label of the node plugin's pods (default: ${DEFAULT-VALUE}).")
  String nodePlugin = DashboardConfig.NODE_PLUGIN;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    InetSocketAddress address = CsiCommand.listen(spec, listen);
    DashboardConfig config;
    try {
      config = DashboardConfig.of(address).withNodePlugin(nodePlugin).withActionsToken(token());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    DashboardServer server = DashboardServer.startInCluster(config);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "csi-dashboard-stop"));
    out.printf("dashboard serving http://%s:%d/ (%s)%n", address.getHostString(), server.port(),
        config.actionsToken().isPresent() ? "actions enabled" : "read-only");
    out.flush();
    server.join();
    return Cli.OK;
  }

  private String token() throws IOException {
    if (tokenFile == null) {
      return null;
    }
    String t = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
    if (t.length() < 16) {
      throw new ParameterException(spec.commandLine(), "--actions-token-file " + tokenFile + " must hold a token of at least 16 characters");
    }
    return t;
  }
}
