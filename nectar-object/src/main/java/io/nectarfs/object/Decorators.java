package io.nectarfs.object;

import io.nectarfs.common.Secrets;
import io.nectarfs.common.Uris;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Builds the decorator stack that {@link StoreOptions} describes over a backend, outermost first:
 * compression → encryption → checksum → retry → bandwidth limit → prefix → sharding → fault
 * injection → backend. Layers that are not asked for are left out; {@link StoreOptions#raw()}
 * gives the bare backend.
 *
 * <p>The result is copy-capable when the backend is; it is multipart-capable only when the backend
 * is and no layer transforms contents (compression, encryption, checksums).
 */
final class Decorators {
  private Decorators() {}

  static ObjectStore stack(ObjectStoreProvider provider, String url, StoreOptions o, Secrets secrets) throws IOException {
    int n = o.shards() > 1 ? o.shards() : 1;
    boolean hasPercentD = url.contains("%d");
    if (n > 1 && !hasPercentD) {
      throw new IOException("sharding over " + n + " buckets needs %d in the storage URL (replaced by 0.." + (n - 1) + "): " + Uris.redact(url));
    }
    if (n == 1 && hasPercentD) {
      throw new IOException("the storage URL " + Uris.redact(url) + " contains %d but sharding is off: set shards or remove %d");
    }
    // Validate the encryption key before opening anything, so a bad key fails fast.
    EncryptionKeys.VolumeKey key = o.encryption() == null ? null : EncryptionKeys.load(o.encryption().privateKeyPem(), o.encryption().shownAs(), secrets);

    FaultStore.Injector injector = o.faults() == null ? null : new FaultStore.Injector(o.faults());
    List<ObjectStore> backends = new ArrayList<>(n);
    try {
      for (int i = 0; i < n; i++) {
        ObjectStore b = provider.open(n > 1 ? url.replace("%d", Integer.toString(i)) : url, secrets);
        backends.add(injector == null ? b : new FaultStore(b, injector));
      }
    } catch (IOException | RuntimeException e) {
      for (ObjectStore b : backends) {
        try {
          b.close();
        } catch (IOException ce) {
          e.addSuppressed(ce);
        }
      }
      throw e;
    }
    ObjectStore base = backends.getFirst();
    if (injector == null && n == 1 && isBare(o)) {
      return base;
    }
    List<String> layers = new ArrayList<>();

    ObjectStore s = n > 1 ? new ShardedStore(backends, Uris.redact(url)) : base;
    if (n > 1) {
      layers.add(n + " shards");
    }
    if (!o.prefix().isEmpty()) {
      Keys.check(o.prefix());
      s = new PrefixStore(s, o.prefix());
      layers.add("prefix " + o.prefix());
    }
    if (o.uploadBytesPerSecond() > 0 || o.downloadBytesPerSecond() > 0) {
      s = new ThrottledStore(s, o.uploadBytesPerSecond(), o.downloadBytesPerSecond());
      layers.add("bandwidth up " + rate(o.uploadBytesPerSecond()) + " down " + rate(o.downloadBytesPerSecond()));
    }
    if (o.retry().maxAttempts() > 1) {
      s = new RetryStore(s, o.retry(), RetryStore.REAL);
      layers.add("retry " + o.retry().maxAttempts());
    }
    s = transforms(s, o, key, layers);
    if (injector != null) {
      layers.add("faults");
    }
    java.util.Collections.reverse(layers); // outermost first
    String description = (n > 1 ? Uris.redact(url) : base.describe()) + " (" + String.join(", ", layers) + ")";
    return new Top(s, description);
  }

  /** The layers that rewrite contents (checksum → encryption → compression, innermost first) over {@code s}. */
  private static ObjectStore transforms(ObjectStore s, StoreOptions o, EncryptionKeys.VolumeKey key, List<String> layers) {
    if (o.checksum()) {
      s = new ChecksumStore(s, o.checksumSegment());
      layers.add("checksum");
    }
    if (key != null) {
      s = new EncryptedStore(s, key, o.encryption().cipher());
      layers.add(o.encryption().cipher() == StoreOptions.Encryption.Cipher.AES256GCM ? "aes256gcm" : "chacha20-poly1305");
    }
    if (o.compression() != StoreOptions.Compression.NONE) {
      s = new CompressedStore(s, o.compression());
      layers.add(o.compression().name().toLowerCase(Locale.ROOT));
    }
    return s;
  }

  /** See {@link StoredForm#of}: the transforming layers over a private in-memory store. */
  static StoredForm storedForm(StoreOptions o, Secrets secrets) throws IOException {
    EncryptionKeys.VolumeKey key = o.encryption() == null ? null : EncryptionKeys.load(o.encryption().privateKeyPem(), o.encryption().shownAs(), secrets);
    MemStore bottom = MemStore.named("");
    ObjectStore top = transforms(bottom, o, key, new ArrayList<>());
    java.util.concurrent.atomic.AtomicLong seq = new java.util.concurrent.atomic.AtomicLong();
    return new StoredForm() {
      @Override
      public byte[] encode(byte[] plain) throws IOException {
        String k = "inline/" + seq.incrementAndGet();
        try {
          top.put(k, plain);
          return bottom.getBytes(k);
        } finally {
          bottom.delete(k);
        }
      }

      @Override
      public byte[] decode(byte[] stored) throws IOException {
        String k = "inline/" + seq.incrementAndGet();
        try {
          bottom.put(k, stored);
          return top.getBytes(k);
        } finally {
          bottom.delete(k);
        }
      }
    };
  }

  private static boolean isBare(StoreOptions o) {
    return o.prefix().isEmpty() && o.compression() == StoreOptions.Compression.NONE && o.encryption() == null && !o.checksum()
        && o.retry().maxAttempts() <= 1 && o.uploadBytesPerSecond() == 0 && o.downloadBytesPerSecond() == 0;
  }

  private static String rate(long bytesPerSecond) {
    return bytesPerSecond == 0 ? "unlimited" : bytesPerSecond + " B/s";
  }

  /**
   * The top of a decorated stack: describes the whole stack and offers what the layer below it
   * offers (copy, and multipart unless a transforming layer hides it), through {@link
   * ObjectStore#capability}.
   *
   * <p>Concurrency: stateless.
   */
  private static final class Top extends ForwardingStore implements ForwardsMultipart {
    private final String description;

    Top(ObjectStore next, String description) {
      super(next);
      this.description = description;
    }

    @Override
    public String describe() {
      return description;
    }

    /** Forwarded as an array: the layer below takes it without the stream's copy. */
    @Override
    public void put(String key, byte[] data) throws IOException {
      next.put(key, data);
    }

    /** Forwarded as buffers: the gather put reaches the layers below without a joined copy. */
    @Override
    public void put(String key, List<java.nio.ByteBuffer> parts) throws IOException {
      next.put(key, parts);
    }

    /**
     * Forwarded as an array: through the stream of {@link ObjectStore#getBytes}'s default every
     * block read was copied once more (a fifth of a gateway's CPU on 4 MiB GETs).
     */
    @Override
    public byte[] getBytes(String key, long off, long len) throws IOException {
      return next.getBytes(key, off, len);
    }

    /** Forwarded: the layers below read into the caller's buffer, or copy into it as the default does. */
    @Override
    public int read(String key, long off, java.nio.ByteBuffer dst) throws IOException {
      return next.read(key, off, dst);
    }

    @Override
    public String toString() {
      return description;
    }
  }
}
