package io.nectarfs.meta;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * The volume's format record, stored in the metadata engine by {@code nectar format}. It holds no
 * secret in clear: storage credentials come from the environment at mount time, and the
 * encryption key is kept only as a passphrase-protected PEM.
 *
 * @param name volume name (3–63 characters of a-z, 0-9 and '-'); also the object key prefix
 * @param uuid random at format time
 * @param storage the storage URL without credentials
 * @param blockSize block size in bytes: a power of two from 64 KiB to 16 MiB
 * @param compression none, lz4 or zstd
 * @param encryptKeyPem the passphrase-protected RSA private key PEM, or null
 * @param encryptCipher aes256gcm or chacha20-poly1305 (with a key)
 * @param checksum whether objects carry checksums
 * @param shards number of storage buckets (0 or 1: one)
 * @param trashDays days deleted files stay in .trash (0: no trash)
 * @param capacity space limit in bytes (0: none)
 * @param inodes inode limit (0: none)
 * @param metaVersion the layout version of the metadata
 * @param createdMillis when the volume was formatted
 * @param enableAcl whether POSIX ACLs are enabled (fixed at format; default false)
 * @param storageLayout where the volume's objects live in the storage: {@link #LAYOUT_NAME} (0,
 *     volumes formatted before the layout existed) under {@code <name>/}, {@link #LAYOUT_UUID} (1)
 *     under {@code <name>/<uuid>/}, so two volumes can never share object keys; fixed at format
 * @param inlineSize files whose size after a write is at most this many bytes keep the written
 *     slice in the metadata instead of the object store (0: off; at most {@link #MAX_INLINE});
 *     volumes formatted before inlining existed read it as 0
 * @param checksumSegment the bytes each checksum of an object covers: a ranged read fetches and
 *     verifies whole segments (0: {@link #LEGACY_CHECKSUM_SEGMENT}, volumes formatted before the
 *     size was a setting); fixed at format, a power of two from 4 KiB to 1 MiB
 * @param requires features a client must understand to open the volume ({@link #FEATURES} lists
 *     those this client knows); {@code inline} once inline slices may exist, {@code
 *     checksum-segment} when the segment is not the legacy one
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Format(
    String name,
    String uuid,
    String storage,
    int blockSize,
    String compression,
    String encryptKeyPem,
    String encryptCipher,
    boolean checksum,
    int shards,
    int trashDays,
    long capacity,
    long inodes,
    int metaVersion,
    long createdMillis,
    boolean enableAcl,
    int storageLayout,
    int inlineSize,
    int checksumSegment,
    java.util.List<String> requires) {
  /**
   * The metadata layout version this client writes and reads. 2: slices may be inline (clients
   * of version 1, which know no {@link #requires} list, refuse such volumes by this number).
   */
  public static final int META_VERSION = 2;
  /** The layout version of a volume without inline slices: what clients without inlining open. */
  public static final int META_VERSION_PLAIN = 1;
  /** The feature of volumes whose slices may be inline. */
  public static final String FEATURE_INLINE = "inline";
  /** The feature of volumes whose checksum segment is not {@link #LEGACY_CHECKSUM_SEGMENT}. */
  public static final String FEATURE_CHECKSUM_SEGMENT = "checksum-segment";
  /** The features this client understands. */
  public static final java.util.Set<String> FEATURES = java.util.Set.of(FEATURE_INLINE, FEATURE_CHECKSUM_SEGMENT);
  /** The checksum segment of volumes formatted before it was a setting. */
  public static final int LEGACY_CHECKSUM_SEGMENT = 64 << 10;
  /**
   * The checksum segment of new volumes: a cold 4 KiB random read reads and verifies 16 KiB + 12
   * bytes instead of 64 KiB (docs/decisions.md, "Checksum segments of 16 KiB").
   */
  public static final int DEFAULT_CHECKSUM_SEGMENT = 16 << 10;
  /** The largest inline size: what one metadata value holds on every engine, with headers to spare. */
  public static final int MAX_INLINE = 64 << 10;
  /** The inline size of new volumes (measured: docs/decisions.md, "Small files inline"). */
  public static final int DEFAULT_INLINE = 16 << 10;
  /** Objects under {@code <name>/} (volumes formatted before the volume UUID went into keys). */
  public static final int LAYOUT_NAME = 0;
  /** Objects under {@code <name>/<uuid>/} (every volume formatted now). */
  public static final int LAYOUT_UUID = 1;
  public static final int MIN_BLOCK = 64 << 10;
  public static final int MAX_BLOCK = 16 << 20;
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{1,61}[a-z0-9]");
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .configure(SerializationFeature.INDENT_OUTPUT, true);

  /**
   * A builder for a new volume's record: a random uuid, 4 MiB blocks, no compression, no
   * encryption, checksums on, no shards, trash, capacity or inode limit, the current metadata
   * version, created at 0 (set it from the caller's clock), ACLs off, {@link #LAYOUT_UUID}, no
   * inlining (the CLI asks for {@link #DEFAULT_INLINE}).
   */
  public static Builder builder(String name, String storage) {
    return new Builder().name(name).storage(storage);
  }

  /** A builder holding every field of this record. */
  public Builder toBuilder() {
    return new Builder().name(name).uuid(uuid).storage(storage).blockSize(blockSize).compression(compression)
        .encryption(encryptKeyPem, encryptCipher).checksum(checksum).shards(shards).trashDays(trashDays).capacity(capacity)
        .inodes(inodes).metaVersion(metaVersion).createdMillis(createdMillis).enableAcl(enableAcl).storageLayout(storageLayout)
        .inlineSize(inlineSize).checksumSegment(checksumSegment).requires(requires);
  }

  /** Builds a {@link Format}; {@link #build()} does not validate (see {@link Format#validated()}). */
  public static final class Builder {
    private String name;
    private String uuid = java.util.UUID.randomUUID().toString();
    private String storage;
    private int blockSize = 4 << 20;
    private String compression = "none";
    private String encryptKeyPem;
    private String encryptCipher;
    private boolean checksum = true;
    private int shards;
    private int trashDays;
    private long capacity;
    private long inodes;
    private int metaVersion = META_VERSION_PLAIN;
    private long createdMillis;
    private boolean enableAcl;
    private int storageLayout = LAYOUT_UUID;
    private int inlineSize;
    private int checksumSegment;
    private java.util.List<String> requires;

    private Builder() {}

    /** The checksum segment (0: the legacy one); another than the legacy one marks the volume as needing {@link #FEATURE_CHECKSUM_SEGMENT}. */
    public Builder checksumSegment(int v) {
      checksumSegment = v;
      return this;
    }

    /** The inline size; above 0 it also marks the volume as needing {@link #FEATURE_INLINE}. */
    public Builder inlineSize(int v) {
      inlineSize = v;
      return this;
    }

    public Builder requires(java.util.List<String> v) {
      requires = v == null || v.isEmpty() ? null : java.util.List.copyOf(v);
      return this;
    }

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder uuid(String v) {
      uuid = v;
      return this;
    }

    public Builder storage(String v) {
      storage = v;
      return this;
    }

    public Builder blockSize(int v) {
      blockSize = v;
      return this;
    }

    public Builder compression(String v) {
      compression = v;
      return this;
    }

    /** The passphrase-protected key PEM and its cipher, or nulls for no encryption. */
    public Builder encryption(String keyPem, String cipher) {
      encryptKeyPem = keyPem;
      encryptCipher = cipher;
      return this;
    }

    public Builder checksum(boolean v) {
      checksum = v;
      return this;
    }

    public Builder shards(int v) {
      shards = v;
      return this;
    }

    public Builder trashDays(int v) {
      trashDays = v;
      return this;
    }

    public Builder capacity(long v) {
      capacity = v;
      return this;
    }

    public Builder inodes(long v) {
      inodes = v;
      return this;
    }

    public Builder metaVersion(int v) {
      metaVersion = v;
      return this;
    }

    public Builder createdMillis(long v) {
      createdMillis = v;
      return this;
    }

    public Builder enableAcl(boolean v) {
      enableAcl = v;
      return this;
    }

    public Builder storageLayout(int v) {
      storageLayout = v;
      return this;
    }

    /**
     * Builds the record. A positive inline size adds {@link #FEATURE_INLINE} to the required
     * features and raises the metadata version to {@link #META_VERSION} (a volume once inlined
     * stays so: its slices may be inline even after the size goes back to 0); a checksum segment
     * other than the legacy one requires {@link #FEATURE_CHECKSUM_SEGMENT}.
     */
    public Format build() {
      java.util.List<String> req = requires == null ? new java.util.ArrayList<>() : new java.util.ArrayList<>(requires);
      int version = metaVersion;
      if (inlineSize > 0 && !req.contains(FEATURE_INLINE)) {
        req.add(FEATURE_INLINE);
      }
      if (req.contains(FEATURE_INLINE)) {
        version = Math.max(version, META_VERSION);
      }
      req.remove(FEATURE_CHECKSUM_SEGMENT); // follows the segment: needed exactly when it is not the legacy one
      if (checksumSegment != 0 && checksumSegment != LEGACY_CHECKSUM_SEGMENT) {
        req.add(FEATURE_CHECKSUM_SEGMENT);
      }
      return new Format(name, uuid, storage, blockSize, compression, encryptKeyPem, encryptCipher, checksum, shards, trashDays, capacity,
          inodes, version, createdMillis, enableAcl, storageLayout, inlineSize, checksumSegment, req.isEmpty() ? null : java.util.List.copyOf(req));
    }
  }

  public Format withEnableAcl(boolean on) {
    return toBuilder().enableAcl(on).build();
  }

  public Format withStorageLayout(int layout) {
    return toBuilder().storageLayout(layout).build();
  }

  /** The bytes each object checksum covers ({@link #checksumSegment}, the legacy size when 0). */
  public int checksumSegmentBytes() {
    return checksumSegment == 0 ? LEGACY_CHECKSUM_SEGMENT : checksumSegment;
  }

  /** The key prefix of the volume's objects in the storage (see {@link #storageLayout}). */
  public String objectPrefix() {
    return storageLayout == LAYOUT_UUID ? name + "/" + uuid + "/" : name + "/";
  }

  /** Checks every field; throws {@link IllegalArgumentException} naming the first bad one. */
  public Format validated() {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid volume name '" + name + "': use 3-63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit");
    }
    if (blockSize < MIN_BLOCK || blockSize > MAX_BLOCK || Integer.bitCount(blockSize) != 1) {
      throw new IllegalArgumentException("block size must be a power of two from 64K to 16M, got " + blockSize);
    }
    if (!java.util.Set.of("none", "lz4", "zstd").contains(compression)) {
      throw new IllegalArgumentException("unknown compression '" + compression + "': use none, lz4 or zstd");
    }
    if (trashDays < 0 || capacity < 0 || inodes < 0 || shards < 0) {
      throw new IllegalArgumentException("trash days, capacity, inodes and shards must not be negative");
    }
    if (storageLayout != LAYOUT_NAME && storageLayout != LAYOUT_UUID) {
      throw new IllegalArgumentException("unknown storage layout " + storageLayout + ": upgrade nectar");
    }
    if (inlineSize < 0 || inlineSize > MAX_INLINE) {
      throw new IllegalArgumentException("inline size must be from 0 (off) to " + MAX_INLINE + " bytes, got " + inlineSize);
    }
    if (checksumSegment != 0 && (checksumSegment < 4 << 10 || checksumSegment > 1 << 20 || Integer.bitCount(checksumSegment) != 1)) {
      throw new IllegalArgumentException("checksum segment must be a power of two from 4K to 1M, got " + checksumSegment);
    }
    if (storage == null || storage.isBlank()) {
      throw new IllegalArgumentException("a storage URL is required");
    }
    return this;
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses a stored record; an unreadable record gives an IOException saying the volume is damaged. */
  public static Format fromJson(String json) throws IOException {
    try {
      return JSON.readValue(json, Format.class);
    } catch (IOException e) {
      throw new IOException("the volume's format record is unreadable (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
  }

  public Format withTrashDays(int d) {
    return toBuilder().trashDays(d).build();
  }

  public Format withCapacity(long c) {
    return toBuilder().capacity(c).build();
  }

  public Format withInodes(long i) {
    return toBuilder().inodes(i).build();
  }

  public Format withStorage(String s) {
    return toBuilder().storage(s).build();
  }

  public Format withInlineSize(int n) {
    return toBuilder().inlineSize(n).build();
  }

  /** The required features this client does not understand (empty: it may open the volume). */
  public java.util.List<String> unknownFeatures() {
    return requires == null ? java.util.List.of() : requires.stream().filter(r -> !FEATURES.contains(r)).toList();
  }

  public Format withUuid(String u) {
    return toBuilder().uuid(u).build();
  }
}
