package io.nectarfs.csi;

import io.nectarfs.csi.mount.MountTable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Bind mounts of the node service, through util-linux {@code mount}/{@code umount} (the node
 * plugin runs as root with the host's {@code /var/lib/kubelet} shared). Stateless; safe from any
 * thread.
 */
final class BindMounts {
  private BindMounts() {}

  /** Bind-mounts {@code source} onto {@code target}; read-only when asked (a bind, then a read-only remount of the bind). */
  static void bind(Path source, Path target, boolean readOnly) throws IOException {
    MountTable.run("mount", "--bind", source.toString(), target.toString());
    if (readOnly) {
      try {
        MountTable.run("mount", "-o", "remount,bind,ro", target.toString());
      } catch (IOException e) {
        unmount(target);
        throw e;
      }
    }
  }

  /** Unmounts everything stacked on {@code target} (a recovery may have stacked binds; a dead FUSE mount below needs a lazy unmount). */
  static void unmount(Path target) throws IOException {
    MountTable.unmountAll(target);
  }

  static boolean isMountPoint(Path path) throws IOException {
    return MountTable.isMountPoint(path);
  }
}
