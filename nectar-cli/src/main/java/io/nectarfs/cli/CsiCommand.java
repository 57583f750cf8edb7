package io.nectarfs.cli;

import io.nectarfs.common.MetricsServer;
import io.nectarfs.common.Secrets;
import io.nectarfs.csi.CsiDriver;
import io.nectarfs.csi.PvcAnnotations;
import io.nectarfs.csi.mount.Mounter;
import io.nectarfs.csi.mount.MounterProvider;
import io.nectarfs.csi.process.ProcessMounter;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code nectar csi --endpoint unix:///path/csi.sock --node-id ID --mode process|pod
 * [--controller] [--node]}: the Kubernetes CSI driver in the foreground until SIGTERM. Mounts
 * started in process mode outlive it (a restarted driver adopts them). Subcommands {@code webhook}:
 * {@link CsiWebhookCommand}; {@code dashboard}: {@link CsiDashboardCommand}.
 */
@Command(name = "csi", mixinStandardHelpOptions = true, subcommands = {CsiWebhookCommand.class, CsiDashboardCommand.class},
    description = {"Run the Kubernetes CSI driver (" + CsiDriver.NAME + ") on a Unix socket, in the foreground.",
        "--controller serves CreateVolume/DeleteVolume/expansion (a subdirectory with a quota per PV); --node serves publish/unpublish/stats",
        "(neither: both). Mounts: --mode process runs one 'nectar mount' child per volume on this node; --mode pod uses mount pods.",
        "Example: nectar csi --endpoint unix:///csi/csi.sock --node-id $NODE_NAME --node --mode process",
        "'nectar csi webhook' runs the admission webhook that injects mount sidecars (virtual nodes without the node plugin);",
        "'nectar csi dashboard' serves the page that explains the cluster's mounts (pods, claims, volumes, mount pods, nodes, tips)."})
final class CsiCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Option(names = "--endpoint", paramLabel = "URL", description = "unix:///path/csi.sock (default: ${DEFAULT-VALUE}).")
  String endpoint = "unix:///var/lib/kubelet/plugins/" + CsiDriver.NAME + "/csi.sock";

  @Option(names = "--node-id", paramLabel = "ID", description = "This node's id, the Kubernetes node name (default: $NODE_NAME, else the host name).")
  String nodeId;

  @Option(names = "--mode", paramLabel = "process|pod", description = "How the node mounts volumes (default: ${DEFAULT-VALUE}).")
  String mode = "process";

  @Option(names = "--controller", description = "Serve the Controller service.")
  boolean controller;

  @Option(names = "--node", description = "Serve the Node service.")
  boolean node;

  @Option(names = "--state-dir", paramLabel = "DIR", description = "Local state: published targets, process-mode mounts and logs (default: ${DEFAULT-VALUE}).")
  Path stateDir = Path.of("/var/lib/nectar-csi");

  @Option(names = "--max-volumes", paramLabel = "N", description = "Volumes per node kubelet may schedule (0: no limit; default: ${DEFAULT-VALUE}).")
  long maxVolumes;

  @Option(names = "--mount-ready-timeout", paramLabel = "DURATION", description = "How long a mount may take to answer (default: ${DEFAULT-VALUE}).")
  String readyTimeout = "60s";

  @Option(names = "--pvc-annotations", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Controller: read the claim's nectarfs.io/uid, gid and mode annotations from the API server when running in a cluster (default: on).")
  boolean pvcAnnotations = true;

  @Option(names = "--keeper-dir", paramLabel = "DIR", description = "--mode pod: where this process keeps each mount pod's FUSE descriptors"
      + " (a host directory, 0700, mounted into the mount pods), so a mount survives its pod's crash (default: ${DEFAULT-VALUE}; 'none': not kept).")
  String keeperDir = "/var/lib/nectarfs/keepers";

  @Option(names = "--mounter-option", paramLabel = "KEY=VALUE", description = "A setting of the mount mode (repeatable), e.g. for --mode pod.")
  Map<String, String> mounterOptions = new LinkedHashMap<>();

  /** The {@code --listen} address of a subcommand ({@code HOST:PORT}, {@code :PORT} or {@code PORT}), or a usage error. */
  static InetSocketAddress listen(CommandSpec spec, String listen) {
    try {
      return MetricsServer.parse(listen);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--listen must be HOST:PORT, :PORT or PORT, got '" + listen + "'");
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    boolean both = !controller && !node;
    boolean serveNode = node || both;
    String id = nodeId != null ? nodeId : Secrets.fromEnvironment().plain("NODE_NAME").orElse(java.net.InetAddress.getLocalHost().getHostName());
    Duration ready;
    try {
      ready = Durations.parse(readyTimeout);
      CsiDriverEndpoint.check(endpoint);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    Mounter mounter = serveNode ? mounter(id, ready) : null;
    CsiDriver.Config config = new CsiDriver.Config(id, stateDir, maxVolumes, controller || both, serveNode,
        VersionInfo.current().version(), CsiDriver.Probe.engine(Secrets.fromEnvironment()));
    CsiDriver driver;
    try {
      driver = CsiDriver.start(endpoint, config, mounter, pvcAnnotations(controller || both));
    } catch (IOException | RuntimeException e) {
      if (mounter != null) {
        mounter.close();
      }
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      driver.close();
      try {
        if (mounter != null) {
          mounter.close(); // mounts stay for the next driver
        }
      } catch (IOException e) {
        org.slf4j.LoggerFactory.getLogger(CsiCommand.class).warn("{}", e.getMessage());
      }
      stopped.countDown();
    }, "csi-stop"));
    out.printf("CSI driver %s serving at %s (node %s, %s%s, mounts: %s)%n", CsiDriver.NAME, driver.socket(), id,
        controller || both ? "controller" : "", serveNode ? (controller || both ? " + node" : "node") : "", mode);
    out.flush();
    driver.awaitTermination();
    stopped.await();
    return Cli.OK;
  }

  /** The API server's claims when serving the controller inside a cluster; none otherwise. */
  private PvcAnnotations pvcAnnotations(boolean servesController) {
    boolean inCluster = Secrets.fromEnvironment().plain("KUBERNETES_SERVICE_HOST").isPresent();
    if (!servesController || !pvcAnnotations || !inCluster) {
      return PvcAnnotations.NONE;
    }
    return PvcAnnotations.inCluster();
  }

  private Mounter mounter(String id, Duration ready) throws IOException {
    if (mode.equals("process")) {
      return new ProcessMounter(stateDir.resolve("process"), nectarCommand(), ready);
    }
    for (MounterProvider p : ServiceLoader.load(MounterProvider.class)) {
      if (p.mode().equals(mode)) {
        return p.create(new MounterProvider.Context(id, stateDir, mounterOptions, keepers()));
      }
    }
    throw new ParameterException(spec.commandLine(), "--mode " + mode + " is not available in this build (available: process"
        + ServiceLoader.load(MounterProvider.class).stream().map(p -> ", " + p.get().mode()).reduce("", String::concat) + ")");
  }

  /** The mount pods' descriptor keepers (none with {@code --keeper-dir none}); an unusable directory is an error. */
  private io.nectarfs.csi.mount.DescriptorKeepers keepers() throws IOException {
    if (keeperDir.equals("none")) {
      return io.nectarfs.csi.mount.DescriptorKeepers.NONE;
    }
    try {
      return PodKeepers.open(Path.of(keeperDir));
    } catch (IOException e) {
      throw new IOException("--keeper-dir: " + e.getMessage() + " (or --keeper-dir none: a crash of a mount pod then ends its mount)", e);
    }
  }

  /** This JVM running the CLI again: the child {@code nectar mount} of process mode. */
  static List<String> nectarCommand() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-XX:+UseZGC"); // as the launcher
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Nectar.class.getName());
    return cmd;
  }

  /** Endpoint syntax check before anything starts. */
  private static final class CsiDriverEndpoint {
    static void check(String endpoint) {
      if (!(endpoint.startsWith("unix:") || endpoint.startsWith("/"))) {
        throw new IllegalArgumentException("--endpoint " + endpoint + ": only unix sockets are served (unix:///path/csi.sock)");
      }
    }
  }
}
