package io.nectarfs.cli;

import io.nectarfs.common.Uris;
import io.nectarfs.gateway.webdav.BasicAuth;
import io.nectarfs.gateway.webdav.WebDavServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        "Example: nectar webdav sqlite3:///var/lib/nectar/vol.db 127.0.0.1:9007"})
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
    WebDavServer[] served = new WebDavServer[1];
    FrontEnd.serve("webdav-stop", metaUrl, data.volumeOptions("webdav " + address, readOnly).withSubdir(subdir), metricsOptions,
        (volume, metrics) -> {
          WebDavServer server = WebDavServer.start(volume.fileSystem(), WebDavServer.Options.of(listen, auth).withReadOnly(readOnly).withMetrics(metrics));
          served[0] = server;
          return FrontEnd.server(server::join, server::close);
        },
        (volume, endpoint) -> {
          if (!listen.getAddress().isLoopbackAddress() && !auth.required()) {
            LoggerFactory.getLogger(WebdavCommand.class).warn("serving {} on {} without authentication: anyone who reaches it acts as uid {}",
                volume.format().name(), address, uid());
          }
          out.printf("volume %s served over WebDAV at %s (metadata %s)%s%n", volume.format().name(), served[0].url(), Uris.redact(metaUrl),
              endpoint == null ? "" : ", metrics at " + endpoint.url());
          out.flush();
        });
    return Cli.OK;
  }

  private InetSocketAddress validate() {
    InetSocketAddress a = FrontEnd.listenAddress(spec.commandLine(), address, subdir, metricsOptions, data);
    if (passwordFile != null && user == null) {
      throw new ParameterException(spec.commandLine(), "--password-file needs --user");
    }
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
