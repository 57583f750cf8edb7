package io.nectarfs.csi;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.nectarfs.common.Secrets;
import io.nectarfs.csi.mount.Mounter;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NectarFS CSI driver: Identity, and Controller and/or Node services, served by grpc-java
 * over a Unix domain socket (Netty epoll). {@link #start} binds the socket and returns; RPCs run
 * on virtual threads; {@link #close} stops serving (mounts stay: they outlive the plugin).
 */
public final class CsiDriver implements AutoCloseable {
  /** The driver name kubelet and the sidecars know us by. */
  public static final String NAME = "csi.nectarfs.io";
  private static final Logger LOG = LoggerFactory.getLogger(CsiDriver.class);

  /** Probe: throws when the plugin cannot serve (engine unreachable). */
  @FunctionalInterface
  public interface Probe {
    void check() throws Exception;

    /** Ready whenever serving. */
    Probe ALWAYS = () -> {};

    /**
     * Checks the engine named by {@code META_URL}/{@code META_URL_FILE} in {@code secrets} answers
     * (a read-only metadata client opened and closed); ready when no such secret is set.
     */
    static Probe engine(Secrets secrets) {
      return () -> {
        if (secrets.get(MetaAccess.META_URL).isEmpty()) {
          return;
        }
        try (var m = Volume.openMeta(secrets.get(MetaAccess.META_URL).get(),
            VolumeOptions.defaults().withSecrets(secrets).withReadOnly(true).withBackgroundJobs(false).withClientName("csi-probe"))) {
          m.format();
        }
      };
    }
  }

  /**
   * @param nodeId this node's id (NodeGetInfo), e.g. the Kubernetes node name
   * @param stateDir where the node service records its targets (created 0700)
   * @param maxVolumesPerNode NodeGetInfo's limit (0: none)
   * @param controller serve the Controller service
   * @param node serve the Node service (needs a mounter)
   * @param version the vendor version GetPluginInfo reports
   * @param probe what Probe checks
   */
  public record Config(String nodeId, Path stateDir, long maxVolumesPerNode, boolean controller, boolean node, String version, Probe probe) {
    public Config {
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(stateDir, "stateDir");
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(probe, "probe");
      if (!controller && !node) {
        throw new IllegalArgumentException("serve the controller, the node service or both");
      }
    }
  }

  private final Server server;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Path socket;

  private CsiDriver(Server server, EventLoopGroup boss, EventLoopGroup workers, Path socket) {
    this.server = server;
    this.boss = boss;
    this.workers = workers;
    this.socket = socket;
  }

  /**
   * Serves at {@code endpoint} ({@code unix:///path}, {@code unix:/path} or a path); a stale
   * socket file there is replaced. {@code mounter} is needed for the node service (null otherwise).
   */
  public static CsiDriver start(String endpoint, Config config, Mounter mounter) throws IOException {
    return start(endpoint, config, mounter, PvcAnnotations.NONE);
  }

  /** As {@link #start(String, Config, Mounter)}; the controller reads per-claim settings from {@code pvcs}. */
  public static CsiDriver start(String endpoint, Config config, Mounter mounter, PvcAnnotations pvcs) throws IOException {
    Path socket = socketPath(endpoint);
    if (config.node() && mounter == null) {
      throw new IllegalArgumentException("the node service needs a mounter");
    }
    Files.createDirectories(config.stateDir()); // as its Javadoc says: 0700, whoever made it first
    Files.setPosixFilePermissions(config.stateDir(), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    Files.createDirectories(socket.toAbsolutePath().getParent());
    Files.deleteIfExists(socket);
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    NettyServerBuilder b = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(boss).workerEventLoopGroup(workers)
        .executor(Executors.newVirtualThreadPerTaskExecutor())
        .addService(new IdentityService(config.version(), config.controller(), config.probe()));
    if (config.controller()) {
      b.addService(new ControllerService(pvcs));
    }
    if (config.node()) {
      b.addService(new NodeService(config.nodeId(), config.maxVolumesPerNode(), mounter, new TargetRecords(config.stateDir().resolve("targets"))));
    }
    Server server = b.build();
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      boss.shutdownGracefully();
      workers.shutdownGracefully();
      throw new IOException("cannot serve CSI at " + socket + ": " + e.getMessage(), e);
    }
    LOG.info("CSI driver {} serving at {} (controller {}, node {})", NAME, socket, config.controller(), config.node());
    return new CsiDriver(server, boss, workers, socket);
  }

  /** The socket file. */
  public Path socket() {
    return socket;
  }

  /** Blocks until the server stops. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      LOG.debug("socket {} not removed: {}", socket, e.getMessage());
    }
  }

  /** The socket path of an endpoint: {@code unix:///p}, {@code unix:/p}, {@code unix://p} or {@code /p}. */
  static Path socketPath(String endpoint) {
    String p = endpoint;
    if (p.startsWith("unix://")) {
      p = p.substring("unix://".length());
    } else if (p.startsWith("unix:")) {
      p = p.substring("unix:".length());
    } else if (p.contains("://")) {
      throw new IllegalArgumentException("endpoint " + endpoint + ": only unix sockets are served (unix:///path/csi.sock)");
    }
    if (p.isEmpty()) {
      throw new IllegalArgumentException("endpoint " + endpoint + " names no socket path");
    }
    return Path.of(p.startsWith("/") ? p : "/" + p);
  }
}
