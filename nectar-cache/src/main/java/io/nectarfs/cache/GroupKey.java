package io.nectarfs.cache;

import io.nectarfs.common.Errno;
import io.nectarfs.common.Secrets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Set;
import java.util.UUID;
import javax.crypto.KDF;
import javax.crypto.Mac;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The secret of a cache group: what a process must know to read blocks from the group's members.
 *
 * <p>Derived with HKDF-SHA256 from the operator's token (input key material), the volume's UUID
 * (salt) and the group name (in the info string), so one token can serve several volumes and
 * groups without any two sharing a key. The token comes from {@value #TOKEN_VARIABLE} or from the
 * file named by {@value #TOKEN_VARIABLE}{@code _FILE} (through {@link Secrets}), never from an
 * argument.
 *
 * <p>The key never leaves this object: the peer protocol asks it for HMACs. {@link #toString}
 * names the group only. Immutable and thread-safe.
 */
public final class GroupKey {
  /** The variable holding the group token. */
  public static final String TOKEN_VARIABLE = "NECTAR_CACHE_GROUP_TOKEN";

  private static final Logger log = LoggerFactory.getLogger(GroupKey.class);
  private static final String MAC = "HmacSHA256";
  private static final byte[] INFO = "nectar cache group v1\0".getBytes(StandardCharsets.US_ASCII);

  private final String group;
  private final SecretKeySpec key;

  private GroupKey(String group, byte[] key) {
    this.group = group;
    this.key = new SecretKeySpec(key, MAC);
  }

  /**
   * The key of {@code group} of volume {@code volume} for {@code token}.
   *
   * @throws IllegalArgumentException if the group name or the token is empty
   */
  public static GroupKey derive(UUID volume, String group, byte[] token) {
    if (group == null || group.isEmpty()) {
      throw new IllegalArgumentException("a cache group needs a name");
    }
    if (token == null || token.length == 0) {
      throw new IllegalArgumentException("cache group " + group + ": empty group token");
    }
    byte[] salt = ByteBuffer.allocate(16).putLong(volume.getMostSignificantBits()).putLong(volume.getLeastSignificantBits()).array();
    byte[] name = group.getBytes(StandardCharsets.UTF_8);
    byte[] info = ByteBuffer.allocate(INFO.length + name.length).put(INFO).put(name).array();
    try {
      KDF hkdf = KDF.getInstance("HKDF-SHA256");
      return new GroupKey(group, hkdf.deriveData(HKDFParameterSpec.ofExtract().addIKM(token).addSalt(salt).thenExpand(info, 32)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HKDF-SHA256 is not available in this JDK", e);
    }
  }

  /**
   * The key of {@code group} with the token from {@code secrets}: {@value #TOKEN_VARIABLE}, else the
   * file named by {@value #TOKEN_VARIABLE}{@code _FILE} (one trailing newline dropped). A token file
   * readable by group or others is used but warned about (it should be 0600).
   *
   * @throws io.nectarfs.common.FsException EINVAL naming both variables when neither is set or the
   *     token is empty
   * @throws IOException naming the file (never its contents) when it cannot be read
   */
  public static GroupKey fromSecrets(Secrets secrets, UUID volume, String group) throws IOException {
    String token = secrets.get(TOKEN_VARIABLE).orElse("");
    if (token.isEmpty()) {
      throw Errno.EINVAL.exception("cache group " + group + " needs a token: set " + TOKEN_VARIABLE + " or "
          + TOKEN_VARIABLE + "_FILE (a file of mode 0600 holding it); every member of the group must use the same token");
    }
    secrets.plain(TOKEN_VARIABLE + "_FILE").ifPresent(GroupKey::warnIfShared);
    return derive(volume, group, token.getBytes(StandardCharsets.UTF_8));
  }

  private static void warnIfShared(String file) {
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(Path.of(file));
      if (p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)) {
        log.warn("{}_FILE={} is readable by group or others; the group token should be mode 0600", TOKEN_VARIABLE, file);
      }
    } catch (IOException | UnsupportedOperationException e) {
      // Secrets read it already; permissions are advice only
    }
  }

  /** The group's name. */
  public String group() {
    return group;
  }

  /** HMAC-SHA256 under the key of the concatenation of {@code parts}. */
  byte[] mac(byte[]... parts) {
    try {
      Mac m = Mac.getInstance(MAC);
      m.init(key);
      for (byte[] p : parts) {
        m.update(p);
      }
      return m.doFinal();
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  @Override
  public String toString() {
    return "GroupKey[group=" + group + "]";
  }
}
