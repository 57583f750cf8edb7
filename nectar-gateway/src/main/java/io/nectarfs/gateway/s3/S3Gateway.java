package io.nectarfs.gateway.s3;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Metrics;
import io.nectarfs.fs.FileApi;
import io.nectarfs.gateway.s3.auth.Authenticator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Set;

/**
 * The S3 gateway: the S3 REST API over a {@link FileApi} (usually {@code Volume.fileSystem()}),
 * served by Jetty 12 core handlers on virtual threads. {@link #start} binds and serves; {@link
 * #close} stops accepting, lets requests in flight finish (up to the stop timeout) and returns;
 * closing the volume is the caller's.
 *
 * <p>Thread-safe.
 */
public final class S3Gateway implements AutoCloseable {
  /**
   * @param address where to listen (port 0: any free port)
   * @param root the directory of the volume served ("/" or a {@code --subdir})
   * @param singleBucket null: buckets are the root's top-level directories; a name: the root is
   *     that one bucket
   * @param authenticator checks signatures and maps keys to users
   * @param publicBuckets buckets that anonymous requests may read
   * @param domains host names for virtual-host addressing ({@code bucket.DOMAIN}); path style
   *     always works
   * @param region answered by GetBucketLocation and required in signatures
   * @param stopTimeoutMillis how long {@link #close} waits for requests in flight
   * @param metrics where {@code nectar_s3_request_seconds{operation,status}} is recorded
   */
  public record Options(
      InetSocketAddress address,
      String root,
      String singleBucket,
      Authenticator authenticator,
      Set<String> publicBuckets,
      Set<String> domains,
      String region,
      Clock clock,
      long stopTimeoutMillis,
      Metrics metrics) {
    public static Options of(InetSocketAddress address, Authenticator authenticator) {
      return new Options(address, "/", null, authenticator, Set.of(), Set.of(), "us-east-1", Clock.SYSTEM, 30_000, Metrics.disabled());
    }
  }

  private S3Gateway() {}

  /** Starts serving {@code fs}; an address in use is an IOException naming it. */
  public static S3Gateway start(FileApi fs, Options options) throws IOException {
    throw new UnsupportedOperationException("the S3 gateway is not built yet");
  }

  /** The bound port (the chosen one when started on port 0). */
  public int port() {
    throw new UnsupportedOperationException();
  }

  /** The endpoint URL, e.g. {@code http://127.0.0.1:9000}. */
  public String url() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void close() throws IOException {}
}
