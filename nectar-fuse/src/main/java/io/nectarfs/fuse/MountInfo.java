package io.nectarfs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Reads {@code /proc/self/mountinfo}. */
final class MountInfo {
  /**
   * One mount: where, which file system type and source; {@code options} are the super block's,
   * {@code mountOptions} the mount's own (ro, nosuid, nodev, noexec, ...); {@code device} its
   * {@code major:minor}.
   */
  record Line(String mountPoint, String fsType, String source, String options, String mountOptions, String device) {
    /** Whether the mount or its super block is read-only. */
    boolean readOnly() {
      return hasOption(mountOptions, "ro") || hasOption(options, "ro");
    }

    private static boolean hasOption(String list, String o) {
      for (String s : list.split(",")) {
        if (s.equals(o)) {
          return true;
        }
      }
      return false;
    }
  }

  private MountInfo() {}

  static List<Line> read() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(MountInfo::parse).filter(l -> l != null).toList();
  }

  /** The last (topmost) mount at exactly {@code path}. */
  static Optional<Line> find(Path path) throws IOException {
    String p = path.toString();
    Line found = null;
    for (Line l : read()) {
      if (l.mountPoint().equals(p)) {
        found = l;
      }
    }
    return Optional.ofNullable(found);
  }

  static Line parse(String line) {
    String[] f = line.split(" ");
    int dash = -1;
    for (int i = 6; i < f.length; i++) {
      if (f[i].equals("-")) {
        dash = i;
        break;
      }
    }
    if (f.length < 7 || dash < 0 || dash + 2 >= f.length) {
      return null;
    }
    return new Line(unescape(f[4]), f[dash + 1], unescape(f[dash + 2]), f.length > dash + 3 ? f[dash + 3] : "", f[5], f[2]);
  }

  /** mountinfo escapes space, tab, newline and backslash as {@code \ooo}. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 4 <= s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
