package io.nectarfs.volume;

import io.nectarfs.common.Errno;
import io.nectarfs.common.Secrets;
import io.nectarfs.common.Url;
import io.nectarfs.common.Uris;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.UUID;

/**
 * The pieces of a volume below {@link Volume}, for tools that need one of them alone: the
 * metadata engine by URL (format, load, config, destroy), the volume's object storage from its
 * format record (after the {@link VolumeMarker} check), and formatting a volume with its storage
 * check and marker. Stateless.
 */
public final class Volumes {
  private Volumes() {}

  /** The result of {@link #format}: the record before (null for a new volume), the stored one, and the redacted engine. */
  public record Formatted(Format before, Format stored, String metaDescription) {}

  /** Connects to the metadata engine at {@code metaUrl} (any scheme a registered engine serves). */
  public static TxnKv engine(String metaUrl, Secrets secrets) throws IOException {
    return MetaEngines.registry().open(metaUrl, secrets);
  }

  /**
   * Connects to the engine of an existing volume: as {@link #engine}, but an embedded engine whose
   * database file does not exist fails with one line (run format) instead of creating the file
   * and its directories.
   */
  public static TxnKv existingEngine(String metaUrl, Secrets secrets) throws IOException {
    if (metaUrl.startsWith("sqlite3://")) {
      String path = Url.parsePath(metaUrl, "metadata URL", "sqlite3:///absolute/path/volume.db").path();
      if (path.startsWith("/") && !Files.exists(Path.of(path))) {
        String plain = "sqlite3://" + path;
        throw new IOException("no volume is formatted at " + plain + " (the file does not exist): run 'nectar format " + plain + " NAME' first");
      }
    }
    return engine(metaUrl, secrets);
  }

  /** The format record, or a one-line error saying to run format. */
  public static Format requireFormat(TxnKv kv) throws IOException {
    Format f = MetaClient.loadFormat(kv);
    if (f == null) {
      throw new IOException("no volume is formatted at " + kv.describe() + ": run 'nectar format " + Uris.redact(kv.describe()) + " NAME' first");
    }
    return f;
  }

  /** The decorator stack the format asks for; the key PEM is written to a private temporary file. */
  public static StoreOptions storeOptions(Format f) throws IOException {
    StoreOptions o = StoreOptions.defaults()
        .withPrefix(f.objectPrefix())
        .withShards(f.shards())
        .withCompression(StoreOptions.Compression.parse(f.compression()))
        .withChecksum(f.checksum())
        .withChecksumSegment(f.checksumSegmentBytes());
    if (f.encryptKeyPem() != null) {
      Path pem = Files.createTempFile("nectar-key-", ".pem", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      pem.toFile().deleteOnExit();
      Files.writeString(pem, f.encryptKeyPem(), StandardCharsets.US_ASCII);
      o = o.withEncryption(new StoreOptions.Encryption(pem, StoreOptions.Encryption.Cipher.parse(f.encryptCipher()),
          "the volume's encryption key (the --encrypt-key given to 'nectar format', kept in the metadata)"));
    }
    return o;
  }

  /**
   * Opens the volume's object storage after checking its volume marker (see {@link VolumeMarker}):
   * storage that belongs to another volume is refused; a missing marker is written when nothing
   * else lives under the volume's name and {@code claim} is set (never for read-only clients).
   */
  public static ObjectStore storage(Format f, boolean claim, Secrets secrets) throws IOException {
    return storage(f, claim, secrets, StoreTuning.NONE);
  }

  /** {@link #storage(Format, boolean, Secrets)} with this process's limits {@code tuning}. */
  public static ObjectStore storage(Format f, boolean claim, Secrets secrets, StoreTuning tuning) throws IOException {
    VolumeMarker.verify(f, claim, secrets);
    return ObjectStores.registry().open(f.storage(), tuning.apply(storeOptions(f)), secrets);
  }

  /** Opens the volume's object storage without looking at the marker (format's own probe). */
  public static ObjectStore unchecked(Format f, Secrets secrets) throws IOException {
    return ObjectStores.registry().open(f.storage(), storeOptions(f), secrets);
  }

  /**
   * The URL without user info or secret parameters: credentials are never stored in the volume.
   * An IOException (one line) for the one ambiguous shape {@link Uris#withoutCredentials} refuses.
   */
  public static String withoutCredentials(String url) throws IOException {
    try {
      return Uris.withoutCredentials(url);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /**
   * Formats the volume at {@code metaUrl} as {@code wanted}: tests the storage with a put, get
   * and delete, refuses storage that belongs to another volume, stores the format record (a no-op
   * when nothing changed; incompatible changes need {@link FormatRequest#force}), then writes the
   * storage's volume marker. A re-format keeps the volume's UUID and layout. Credentials in the
   * storage URL are used for the checks but never stored.
   */
  public static Formatted format(String metaUrl, Format wanted, FormatRequest request) throws IOException {
    Secrets secrets = request.secrets();
    String store = request.storageUrl() != null ? request.storageUrl() : wanted.storage();
    Format plain = wanted.storage().equals(withoutCredentials(wanted.storage())) ? wanted : wanted.withStorage(withoutCredentials(wanted.storage()));
    try (TxnKv kv = engine(metaUrl, secrets)) {
      Format before = MetaClient.loadFormat(kv);
      // A re-format keeps the volume's identity and layout: check the storage as the volume it is.
      Format identity = before == null ? plain : plain.withUuid(before.uuid()).withStorageLayout(before.storageLayout());
      checkStorage(identity.withStorage(store), secrets);
      VolumeMarker.verify(identity.withStorage(store), false, secrets);
      Format stored = MetaClient.format(kv, plain, request.force(), request.clock(), request.rootMode(), request.rootUid(), request.rootGid());
      try {
        VolumeMarker.verify(stored.withStorage(store), true, secrets);
      } catch (IOException e) {
        throw new IOException("volume " + stored.name() + " is formatted, but its storage marker could not be written: " + oneLine(e)
            + "; run format again", e);
      }
      return new Formatted(before, stored, Uris.redact(kv.describe()));
    }
  }

  /** Puts, reads back and deletes a small object so a wrong URL or key fails now, not at mount. */
  private static void checkStorage(Format probe, Secrets secrets) throws IOException {
    try (ObjectStore s = unchecked(probe, secrets)) {
      String key = VolumeMarker.PROBE + UUID.randomUUID();
      byte[] data = ("nectar format check " + probe.uuid()).getBytes(StandardCharsets.UTF_8);
      s.put(key, data);
      boolean same = Arrays.equals(s.getBytes(key), data);
      s.delete(key);
      if (!same) {
        throw new IOException("storage " + s.describe() + " returned different bytes than were written");
      }
    } catch (IOException e) {
      throw new IOException("storage check failed: " + oneLine(e), e);
    }
  }

  /**
   * Checks that a volume's storage takes writes: puts, reads back and deletes a small object under
   * the volume's prefix ({@code store} is the volume's decorated store). Throws one line naming the
   * storage and the cause, e.g. missing or wrong credentials.
   */
  public static void checkWritable(ObjectStore store, Format f) throws IOException {
    String key = VolumeMarker.PROBE + UUID.randomUUID();
    byte[] data = ("nectar mount check " + f.uuid()).getBytes(StandardCharsets.UTF_8);
    try {
      store.put(key, data);
      boolean same = Arrays.equals(store.getBytes(key), data);
      store.delete(key);
      if (!same) {
        throw new IOException("it returned different bytes than were written");
      }
    } catch (IOException e) {
      throw new IOException("storage " + Uris.redact(f.storage()) + " does not take writes (" + oneLine(e)
          + "): check its credentials (in the URL or NECTAR_S3_ACCESS_KEY/NECTAR_S3_SECRET_KEY) and permissions", e);
    }
  }

  /** A failure as one line: the first message in the cause chain, naming missing or forbidden objects. */
  static String oneLine(Throwable ex) {
    Throwable t = ex;
    while ((t.getMessage() == null || t.getMessage().isBlank()) && t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      m = t.getClass().getSimpleName() + " (" + Errno.of(t).description() + ")";
    } else if (t instanceof java.nio.file.NoSuchFileException) {
      m = "no such file or object: " + m;
    } else if (t instanceof java.nio.file.AccessDeniedException) {
      m = "permission denied: " + m;
    }
    return m.replace('\n', ' ').replace('\r', ' ');
  }
}
