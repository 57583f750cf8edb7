package io.nectarfs.chunk;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Set;

/**
 * The permissions of the disk cache and writeback staging trees: files get {@code fileMode}
 * (default 0600), directories the same bits plus search wherever read is granted (0600 → 0700,
 * 0640 → 0750). Cached blocks are plaintext file data, so by default nobody but the mounting user
 * (and root) can reach them.
 *
 * <p>Modes are applied with an explicit chmod after creation, so the umask cannot widen or narrow
 * them. {@link #repair} tightens (or widens) an existing file or directory to the configured mode.
 * Immutable; thread-safe.
 */
final class CacheModes {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CacheModes.class);
  private final int fileMode;
  private final Set<PosixFilePermission> file;
  private final Set<PosixFilePermission> dir;

  CacheModes(int fileMode) {
    this.fileMode = fileMode;
    this.file = perms(fileMode);
    this.dir = perms(fileMode | 0700 | ((fileMode & 0044) >> 2));
  }

  Set<PosixFilePermission> filePerms() {
    return file;
  }

  Set<PosixFilePermission> dirPerms() {
    return dir;
  }

  /** The attribute to create a file with (the umask may narrow it; {@link #afterCreate} fixes that). */
  FileAttribute<Set<PosixFilePermission>> fileAttribute() {
    return PosixFilePermissions.asFileAttribute(file);
  }

  /** Sets the mode of a file just created with {@link #fileAttribute()} when the umask may have narrowed it. */
  void afterCreate(Path p) throws IOException {
    if (fileMode != ChunkConfig.DEFAULT_CACHE_MODE) {
      Files.setPosixFilePermissions(p, file);
    }
  }

  /** Creates the missing directories of {@code d} with the directory mode (existing ones are not changed). */
  void createDirectories(Path d) throws IOException {
    if (Files.isDirectory(d)) {
      return;
    }
    ArrayDeque<Path> missing = new ArrayDeque<>();
    for (Path p = d.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
      missing.push(p);
    }
    for (Path p : missing) {
      try {
        Files.createDirectory(p, PosixFilePermissions.asFileAttribute(dir));
        Files.setPosixFilePermissions(p, dir);
      } catch (FileAlreadyExistsException e) {
        // created concurrently
      }
    }
  }

  /**
   * Gives an existing path the configured mode if it has another one. A path this user may not
   * chmod (another user's) is logged and left alone: whether it is usable is decided elsewhere.
   *
   * @return true if it was changed
   */
  boolean repair(Path p, boolean isDir, Set<PosixFilePermission> current) throws IOException {
    Set<PosixFilePermission> want = isDir ? dir : file;
    if (current.equals(want)) {
      return false;
    }
    try {
      Files.setPosixFilePermissions(p, want);
      return true;
    } catch (NoSuchFileException e) {
      return false;
    } catch (java.nio.file.FileSystemException e) {
      log.warn("cannot give {} the cache mode {} (not its owner?): {}", p, PosixFilePermissions.toString(want), e.getReason());
      return false;
    }
  }

  /** {@link #repair(Path, boolean, Set)} reading the current mode first; false if the path is gone. */
  boolean repair(Path p, boolean isDir) throws IOException {
    try {
      return repair(p, isDir, Files.getPosixFilePermissions(p));
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  private static Set<PosixFilePermission> perms(int mode) {
    Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE, high bit first
    for (int i = 0; i < 9; i++) {
      if ((mode & (0400 >> i)) != 0) {
        s.add(bits[i]);
      }
    }
    return Set.copyOf(s);
  }
}
