package io.nectarfs.gateway.s3.conformance;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Secrets;
import io.nectarfs.gateway.s3.S3Gateway;
import io.nectarfs.gateway.s3.auth.AccessKey;
import io.nectarfs.gateway.s3.auth.Authenticator;
import io.nectarfs.meta.Format;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.FormatRequest;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import io.nectarfs.volume.Volumes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The gateway in-process on 127.0.0.1 (any free port) over a fresh volume: SQLite metadata and a
 * local-directory store in a temporary directory, a read-write key and a read-only key, both
 * mapped to root (so only the read-only flag is at stake). {@link
 * #close} stops the gateway, closes the volume and deletes the directory. The gateway must
 * behave as AWS: it lists no deviation.
 */
public final class GatewayTarget implements S3Target {
  static final String REGION = "us-east-1";
  /** Virtual-host addressing: {@code BUCKET.s3.localhost}. */
  static final String DOMAIN = "s3.localhost";

  private final Path dir;
  private final Volume volume;
  private final S3Gateway gateway;
  private final String accessKey;
  private final String secretKey;
  private final String[] readOnlyKey;

  private GatewayTarget(Path dir, Volume volume, S3Gateway gateway, String accessKey, String secretKey, String[] readOnlyKey) {
    this.dir = dir;
    this.volume = volume;
    this.gateway = gateway;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.readOnlyKey = readOnlyKey;
  }

  public static GatewayTarget start() throws IOException {
    Path dir = Files.createTempDirectory("nectar-s3-conformance-");
    Secrets none = new Secrets(Map.of());
    String metaUrl = "sqlite3://" + dir.resolve("meta.db");
    Format wanted = Format.builder("s3conf", "file://" + dir.resolve("store")).blockSize(1 << 20)
        .createdMillis(System.currentTimeMillis()).build();
    Volume v = null;
    try {
      Volumes.format(metaUrl, wanted, FormatRequest.defaults().withSecrets(none));
      v = Volume.open(metaUrl, VolumeOptions.defaults().withSecrets(none)
          .withCache(CacheOptions.memoryOnly(64L << 20)).withClientName("s3-conformance"));
      String ak = "conformance" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
      String sk = UUID.randomUUID().toString().replace("-", "") + "/+x";
      String[] reader = {ak + "ro", UUID.randomUUID().toString().replace("-", "")};
      Authenticator auth = Authenticator.sigV4(List.of(new AccessKey(ak, sk, 0, 0, new int[0], false),
          new AccessKey(reader[0], reader[1], 0, 0, new int[0], true)), REGION, Clock.SYSTEM);
      S3Gateway g = S3Gateway.start(v.fileSystem(), S3Gateway.Options.of(new InetSocketAddress("127.0.0.1", 0), auth).withDomains(Set.of(DOMAIN)));
      return new GatewayTarget(dir, v, g, ak, sk, reader);
    } catch (IOException | RuntimeException e) {
      if (v != null) {
        v.close();
      }
      deleteTree(dir);
      throw e;
    }
  }

  /** The volume served, for tests that look at the files behind the objects. */
  public Volume volume() {
    return volume;
  }

  @Override
  public String name() {
    return "gateway";
  }

  @Override
  public URI endpoint() {
    return URI.create(gateway.url());
  }

  @Override
  public String region() {
    return REGION;
  }

  @Override
  public String accessKey() {
    return accessKey;
  }

  @Override
  public String secretKey() {
    return secretKey;
  }

  @Override
  public boolean canCreateBuckets() {
    return true;
  }

  @Override
  public String fixedBucket() {
    return null;
  }

  @Override
  public String[] readOnlyKey() {
    return readOnlyKey.clone();
  }

  @Override
  public String virtualHostDomain() {
    return DOMAIN;
  }

  @Override
  public Set<Deviation> deviations() {
    return Set.of();
  }

  @Override
  public void close() throws IOException {
    try (volume) {
      gateway.close();
    } finally {
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  @Override
  public String toString() {
    return "gateway at " + gateway.url();
  }
}
