package io.nectarfs.gateway.s3.auth;

import io.nectarfs.common.Secrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where the gateway's access keys come from: a key file, or the environment.
 *
 * <p>Key file: UTF-8, one key per line, blank lines and lines starting with {@code #} ignored:
 * <pre>
 * ACCESS_KEY_ID  SECRET  UID:GID[:GROUP,GROUP...]  [ro|rw]
 * </pre>
 * fields separated by blanks; the id is 3 to 128 characters without '/', the secret non-empty, ids
 * unique; {@code ro} makes the key read-only ({@code rw}, the default, may write). The file must
 * not be readable or writable by group or others (as ssh demands of a private key): mode 0600 or
 * 0400. Every error is one line naming the file and line number, never a secret.
 *
 * <p>Environment: {@code NECTAR_GATEWAY_ACCESS_KEY} and {@code NECTAR_GATEWAY_SECRET_KEY} (or {@code
 * NECTAR_GATEWAY_SECRET_KEY_FILE}, see {@link Secrets}) make one read-write key acting as the given
 * uid/gid.
 */
public final class AccessKeys {
  public static final String ENV_ACCESS_KEY = "NECTAR_GATEWAY_ACCESS_KEY";
  public static final String ENV_SECRET_KEY = "NECTAR_GATEWAY_SECRET_KEY";

  private AccessKeys() {}

  /**
   * The keys of a key file (format above).
   *
   * @throws IOException one line naming the file (and the line) when it cannot be read, is open
   *     to group or others, holds a malformed line or no key
   */
  public static List<AccessKey> load(Path file) throws IOException {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      perms = Set.of();
    } catch (IOException e) {
      throw new IOException("cannot read the S3 key file " + file + " (" + e.getClass().getSimpleName() + ")", e);
    }
    for (PosixFilePermission p : perms) {
      if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
        throw new IOException("the S3 key file " + file + " is accessible by group or others (mode "
            + java.nio.file.attribute.PosixFilePermissions.toString(perms) + "): run chmod 600 " + file);
      }
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IOException("cannot read the S3 key file " + file + " (" + e.getClass().getSimpleName() + ")", e);
    }
    return parse(text, file.toString());
  }

  /** The keys of a key file's text; {@code source} names it in errors. */
  public static List<AccessKey> parse(String text, String source) throws IOException {
    List<AccessKey> keys = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = source + " line " + (i + 1) + ": ";
      String[] f = line.split("[ \t]+");
      if (f.length < 3 || f.length > 4) {
        throw new IOException(where + "expected ACCESS_KEY_ID SECRET UID:GID[:GROUPS] [ro|rw], found " + f.length + " fields");
      }
      String id = f[0];
      if (id.length() < 3 || id.length() > 128 || id.indexOf('/') >= 0) {
        throw new IOException(where + "the access key id must be 3 to 128 characters without '/'");
      }
      if (!ids.add(id)) {
        throw new IOException(where + "access key " + id + " is listed twice");
      }
      boolean readOnly = false;
      if (f.length == 4) {
        switch (f[3]) {
          case "ro" -> readOnly = true;
          case "rw" -> readOnly = false;
          default -> throw new IOException(where + "the last field must be ro or rw");
        }
      }
      int[] ugg = ids(f[2], where);
      int[] groups = java.util.Arrays.copyOfRange(ugg, 2, ugg.length);
      keys.add(new AccessKey(id, f[1], ugg[0], ugg[1], groups, readOnly));
    }
    if (keys.isEmpty()) {
      throw new IOException(source + ": no access key (one per line: ACCESS_KEY_ID SECRET UID:GID[:GROUPS] [ro|rw])");
    }
    return List.copyOf(keys);
  }

  /**
   * The key of the environment ({@value #ENV_ACCESS_KEY} and {@value #ENV_SECRET_KEY}), acting as
   * {@code uid}/{@code gid}; empty when neither is set.
   *
   * @throws IOException when only one of them is set, or the secret's file cannot be read
   */
  public static Optional<AccessKey> fromEnvironment(Secrets secrets, int uid, int gid) throws IOException {
    Optional<String> id = secrets.plain(ENV_ACCESS_KEY);
    Optional<String> secret = secrets.get(ENV_SECRET_KEY);
    if (id.isEmpty() && secret.isEmpty()) {
      return Optional.empty();
    }
    if (id.isEmpty() || secret.isEmpty()) {
      throw new IOException("set both " + ENV_ACCESS_KEY + " and " + ENV_SECRET_KEY + " (or " + ENV_SECRET_KEY + "_FILE), or neither");
    }
    if (id.get().length() < 3 || id.get().indexOf('/') >= 0) {
      throw new IOException(ENV_ACCESS_KEY + " must be at least 3 characters without '/'");
    }
    return Optional.of(new AccessKey(id.get(), secret.get(), uid, gid, new int[0], false));
  }

  private static int[] ids(String field, String where) throws IOException {
    String[] p = field.split(":", -1);
    if (p.length < 2 || p.length > 3) {
      throw new IOException(where + "the third field must be UID:GID or UID:GID:GROUP,GROUP");
    }
    List<String> all = new ArrayList<>(List.of(p[0], p[1]));
    if (p.length == 3 && !p[2].isEmpty()) {
      all.addAll(List.of(p[2].split(",", -1)));
    }
    int[] out = new int[all.size()];
    for (int i = 0; i < out.length; i++) {
      try {
        long v = Long.parseLong(all.get(i));
        if (v < 0 || v > 0xFFFFFFFEL) {
          throw new NumberFormatException();
        }
        out[i] = (int) v;
      } catch (NumberFormatException e) {
        throw new IOException(where + "the third field must be UID:GID[:GROUPS] with numeric ids (value not shown)");
      }
    }
    return out;
  }
}
