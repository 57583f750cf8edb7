package io.nectarfs.cli;

import io.nectarfs.common.Sizes;
import io.nectarfs.object.StoreOptions;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Flags that decide how an object store is decorated (the CLI face of {@link StoreOptions}). The
 * key's passphrase is never a flag: it comes from {@code NECTAR_KEY_PASSPHRASE} or {@code
 * NECTAR_KEY_PASSPHRASE_FILE}; S3 keys likewise from the URL or {@code NECTAR_S3_*}.
 */
final class StorageOptions {
  @Option(names = "--prefix", paramLabel = "PREFIX", description = "Key prefix inside the bucket.")
  String prefix = "";

  @Option(names = "--shards", paramLabel = "N", description = "Spread objects over N buckets; the URL contains %%d.")
  int shards;

  @Option(names = "--compress", paramLabel = "ALGO", description = "none, lz4 or zstd (default: ${DEFAULT-VALUE}).")
  String compress = "none";

  @Option(names = "--encrypt-key", paramLabel = "PEM", description = "Passphrase-protected RSA private key (PEM); passphrase from NECTAR_KEY_PASSPHRASE[_FILE].")
  Path encryptKey;

  @Option(names = "--encrypt-cipher", paramLabel = "CIPHER", description = "aes256gcm or chacha20-poly1305 (default: ${DEFAULT-VALUE}).")
  String encryptCipher = "aes256gcm";

  @Option(names = "--checksum", description = "Store a CRC32C per 64 KiB and verify it on every read.")
  boolean checksum;

  @Option(names = "--max-attempts", paramLabel = "N", description = "Attempts per operation on transient errors (default: ${DEFAULT-VALUE}).")
  int maxAttempts = StoreOptions.Retry.DEFAULT.maxAttempts();

  @Option(names = "--upload-limit", paramLabel = "SIZE", description = "Upload bandwidth per second, e.g. 100M (default: unlimited).")
  String uploadLimit;

  @Option(names = "--download-limit", paramLabel = "SIZE", description = "Download bandwidth per second, e.g. 100M (default: unlimited).")
  String downloadLimit;

  /** The decorator stack these flags ask for. */
  StoreOptions toStoreOptions() {
    StoreOptions o = StoreOptions.defaults()
        .withPrefix(prefix)
        .withShards(shards)
        .withCompression(StoreOptions.Compression.parse(compress))
        .withChecksum(checksum)
        .withRetry(new StoreOptions.Retry(maxAttempts, Duration.ofMillis(100), Duration.ofSeconds(10)))
        .withBandwidth(uploadLimit == null ? 0 : Sizes.parse(uploadLimit), downloadLimit == null ? 0 : Sizes.parse(downloadLimit));
    if (encryptKey != null) {
      o = o.withEncryption(new StoreOptions.Encryption(encryptKey, StoreOptions.Encryption.Cipher.parse(encryptCipher)));
    }
    return o;
  }
}
