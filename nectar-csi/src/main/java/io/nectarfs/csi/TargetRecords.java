package io.nectarfs.csi;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Properties;

/**
 * What the node service published at each target path (mount key, subdirectory, read-only), one
 * 0600 file per target in a 0700 directory, so unpublish and remount recovery work after a node
 * plugin restart. No secrets are written here. Each file is replaced atomically (write, rename).
 * Callers serialise calls for the same target.
 */
final class TargetRecords {
  record Target(Path target, String key, String subdir, boolean readOnly) {}

  private final Path dir;

  TargetRecords(Path dir) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
  }

  void put(Target t) throws IOException {
    Properties p = new Properties();
    p.setProperty("target", t.target().toString());
    p.setProperty("key", t.key());
    p.setProperty("subdir", t.subdir());
    p.setProperty("readOnly", Boolean.toString(t.readOnly()));
    Path tmp = Files.createTempFile(dir, "target", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      p.store(w, null);
    }
    Files.move(tmp, file(t.target()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** The record of {@code target}, or null. */
  Target get(Path target) throws IOException {
    Path f = file(target);
    if (!Files.exists(f)) {
      return null;
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    return new Target(Path.of(p.getProperty("target")), p.getProperty("key"), p.getProperty("subdir"), Boolean.parseBoolean(p.getProperty("readOnly")));
  }

  void remove(Path target) throws IOException {
    Files.deleteIfExists(file(target));
  }

  private Path file(Path target) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(target.toString().getBytes(StandardCharsets.UTF_8));
      return dir.resolve(HexFormat.of().formatHex(h, 0, 16) + ".target");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
