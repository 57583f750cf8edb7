package io.nectarfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Finds the NectarFS mount ({@code fuse.nectarfs} in {@code /proc/mounts}) that holds a local path. */
final class NectarMounts {
  static final String FS_TYPE = "fuse.nectarfs";

  private NectarMounts() {}

  /** The mount points of every NectarFS mount, in {@code /proc/mounts} order (none when it is unreadable). */
  static List<Path> all() {
    List<Path> mounts = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
        String[] f = line.split(" ");
        if (f.length >= 3 && f[2].equals(FS_TYPE)) {
          mounts.add(Path.of(unescape(f[1])));
        }
      }
    } catch (IOException | RuntimeException e) {
      // no /proc/mounts: no mounts known
    }
    return mounts;
  }

  /** The mount point of the innermost NectarFS mount containing {@code path}, if any. */
  static Optional<Path> containing(Path path) throws IOException {
    return containing(path, Files.readString(Path.of("/proc/mounts")));
  }

  static Optional<Path> containing(Path path, String procMounts) {
    Path p = path.toAbsolutePath().normalize();
    Path best = null;
    Path bestAny = null;
    for (String line : procMounts.split("\n")) {
      String[] f = line.split(" ");
      if (f.length < 3) {
        continue;
      }
      Path mp = Path.of(unescape(f[1]));
      if (p.startsWith(mp) && (bestAny == null || mp.getNameCount() >= bestAny.getNameCount())) {
        bestAny = mp; // later lines stack on earlier ones at the same point
        best = f[2].equals(FS_TYPE) ? mp : null;
      }
    }
    return Optional.ofNullable(best);
  }

  /** /proc/mounts writes space, tab, newline and backslash as octal escapes ({@code \040}). */
  static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
