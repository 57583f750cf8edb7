package io.nectarfs.csi.mount;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * This process's mount table ({@code /proc/self/mountinfo}) and the util-linux {@code umount}:
 * what the node service and the mounters need to know about mount points. Stateless.
 */
public final class MountTable {
  private MountTable() {}

  /** The file system type of the topmost mount at {@code path} (e.g. {@code fuse.nectarfs}), or empty when nothing is mounted there. */
  public static Optional<String> typeAt(Path path) throws IOException {
    String want = path.toAbsolutePath().normalize().toString();
    String found = null;
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
      String[] f = line.split(" ");
      if (f.length > 4 && unescape(f[4]).equals(want)) {
        int dash = line.indexOf(" - ");
        found = dash < 0 ? "" : line.substring(dash + 3).split(" ")[0]; // later lines are mounted on top
      }
    }
    return Optional.ofNullable(found);
  }

  /** Whether something is mounted at {@code path}. */
  public static boolean isMountPoint(Path path) throws IOException {
    return typeAt(path).isPresent();
  }

  /**
   * Unmounts everything stacked on {@code path}; a busy or dead (FUSE daemon gone) mount is
   * detached lazily. Nothing mounted: nothing to do.
   */
  public static void unmountAll(Path path) throws IOException {
    for (int i = 0; i < 64 && isMountPoint(path); i++) {
      try {
        run("umount", path.toString());
      } catch (IOException e) {
        run("umount", "-l", path.toString());
      }
    }
    if (isMountPoint(path)) {
      throw new IOException("cannot unmount " + path + ": still mounted after 64 unmounts");
    }
  }

  /** Runs a mount tool; its output in the exception when it fails. */
  public static void run(String... cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    String output;
    try {
      output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + ": no answer in 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException(String.join(" ", cmd) + " interrupted");
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + output);
    }
  }

  /** mountinfo escapes space, tab, newline and backslash as \ooo. */
  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
