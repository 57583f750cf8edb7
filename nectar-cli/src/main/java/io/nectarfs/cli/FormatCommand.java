package io.nectarfs.cli;

import io.nectarfs.common.Secrets;
import io.nectarfs.common.Sizes;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.object.EncryptionKeys;
import io.nectarfs.object.StoreOptions;
import io.nectarfs.volume.FormatRequest;
import io.nectarfs.volume.Volumes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nectar format META-URL NAME}: creates a volume, or checks that an existing one has the
 * same settings (a no-op), or changes them with {@code --force}. The storage is tested with a
 * put, get and delete before anything is written to the metadata, and must not belong to another
 * volume ({@link io.nectarfs.volume.VolumeMarker}); the marker is written after the metadata (all in
 * {@link Volumes#format}).
 */
@Command(name = "format", mixinStandardHelpOptions = true,
    description = {"Format a volume: store its settings in the metadata engine and check its storage.",
        "Running it again changes only the settings given (\"unchanged\" when none differ); incompatible changes need --force."})
final class FormatCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(index = "0", paramLabel = "META-URL", description = "sqlite3:///path/nectar.db, redis://host:6379/1, postgres://user@host/db, mysql://user@host/db")
  String metaUrl;

  @Parameters(index = "1", paramLabel = "NAME", description = "Volume name: 3-63 characters of a-z, 0-9 and '-'.")
  String name;

  @Option(names = "--storage", paramLabel = "URL", description = "Object storage (default: file://$HOME/.nectar/data). Credentials in the URL are used for the check but never stored.")
  String storage;

  @Option(names = "--block-size", paramLabel = "SIZE", description = "Block size, a power of two from 64K to 16M (default: ${DEFAULT-VALUE}).")
  String blockSize = "4M";

  @Option(names = "--compress", paramLabel = "ALGO", description = "none, lz4 or zstd (default: ${DEFAULT-VALUE}).")
  String compress = "none";

  @Option(names = "--encrypt-key", paramLabel = "PEM", description = "Passphrase-protected RSA private key; passphrase from NECTAR_KEY_PASSPHRASE[_FILE]. Create one with 'nectar keygen'.")
  Path encryptKey;

  @Option(names = "--encrypt-cipher", paramLabel = "CIPHER", description = "aes256gcm or chacha20-poly1305 (default: ${DEFAULT-VALUE}).")
  String encryptCipher = "aes256gcm";

  @Option(names = "--no-checksum", negatable = true, description = "CRC32C per 64 KiB of every object, verified on read (default: ${DEFAULT-VALUE}).")
  boolean checksum = true;

  @Option(names = "--shards", paramLabel = "N", description = "Spread objects over N buckets; the storage URL contains %%d.")
  int shards;

  @Option(names = "--trash-days", paramLabel = "DAYS", description = "Days deleted files stay in .trash; 0 disables the trash (default: ${DEFAULT-VALUE}).")
  int trashDays = 1;

  @Option(names = "--capacity", paramLabel = "SIZE", description = "Space limit, e.g. 10T (default: none).")
  String capacity;

  @Option(names = "--inodes", paramLabel = "N", description = "Inode limit (default: none).")
  long inodes;

  @Option(names = "--inline-size", paramLabel = "SIZE", description = "Files of at most SIZE bytes keep their data in the metadata, not in objects; 0 turns it off; "
      + "clients older than this feature cannot open the volume (default: ${DEFAULT-VALUE} for a new volume; a re-format keeps the volume's).")
  String inlineSize = "16K";

  @Option(names = "--enable-acl", description = "Enable POSIX ACLs (cannot be disabled later).")
  boolean enableAcl;

  @Option(names = "--root-mode", paramLabel = "OCTAL", description = "Mode of the new volume's root directory, e.g. 1777 for a shared sticky directory (default: ${DEFAULT-VALUE}).")
  String rootMode = "0755";

  @Option(names = "--root-owner", paramLabel = "UID:GID", description = "Owner of the new volume's root directory (default: the user running format).")
  String rootOwner;

  @Option(names = "--force", description = "Change immutable settings of an existing volume (existing data may become unreadable).")
  boolean force;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    String store = storage != null ? storage : "file://" + DefaultPaths.nectarDir().resolve("data");
    long block;
    try {
      block = Sizes.parse(blockSize);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--block-size: " + e.getMessage());
    }
    if (block < Format.MIN_BLOCK || block > Format.MAX_BLOCK || Long.bitCount(block) != 1) {
      throw new ParameterException(spec.commandLine(), "--block-size " + blockSize + " (" + Sizes.format(block)
          + ") is not allowed: use a power of two from 64K to 16M");
    }
    int mode = parseMode(spec, "--root-mode", rootMode, 07777);
    int[] owner = rootOwner == null ? processOwner() : parseOwner(rootOwner);
    String pem = null;
    if (encryptKey != null) {
      EncryptionKeys.fingerprint(encryptKey, Secrets.fromEnvironment()); // fails clearly on a wrong passphrase
      pem = Files.readString(encryptKey, StandardCharsets.US_ASCII);
    }
    long inline;
    try {
      inline = Sizes.parse(inlineSize);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--inline-size: " + e.getMessage());
    }
    if (inline < 0 || inline > Format.MAX_INLINE) {
      throw new ParameterException(spec.commandLine(), "--inline-size " + inlineSize + " is not allowed: use 0 (off) up to " + Sizes.format(Format.MAX_INLINE));
    }
    Format wanted;
    try {
      wanted = Format.builder(name, io.nectarfs.common.Uris.withoutCredentials(store)).blockSize((int) Math.min(Integer.MAX_VALUE, block))
          .compression(StoreOptions.Compression.parse(compress).name().toLowerCase(java.util.Locale.ROOT))
          .encryption(pem, pem == null ? null : StoreOptions.Encryption.Cipher.parse(encryptCipher).name().toLowerCase(java.util.Locale.ROOT))
          .checksum(checksum).shards(shards).trashDays(trashDays).capacity(capacity == null ? 0 : Sizes.parse(capacity)).inodes(inodes)
          .createdMillis(System.currentTimeMillis()).enableAcl(enableAcl).inlineSize((int) inline)
          .checksumSegment(Format.DEFAULT_CHECKSUM_SEGMENT).build().validated();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    Format existing;
    try (TxnKv kv = Volumes.engine(metaUrl, Secrets.fromEnvironment())) {
      existing = MetaClient.loadFormat(kv);
    }
    List<FormatChanges.Change> changes = List.of();
    if (existing != null) {
      wanted = keepUnspecified(existing, wanted);
      if (storage == null) {
        store = existing.storage(); // credentials, if any, come from the environment
      }
      changes = FormatChanges.between(existing, wanted);
      String refusal = force ? null : FormatChanges.refusal(existing, changes);
      if (refusal != null) {
        throw new IOException(refusal);
      }
    }
    if (storage == null && existing == null) {
      DefaultPaths.ensure(DefaultPaths.nectarDir().resolve("data"), "storage directory", "--storage URL");
    }
    if (!wanted.storage().equals(store)) {
      out.println("note: credentials in the storage URL are not stored; give them to every client through the URL or NECTAR_S3_ACCESS_KEY/NECTAR_S3_SECRET_KEY");
    }
    Volumes.Formatted r = Volumes.format(metaUrl, wanted,
        FormatRequest.defaults().withStorageUrl(store).withForce(force).withRoot(mode, owner[0], owner[1]));
    Format stored = r.stored();
    String what = r.before() == null ? "formatted"
        : changes.isEmpty() ? "unchanged (already formatted with these settings)"
        : "updated: " + String.join(", ", changes.stream().map(FormatChanges.Change::toString).toList());
    out.printf("volume %s %s%n", stored.name(), what);
    StatusCommand.printFormat(out, stored, r.metaDescription());
    return Cli.OK;
  }

  /**
   * A re-format changes only what the command line names: every setting whose option was not
   * given keeps the existing volume's value (not the option's default).
   */
  private Format keepUnspecified(Format existing, Format wanted) {
    Format.Builder b = wanted.toBuilder().checksumSegment(existing.checksumSegment()); // fixed once objects exist
    if (!given("--storage")) {
      b.storage(existing.storage());
    }
    if (!given("--block-size")) {
      b.blockSize(existing.blockSize());
    }
    if (!given("--compress")) {
      b.compression(existing.compression());
    }
    if (!given("--encrypt-key")) {
      b.encryption(existing.encryptKeyPem(), existing.encryptCipher());
    } else if (!given("--encrypt-cipher") && existing.encryptCipher() != null) {
      b.encryption(wanted.encryptKeyPem(), existing.encryptCipher());
    }
    if (!given("--no-checksum")) {
      b.checksum(existing.checksum());
    }
    if (!given("--shards")) {
      b.shards(existing.shards());
    }
    if (!given("--trash-days")) {
      b.trashDays(existing.trashDays());
    }
    if (!given("--capacity")) {
      b.capacity(existing.capacity());
    }
    if (!given("--inodes")) {
      b.inodes(existing.inodes());
    }
    if (!given("--enable-acl")) {
      b.enableAcl(existing.enableAcl());
    }
    if (!given("--inline-size")) {
      b.inlineSize(existing.inlineSize()).requires(existing.requires()).metaVersion(existing.metaVersion());
    }
    return b.build();
  }

  /** Whether the option (by its declared name; a negatable's negated form counts) was on the command line. */
  private boolean given(String option) {
    return spec.commandLine().getParseResult().hasMatchedOption(spec.findOption(option));
  }

  /** An octal mode option ({@code 0755}, {@code 1777}) up to {@code max}, or a usage error naming the option. */
  static int parseMode(CommandSpec spec, String option, String text, int max) {
    try {
      int m = Integer.parseInt(text, 8);
      if (m >= 0 && m <= max) {
        return m;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ParameterException(spec.commandLine(), option + " '" + text + "' is not an octal mode from 0 to " + Integer.toOctalString(max)
        + " (e.g. 0755)");
  }

  private int[] parseOwner(String text) {
    String[] p = text.split(":", -1);
    try {
      if (p.length == 2) {
        int uid = Integer.parseInt(p[0]);
        int gid = Integer.parseInt(p[1]);
        if (uid >= 0 && gid >= 0) {
          return new int[] {uid, gid};
        }
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ParameterException(spec.commandLine(), "--root-owner '" + text + "' is not UID:GID with numeric ids (e.g. 1000:1000)");
  }

  /** The uid and gid of this process (the owner of {@code /proc/self}). */
  private static int[] processOwner() throws IOException {
    Path self = Path.of("/proc/self");
    return new int[] {(Integer) Files.getAttribute(self, "unix:uid"), (Integer) Files.getAttribute(self, "unix:gid")};
  }
}
