package io.nectarfs.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.util.Map;

/**
 * Default local paths under {@code $HOME/.nectar}. {@code $HOME} wins over the account's home
 * directory (services run as {@code nobody} have {@code /nonexistent} there but set HOME); a
 * default that cannot be created fails with one line naming the path and the flag that replaces it.
 */
final class DefaultPaths {
  private DefaultPaths() {}

  /** {@code $HOME/.nectar}, or {@code <account home>/.nectar} when HOME is unset or blank. */
  static Path nectarDir() {
    return nectarDir(System.getenv());
  }

  static Path nectarDir(Map<String, String> env) {
    String home = env.get("HOME");
    return Path.of(home == null || home.isBlank() ? System.getProperty("user.home") : home, ".nectar");
  }

  /**
   * Creates {@code dir} (a default the user did not choose) if needed.
   *
   * @param what what the directory is for, e.g. "cache directory"
   * @param flag the option that chooses another one, e.g. "--cache-dir DIR"
   * @param attrs attributes of directories it creates
   */
  static Path ensure(Path dir, String what, String flag, FileAttribute<?>... attrs) throws IOException {
    try {
      return Files.createDirectories(dir, attrs);
    } catch (FileSystemException e) {
      String why = e instanceof AccessDeniedException ? "permission denied"
          : e instanceof java.nio.file.NoSuchFileException ? "no such file or directory"
          : e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
      throw new IOException("the default " + what + " " + dir + " cannot be created (" + why + " at " + e.getFile()
          + "): set HOME, or use " + flag);
    }
  }
}
