package io.nectarfs.csi.pod;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Whether a mount point is mounted and answers, as the node plugin sees it. */
final class MountProbe {
  private MountProbe() {}

  /**
   * True when {@code mountPoint} is a mount point in {@code /proc/self/mountinfo} and its root
   * answers a stat (a dead FUSE daemon answers ENOTCONN).
   */
  static boolean answers(Path mountPoint) {
    try {
      String want = mountPoint.toAbsolutePath().normalize().toString();
      List<String> lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
      boolean listed = false;
      for (String line : lines) {
        String[] f = line.split(" ");
        if (f.length > 4 && unescape(f[4]).equals(want)) {
          listed = true;
          break;
        }
      }
      return listed && Files.readAttributes(mountPoint, "basic:isDirectory") != null;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** mountinfo escapes space, tab, newline and backslash as octal {@code \ooo}. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
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
