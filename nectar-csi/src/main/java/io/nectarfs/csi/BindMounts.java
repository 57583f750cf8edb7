package io.nectarfs.csi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Bind mounts of the node service, through util-linux {@code mount}/{@code umount} (the node
 * plugin runs as root with the host's {@code /var/lib/kubelet} shared). Stateless; safe from any
 * thread.
 */
final class BindMounts {
  private BindMounts() {}

  /** Bind-mounts {@code source} onto {@code target}; read-only when asked (a bind, then a read-only remount of the bind). */
  static void bind(Path source, Path target, boolean readOnly) throws IOException {
    run("mount", "--bind", source.toString(), target.toString());
    if (readOnly) {
      try {
        run("mount", "-o", "remount,bind,ro", target.toString());
      } catch (IOException e) {
        unmount(target);
        throw e;
      }
    }
  }

  /**
   * Unmounts everything stacked on {@code target} (a recovery may have stacked binds; a dead FUSE
   * mount below needs a lazy unmount). Nothing mounted: nothing to do.
   */
  static void unmount(Path target) throws IOException {
    for (int i = 0; i < 64 && isMountPoint(target); i++) {
      try {
        run("umount", target.toString());
      } catch (IOException e) {
        run("umount", "-l", target.toString()); // busy or dead: detach now, the kernel frees it when unused
      }
    }
    if (isMountPoint(target)) {
      throw new IOException("cannot unmount " + target + ": still mounted after 64 unmounts");
    }
  }

  /** Whether {@code path} is a mount point (a line of /proc/self/mountinfo names it). */
  static boolean isMountPoint(Path path) throws IOException {
    String want = path.toAbsolutePath().normalize().toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
      String[] f = line.split(" ");
      if (f.length > 4 && unescape(f[4]).equals(want)) {
        return true;
      }
    }
    return false;
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

  private static void run(String... cmd) throws IOException {
    List<String> c = new ArrayList<>(List.of(cmd));
    Process p = new ProcessBuilder(c).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    String output;
    try {
      output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", c) + ": no answer in 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException(String.join(" ", c) + " interrupted");
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", c) + " failed: " + output);
    }
  }
}
