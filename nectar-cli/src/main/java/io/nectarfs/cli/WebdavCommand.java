package io.nectarfs.cli;

import io.nectarfs.common.Metrics;
import io.nectarfs.common.MetricsServer;
import io.nectarfs.common.Uris;
import io.nectarfs.gateway.webdav.BasicAuth;
import io.nectarfs.gateway.webdav.WebDavServer;
import io.nectarfs.volume.Volume;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nectar webdav META-URL ADDRESS}: serves the volume over WebDAV (class 1 and 2) in the
 * foreground until SIGTERM or Ctrl-C, which stops accepting, lets requests in flight finish,
 * flushes written data and closes the volume.
 */
@Command(name = "webdav", mixinStandardHelpOptions = true,
    description = {"Serve a volume over WebDAV (class 1 and 2: properties and locks).",
        "In the foreground; Ctrl-C or SIGTERM stops it cleanly. Listens on 127.0.0.1 unless ADDRESS names another host.",
        "Example: nectar webdav sqlite3://myjfs.db 127.0.0.1:9007"})
final class WebdavCommand implements Callable<Integer> {
  /** Where the password of {@code --user} comes from when no {@code --password-file} is given. */
  static final String PASSWORD_ENV = "NECTAR_WEBDAV_PASSWORD";

  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;
  @Mixin DataOptions data;

  @Parameters(index = "0", paramLabel = "META-URL", description = "The volume's metadata engine URL.")
  String metaUrl;

  @Parameters(index = "1", paramLabel = "ADDRESS", description = "HOST:PORT, :PORT or PORT to listen on (host default 127.0.0.1).")
  String address;

  @Option(names = "--subdir", paramLabel = "PATH", description = "Serve this directory of the volume as the root.")
  String subdir;

  @Option(names = "--read-only", description = "Refuse every change (403).")
  boolean readOnly;

  @Option(names = "--user", paramLabel = "NAME", description = "Require HTTP Basic authentication as NAME; the password comes from --password-file or $"
      + PASSWORD_ENV + " (never from an argument).")
  String user;

  @Option(names = "--password-file", paramLabel = "FILE", description = "File holding the password of --user (its first line).")
  Path passwordFile;

  @Option(names = "--uid", paramLabel = "UID", description = "User id requests act as (default: this process's).")
  Integer uid;

  @Option(names = "--gid", paramLabel = "GID", description = "Group id requests act as (default: this process's).")
  Integer gid;

  @Mixin MetricsOptions metricsOptions;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    InetSocketAddress listen = validate();
    BasicAuth auth = auth();
    Metrics metrics = Metrics.create();
    MetricsServer endpoint = metricsOptions.start(metrics);
    Volume volume;
    try {
      volume = Volume.open(metaUrl, data.volumeOptions("webdav " + address, readOnly).withSubdir(subdir).withMetrics(metrics));
    } catch (IOException | RuntimeException e) {
      MetricsOptions.close(endpoint);
      throw e;
    }
    metrics.bindJvm();
    MetricsOptions.advertise(metrics, endpoint); // where `nectar stats` finds the endpoint
    WebDavServer server;
    try {
      server = WebDavServer.start(volume.fileSystem(), WebDavServer.Options.of(listen, auth).withReadOnly(readOnly).withMetrics(metrics));
    } catch (IOException | RuntimeException e) {
      MetricsOptions.close(endpoint);
      volume.close();
      throw e;
    }
    if (!listen.getAddress().isLoopbackAddress() && !auth.required()) {
      LoggerFactory.getLogger(WebdavCommand.class).warn("serving {} on {} without authentication: anyone who reaches it acts as uid {}",
          volume.format().name(), address, uid());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      try {
        server.close(); // requests in flight finish first
      } catch (IOException e) {
        LoggerFactory.getLogger(WebdavCommand.class).warn("{}", e.getMessage());
      }
      try {
        volume.close(); // flushes writers, ends the session
      } catch (IOException e) {
        LoggerFactory.getLogger(WebdavCommand.class).warn("closing the volume: {}", e.getMessage());
      }
      MetricsOptions.close(endpoint);
      stopped.countDown();
    }, "webdav-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    out.printf("volume %s served over WebDAV at %s (metadata %s)%s%n", volume.format().name(), server.url(), Uris.redact(metaUrl),
        endpoint == null ? "" : ", metrics at " + endpoint.url());
    out.flush();
    server.join();
    stopped.await();
    return Cli.OK;
  }

  private InetSocketAddress validate() {
    InetSocketAddress a;
    try {
      a = MetricsServer.parse(address);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "ADDRESS must be HOST:PORT, :PORT or PORT, got '" + address + "'");
    }
    if (a.isUnresolved()) {
      throw new ParameterException(spec.commandLine(), "cannot resolve the host of ADDRESS '" + address + "'");
    }
    metricsOptions.validate(spec.commandLine());
    if (subdir != null && subdir.isBlank()) {
      throw new ParameterException(spec.commandLine(), "--subdir must name a directory of the volume, e.g. --subdir /projects");
    }
    if (passwordFile != null && user == null) {
      throw new ParameterException(spec.commandLine(), "--password-file needs --user");
    }
    data.validate(spec.commandLine());
    return a;
  }

  private BasicAuth auth() throws IOException {
    if (user == null) {
      return BasicAuth.none(uid(), gid());
    }
    String password;
    if (passwordFile != null) {
      if (!Files.isReadable(passwordFile)) {
        throw new IOException("cannot read the password file " + passwordFile);
      }
      String text = Files.readString(passwordFile, StandardCharsets.UTF_8);
      int nl = text.indexOf('\n');
      password = nl < 0 ? text : text.substring(0, nl);
    } else {
      password = System.getenv(PASSWORD_ENV);
      if (password == null || password.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "--user needs a password: set $" + PASSWORD_ENV + " or give --password-file FILE");
      }
    }
    try {
      return BasicAuth.user(user, password.strip(), uid(), gid());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private int uid() throws IOException {
    return uid != null ? uid : (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }

  private int gid() throws IOException {
    return gid != null ? gid : (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
  }

}
