package io.nectarfs.object;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link ObjectStores#open} stacks decorators over a backend. The volume's format record
 * supplies most of these; secrets (the key's passphrase) never live here but come from {@link
 * io.nectarfs.common.Secrets}.
 *
 * <p>Stack, outermost first: compression → encryption → checksum → retry → bandwidth limit →
 * prefix → sharding → fault injection → backend. Compression runs before encryption (encrypted
 * bytes do not compress); checksums cover the stored bytes; retries sit below the CPU-heavy
 * transforms so a retry does not redo them; faults sit right above the backend so that every
 * other layer sees them as the network would.
 *
 * @param prefix a key prefix added to every key ("" for none)
 * @param shards number of buckets to spread keys over; the URL then contains {@code %d}, replaced
 *     by 0..shards-1 (0 or 1: no sharding)
 * @param compression the compression applied to each object
 * @param encryption per-object envelope encryption, or null
 * @param checksum whether objects carry checksums verified on every read
 * @param checksumSegment the bytes each checksum covers (a power of two; see {@link ChecksumStore})
 * @param retry retry policy for transient failures
 * @param uploadBytesPerSecond bandwidth limit for puts (0: unlimited)
 * @param downloadBytesPerSecond bandwidth limit for gets (0: unlimited)
 * @param faults fault injection for tests, or null
 */
public record StoreOptions(
    String prefix,
    int shards,
    Compression compression,
    Encryption encryption,
    boolean checksum,
    int checksumSegment,
    Retry retry,
    long uploadBytesPerSecond,
    long downloadBytesPerSecond,
    Faults faults) {

  public StoreOptions {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(compression, "compression");
    Objects.requireNonNull(retry, "retry");
    if (shards < 0 || shards > 1024) {
      throw new IllegalArgumentException("shards must be between 0 and 1024, got " + shards);
    }
    if (checksumSegment < 4 << 10 || checksumSegment > 1 << 20 || Integer.bitCount(checksumSegment) != 1) {
      throw new IllegalArgumentException("checksum segment must be a power of two from 4K to 1M, got " + checksumSegment);
    }
    if (uploadBytesPerSecond < 0 || downloadBytesPerSecond < 0) {
      throw new IllegalArgumentException("bandwidth limits must not be negative");
    }
  }

  /** No decorators but the default retry policy. */
  public static StoreOptions defaults() {
    return new StoreOptions("", 0, Compression.NONE, null, false, ChecksumStore.DEFAULT_SEGMENT, Retry.DEFAULT, 0, 0, null);
  }

  /** No decorators at all, not even retries (conformance tests of raw backends). */
  public static StoreOptions raw() {
    return new StoreOptions("", 0, Compression.NONE, null, false, ChecksumStore.DEFAULT_SEGMENT, Retry.NONE, 0, 0, null);
  }

  public StoreOptions withPrefix(String p) {
    return new StoreOptions(p, shards, compression, encryption, checksum, checksumSegment, retry, uploadBytesPerSecond, downloadBytesPerSecond, faults);
  }

  public StoreOptions withShards(int n) {
    return new StoreOptions(prefix, n, compression, encryption, checksum, checksumSegment, retry, uploadBytesPerSecond, downloadBytesPerSecond, faults);
  }

  public StoreOptions withCompression(Compression c) {
    return new StoreOptions(prefix, shards, c, encryption, checksum, checksumSegment, retry, uploadBytesPerSecond, downloadBytesPerSecond, faults);
  }

  public StoreOptions withEncryption(Encryption e) {
    return new StoreOptions(prefix, shards, compression, e, checksum, checksumSegment, retry, uploadBytesPerSecond, downloadBytesPerSecond, faults);
  }

  public StoreOptions withChecksum(boolean c) {
    return new StoreOptions(prefix, shards, compression, encryption, c, checksumSegment, retry, uploadBytesPerSecond, downloadBytesPerSecond, faults);
  }

  /** The bytes each checksum covers (the volume's format says it; {@link ChecksumStore#DEFAULT_SEGMENT} unless set). */
  public StoreOptions withChecksumSegment(int bytes) {
    return new StoreOptions(prefix, shards, compression, encryption, checksum, bytes, retry, uploadBytesPerSecond, downloadBytesPerSecond, faults);
  }

  public StoreOptions withRetry(Retry r) {
    return new StoreOptions(prefix, shards, compression, encryption, checksum, checksumSegment, r, uploadBytesPerSecond, downloadBytesPerSecond, faults);
  }

  public StoreOptions withBandwidth(long up, long down) {
    return new StoreOptions(prefix, shards, compression, encryption, checksum, checksumSegment, retry, up, down, faults);
  }

  public StoreOptions withFaults(Faults f) {
    return new StoreOptions(prefix, shards, compression, encryption, checksum, checksumSegment, retry, uploadBytesPerSecond, downloadBytesPerSecond, f);
  }

  /** Object compression. */
  public enum Compression {
    NONE,
    LZ4,
    ZSTD;

    /** Parses "none", "lz4" or "zstd" (case-insensitive). */
    public static Compression parse(String s) {
      try {
        return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown compression '" + s + "': use none, lz4 or zstd");
      }
    }
  }

  /**
   * Envelope encryption: each object gets a fresh random data key, wrapped with the RSA public key
   * of {@code privateKeyPem} (OAEP with SHA-256). The PEM's passphrase comes from the secret
   * {@code NECTAR_KEY_PASSPHRASE} (or {@code NECTAR_KEY_PASSPHRASE_FILE}).
   */
  public record Encryption(Path privateKeyPem, Cipher cipher, String shownAs) {
    public Encryption {
      Objects.requireNonNull(privateKeyPem, "privateKeyPem");
      Objects.requireNonNull(cipher, "cipher");
      Objects.requireNonNull(shownAs, "shownAs");
    }

    /** The key in a file the user gave: errors name the file. */
    public Encryption(Path privateKeyPem, Cipher cipher) {
      this(privateKeyPem, cipher, "the encryption key " + privateKeyPem);
    }

    /** The data cipher. */
    public enum Cipher {
      AES256GCM,
      CHACHA20_POLY1305;

      /** Parses "aes256gcm" / "aes-256-gcm" or "chacha20" / "chacha20-poly1305". */
      public static Cipher parse(String s) {
        String n = s.trim().toLowerCase(java.util.Locale.ROOT).replace("-", "").replace("_", "");
        return switch (n) {
          case "aes256gcm", "aes256gcmrsa", "aes" -> AES256GCM;
          case "chacha20", "chacha20poly1305", "chacha20rsa" -> CHACHA20_POLY1305;
          default ->
              throw new IllegalArgumentException(
                  "unknown cipher '" + s + "': use aes256gcm or chacha20-poly1305");
        };
      }
    }
  }

  /**
   * Exponential backoff with full jitter for {@link TransientStoreException}s.
   *
   * @param maxAttempts attempts in all, including the first (1: no retries)
   * @param baseDelay delay bound before the second attempt; doubles each attempt
   * @param maxDelay cap of the delay bound
   */
  public record Retry(int maxAttempts, Duration baseDelay, Duration maxDelay) {
    public static final Retry DEFAULT = new Retry(10, Duration.ofMillis(100), Duration.ofSeconds(10));
    public static final Retry NONE = new Retry(1, Duration.ZERO, Duration.ZERO);

    public Retry {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1");
      }
    }
  }

  /**
   * Fault injection for tests.
   *
   * @param errorRate probability in [0,1] that an operation fails with a transient error
   * @param latency added to every operation
   * @param tornWriteRate probability that a put stores only a prefix of the data yet reports
   *     success (what a buggy store or a crash mid-write could do; checksums and encryption must
   *     catch it)
   * @param seed random seed, for reproducible runs
   */
  public record Faults(double errorRate, Duration latency, double tornWriteRate, long seed) {}
}
