package io.nectarfs.testkit;

import io.nectarfs.common.Secrets;
import io.nectarfs.object.EncryptionKeys;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The decorator configurations every backend is tested with: each decorator alone, then all of
 * them stacked. Backend modules run {@link ObjectStoreConformanceTest} over {@link #all} of their
 * URL.
 *
 * <p>A URL with {@code %d} (e.g. {@code mem://x-%d}, {@code file:///tmp/b%d}, {@code s3://bkt-%d})
 * enables the sharded configurations (3 shards); the others use it with {@code %d} replaced by
 * {@code 0}. Encryption uses a key generated once per JVM and written into {@code keyDir}, with
 * passphrase {@link #PASSPHRASE} supplied through {@link #secrets()}.
 */
public final class StoreStacks {
  /** The passphrase of the test key. */
  public static final String PASSPHRASE = "nectar test passphrase";
  /** Fault rate of the "retry+faults" and "all" stacks; retries make them invisible. */
  public static final double ERROR_RATE = 0.3;
  /**
   * Attempts of those stacks. One attempt of a sharded listing makes at least three faultable
   * calls (0.7^3 = 34% success), so ten attempts failed 1.5% of listings; at 100 a failure is
   * about 1e-18, so "invisible" holds in every run. Retries do not wait, so this costs nothing.
   */
  static final int ATTEMPTS = 100;

  private static final List<String> NAMES =
      List.of("prefix", "shards", "lz4", "zstd", "aes256gcm", "chacha20", "checksum", "checksum-4k", "retry+faults", "bandwidth", "all");
  private static String pem;

  private StoreStacks() {}

  /** One configuration: open it with {@link #open()}. */
  public record Stack(String name, String url, StoreOptions options, Secrets secrets) {
    public ObjectStore open() throws IOException {
      return ObjectStores.registry().open(url, options, secrets);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** Whether a configuration offers the backend's multipart upload through {@code capability()} (no content-transforming layer). */
  public static boolean keepsMultipart(String name) {
    return !List.of("lz4", "zstd", "aes256gcm", "chacha20", "checksum", "checksum-4k", "all").contains(name);
  }

  /** The names of all configurations, sharded ones included. */
  public static List<String> names() {
    return NAMES;
  }

  /** The secrets the stacks need (the key's passphrase). */
  public static Secrets secrets() {
    return new Secrets(Map.of(EncryptionKeys.PASSPHRASE, PASSPHRASE));
  }

  /** Retries without waiting: for tests with injected faults. */
  public static StoreOptions.Retry instantRetry(int attempts) {
    return new StoreOptions.Retry(attempts, Duration.ZERO, Duration.ZERO);
  }

  /** The test key (2048 bits, protected by {@link #PASSPHRASE}) as a file in {@code dir}. */
  public static synchronized Path key(Path dir) throws IOException {
    if (pem == null) {
      pem = EncryptionKeys.generatePem(2048, PASSPHRASE.toCharArray());
    }
    Path f = dir.resolve("nectar-test-key.pem");
    if (!Files.exists(f)) {
      Files.createDirectories(dir);
      Files.writeString(f, pem, StandardCharsets.US_ASCII);
    }
    return f;
  }

  /** Every configuration that {@code url} supports (sharded ones only with {@code %d}). */
  public static List<Stack> all(String url, Path keyDir) throws IOException {
    List<Stack> out = new ArrayList<>();
    for (String n : NAMES) {
      if (n.equals("shards") && !url.contains("%d")) {
        continue;
      }
      out.add(get(n, url, keyDir));
    }
    return out;
  }

  /** The configuration called {@code name}. */
  public static Stack get(String name, String url, Path keyDir) throws IOException {
    boolean canShard = url.contains("%d");
    String single = url.replace("%d", "0");
    StoreOptions raw = StoreOptions.raw();
    StoreOptions.Faults faults = new StoreOptions.Faults(ERROR_RATE, Duration.ZERO, 0, 42);
    StoreOptions o = switch (name) {
      case "prefix" -> raw.withPrefix("pre/fix-");
      case "shards" -> {
        if (!canShard) {
          throw new IllegalArgumentException("the shards stack needs %d in the URL: " + url);
        }
        yield raw.withShards(3);
      }
      case "lz4" -> raw.withCompression(StoreOptions.Compression.LZ4);
      case "zstd" -> raw.withCompression(StoreOptions.Compression.ZSTD);
      case "aes256gcm" -> raw.withEncryption(new StoreOptions.Encryption(key(keyDir), StoreOptions.Encryption.Cipher.AES256GCM));
      case "chacha20" -> raw.withEncryption(new StoreOptions.Encryption(key(keyDir), StoreOptions.Encryption.Cipher.CHACHA20_POLY1305));
      case "checksum" -> raw.withChecksum(true);
      case "checksum-4k" -> raw.withChecksum(true).withChecksumSegment(4 << 10); // ranges over many segments
      case "retry+faults" -> raw.withRetry(instantRetry(ATTEMPTS)).withFaults(faults);
      case "bandwidth" -> raw.withBandwidth(512L << 20, 512L << 20);
      case "all" ->
          raw.withPrefix("all/")
              .withShards(canShard ? 3 : 0)
              .withCompression(StoreOptions.Compression.ZSTD)
              .withEncryption(new StoreOptions.Encryption(key(keyDir), StoreOptions.Encryption.Cipher.AES256GCM))
              .withChecksum(true)
              .withChecksumSegment(16 << 10) // what new volumes use
              .withRetry(instantRetry(ATTEMPTS))
              .withBandwidth(512L << 20, 512L << 20)
              .withFaults(faults);
      default -> throw new IllegalArgumentException("unknown stack " + name + ": use one of " + NAMES);
    };
    return new Stack(name, o.shards() > 1 ? url : single, o, secrets());
  }
}
