package io.nectarfs.cli;

import io.nectarfs.common.Secrets;
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

/** How commands reach a volume: its metadata engine by URL, its storage from the format record. */
final class Volumes {
  private Volumes() {}

  static TxnKv engine(String metaUrl) throws IOException {
    return MetaEngines.registry().open(metaUrl, Secrets.fromEnvironment());
  }

  /** The format record, or a one-line error saying to run format. */
  static Format format(TxnKv kv) throws IOException {
    Format f = MetaClient.loadFormat(kv);
    if (f == null) {
      throw new IOException("no volume is formatted at " + kv.describe() + ": run 'nectar format " + Uris.redact(kv.describe()) + " NAME' first");
    }
    return f;
  }

  /** The decorator stack the format asks for; the key PEM is written to a private temporary file. */
  static StoreOptions storeOptions(Format f) throws IOException {
    StoreOptions o = StoreOptions.defaults()
        .withPrefix(f.objectPrefix())
        .withShards(f.shards())
        .withCompression(StoreOptions.Compression.parse(f.compression()))
        .withChecksum(f.checksum());
    if (f.encryptKeyPem() != null) {
      Path pem = Files.createTempFile("nectar-key-", ".pem", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      pem.toFile().deleteOnExit();
      Files.writeString(pem, f.encryptKeyPem(), StandardCharsets.US_ASCII);
      o = o.withEncryption(new StoreOptions.Encryption(pem, StoreOptions.Encryption.Cipher.parse(f.encryptCipher())));
    }
    return o;
  }

  /**
   * Opens the volume's object storage after checking its volume marker (see {@link VolumeMarker}):
   * storage that belongs to another volume is refused; a missing marker is written when nothing
   * else lives under the volume's name (unless {@code readOnly}: then nothing is written).
   */
  static ObjectStore storage(Format f, boolean readOnly) throws IOException {
    VolumeMarker.verify(f, !readOnly);
    return unchecked(f);
  }

  static ObjectStore storage(Format f) throws IOException {
    return storage(f, false);
  }

  /** Opens the volume's object storage without looking at the marker (format's own probe). */
  static ObjectStore unchecked(Format f) throws IOException {
    return ObjectStores.registry().open(f.storage(), storeOptions(f), Secrets.fromEnvironment());
  }

  /** The URL without user info: credentials are never stored in the volume. */
  static String withoutCredentials(String url) {
    int s = url.indexOf("://");
    if (s < 0) {
      return url;
    }
    int at = url.lastIndexOf('@');
    int slash = url.indexOf('/', s + 3);
    if (at > s && (slash < 0 || at < slash || url.substring(s + 3, at).indexOf('/') >= 0)) {
      return url.substring(0, s + 3) + url.substring(at + 1);
    }
    return url;
  }
}
