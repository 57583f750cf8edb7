package io.nectarfs.cli;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Secrets;
import io.nectarfs.common.Uris;
import io.nectarfs.gateway.s3.S3Gateway;
import io.nectarfs.gateway.s3.auth.AccessKey;
import io.nectarfs.gateway.s3.auth.AccessKeys;
import io.nectarfs.gateway.s3.auth.Authenticator;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
 * {@code nectar gateway META-URL ADDRESS}: serves the volume over the S3 API in the foreground
 * until SIGTERM or Ctrl-C, which stops accepting, lets requests in flight finish, flushes written
 * data and closes the volume. Secrets come from a file or the environment, never from arguments.
 */
@Command(name = "gateway", mixinStandardHelpOptions = true,
    description = {"Serve a volume over the S3 API (buckets are its top-level directories, or --bucket NAME for the whole volume).",
        "In the foreground; Ctrl-C or SIGTERM stops it cleanly. Listens on 127.0.0.1 unless ADDRESS names another host.",
        "Access key: --keys FILE, or $" + GatewayCommand.ACCESS_KEY_ENV + " and $" + GatewayCommand.SECRET_KEY_ENV + " acting as --uid/--gid.",
        "Example: NECTAR_GATEWAY_ACCESS_KEY=admin NECTAR_GATEWAY_SECRET_KEY_FILE=/etc/nectar/gateway.secret nectar gateway sqlite3:///var/lib/nectar/vol.db 127.0.0.1:9000"})
final class GatewayCommand implements Callable<Integer> {
  static final String ACCESS_KEY_ENV = AccessKeys.ENV_ACCESS_KEY;
  static final String SECRET_KEY_ENV = AccessKeys.ENV_SECRET_KEY;
  /** Where the TLS keystore's password comes from when no --tls-password-file is given. */
  static final String TLS_PASSWORD_ENV = "NECTAR_GATEWAY_TLS_PASSWORD";

  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;
  @Mixin DataOptions data;

  @Parameters(index = "0", paramLabel = "META-URL", description = "The volume's metadata engine URL.")
  String metaUrl;

  @Parameters(index = "1", paramLabel = "ADDRESS", description = "HOST:PORT, :PORT or PORT to listen on (host default 127.0.0.1).")
  String address;

  @Option(names = "--subdir", paramLabel = "PATH", description = "Serve this directory of the volume as the root.")
  String subdir;

  @Option(names = "--bucket", paramLabel = "NAME", description = "Single-bucket mode: the served root is the one bucket NAME.")
  String bucket;

  @Option(names = "--keys", paramLabel = "FILE", description = "Access keys file (id, secret, uid, gid, read-only per key).")
  Path keysFile;

  @Option(names = "--uid", paramLabel = "UID", description = "User id the environment's access key acts as (default: this process's).")
  Integer uid;

  @Option(names = "--gid", paramLabel = "GID", description = "Group id the environment's access key acts as (default: this process's).")
  Integer gid;

  @Option(names = "--domain", paramLabel = "DOMAIN", description = "Serve virtual-host requests for BUCKET.DOMAIN (repeatable); path style always works.")
  List<String> domains = new ArrayList<>();

  @Option(names = "--region", paramLabel = "REGION", description = "The region clients sign for (default: ${DEFAULT-VALUE}).")
  String region = "us-east-1";

  @Option(names = "--public-bucket", paramLabel = "NAME", description = "Let anonymous requests read this bucket (repeatable).")
  List<String> publicBuckets = new ArrayList<>();

  @Option(names = "--read-only", description = "Refuse every change (AccessDenied) and open the volume read-only.")
  boolean readOnly;

  @Option(names = "--tls-keystore", paramLabel = "FILE", description = "Serve HTTPS with this PKCS12 keystore (certificate chain and key; "
      + "from PEM: openssl pkcs12 -export -in cert.pem -inkey key.pem -out gw.p12). Its password: --tls-password-file or $" + TLS_PASSWORD_ENV + ".")
  Path tlsKeystore;

  @Option(names = "--tls-password-file", paramLabel = "FILE", description = "File holding the keystore's password (its first line).")
  Path tlsPasswordFile;

  @Option(names = "--idle-timeout", paramLabel = "SECONDS", description = "Close a connection silent this long, mid-request too (default: ${DEFAULT-VALUE}).")
  int idleTimeoutSeconds = 60;

  @Option(names = "--access-log", description = "Log one line per request to stderr (request id, key id, operation, bucket, key, status, bytes, "
      + "duration; logger io.nectarfs.gateway.s3.access, which a logback configuration may route elsewhere).")
  boolean accessLog;

  @Mixin MetricsOptions metricsOptions;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    InetSocketAddress listen = validate();
    if (accessLog && LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
      ctx.getLogger("io.nectarfs.gateway.s3.access").setLevel(ch.qos.logback.classic.Level.INFO);
    }
    S3Gateway[] served = new S3Gateway[1];
    List<AccessKey> keys = keys();
    S3Gateway.Tls tls = tls();
    FrontEnd.serve("gateway-stop", metaUrl, data.volumeOptions("gateway " + address, readOnly).withSubdir(subdir), metricsOptions,
        (volume, metrics) -> {
          S3Gateway.Options o = S3Gateway.Options.of(listen, Authenticator.sigV4(keys, region, Clock.SYSTEM)).withSingleBucket(bucket)
              .withPublicBuckets(Set.copyOf(publicBuckets)).withDomains(Set.copyOf(domains)).withRegion(region).withMetrics(metrics)
              .withTls(tls).withIdleTimeoutMillis(idleTimeoutSeconds * 1000L);
          S3Gateway g = S3Gateway.start(volume.fileSystem(), o);
          served[0] = g;
          return FrontEnd.server(g::join, g::close);
        },
        (volume, endpoint) -> {
          if (!publicBuckets.isEmpty()) {
            LoggerFactory.getLogger(GatewayCommand.class).warn("anonymous requests may read the buckets {}", publicBuckets);
          }
          out.printf("volume %s served over S3 at %s (region %s, %d access key%s, metadata %s)%s%n", volume.format().name(), served[0].url(), region,
              keys.size(), keys.size() == 1 ? "" : "s", Uris.redact(metaUrl), endpoint == null ? "" : ", metrics at " + endpoint.url());
          out.flush();
        });
    return Cli.OK;
  }

  private InetSocketAddress validate() {
    InetSocketAddress a = FrontEnd.listenAddress(spec.commandLine(), address, subdir, metricsOptions, data);
    if (bucket != null && bucket.isBlank()) {
      throw new ParameterException(spec.commandLine(), "--bucket must name the one bucket, e.g. --bucket data");
    }
    if (tlsPasswordFile != null && tlsKeystore == null) {
      throw new ParameterException(spec.commandLine(), "--tls-password-file needs --tls-keystore");
    }
    if (idleTimeoutSeconds <= 0) {
      throw new ParameterException(spec.commandLine(), "--idle-timeout must be a positive number of seconds");
    }
    return a;
  }

  /** The access keys: the file's, or the one key of the environment acting as --uid/--gid. */
  List<AccessKey> keys() throws IOException {
    List<AccessKey> keys;
    if (keysFile != null) {
      keys = AccessKeys.load(keysFile);
    } else {
      keys = AccessKeys.fromEnvironment(Secrets.fromEnvironment(), uid(), gid()).map(List::of).orElse(List.of());
      if (keys.isEmpty() && publicBuckets.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "no access key: set $" + ACCESS_KEY_ENV + " and $" + SECRET_KEY_ENV + ", or give --keys FILE");
      }
    }
    if (!readOnly) {
      return keys;
    }
    return keys.stream().map(k -> new AccessKey(k.id(), k.secret(), k.uid(), k.gid(), k.groups(), true)).toList();
  }

  private S3Gateway.Tls tls() throws IOException {
    if (tlsKeystore == null) {
      return null;
    }
    String password;
    if (tlsPasswordFile != null) {
      if (!Files.isReadable(tlsPasswordFile)) {
        throw new IOException("cannot read the TLS password file " + tlsPasswordFile);
      }
      String text = Files.readString(tlsPasswordFile, StandardCharsets.UTF_8);
      int nl = text.indexOf('\n');
      password = (nl < 0 ? text : text.substring(0, nl)).strip();
    } else {
      password = System.getenv(TLS_PASSWORD_ENV);
      if (password == null) {
        throw new ParameterException(spec.commandLine(), "--tls-keystore needs its password: set $" + TLS_PASSWORD_ENV + " or give --tls-password-file FILE");
      }
    }
    return new S3Gateway.Tls(tlsKeystore, password);
  }

  private int uid() throws IOException {
    return uid != null ? uid : (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }

  private int gid() throws IOException {
    return gid != null ? gid : (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
  }
}
