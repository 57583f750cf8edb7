package io.nectarfs.csi.pod;

import io.nectarfs.csi.mount.MountTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether a mount point is mounted and answers, as the node plugin sees it. */
final class MountProbe {
  private MountProbe() {}

  /**
   * True when {@code mountPoint} is a mount point in {@code /proc/self/mountinfo} and its root
   * answers a stat (a dead FUSE daemon answers ENOTCONN).
   */
  static boolean answers(Path mountPoint) {
    try {
      return MountTable.isMountPoint(mountPoint) && Files.readAttributes(mountPoint, "basic:isDirectory") != null;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
