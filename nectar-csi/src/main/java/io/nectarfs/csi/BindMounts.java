package io.nectarfs.csi;

import io.nectarfs.csi.mount.MountTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Bind mounts of the node service, through util-linux {@code mount}/{@code umount} (the node
 * plugin runs as root with the host's {@code /var/lib/kubelet} shared). Stateless; safe from any
 * thread.
 */
final class BindMounts {
  private BindMounts() {}

  /**
   * Bind-mounts {@code source} onto {@code target}; read-only when asked. A read-only target is
   * never writable, not even for a moment (a re-bind happens under a running pod): the source is
   * bound at a private staging directory, made read-only there, and that read-only bind is bound
   * onto the target (a bind keeps the read-only flag of the mount it copies); the staging bind is
   * then removed.
   */
  static void bind(Path source, Path target, boolean readOnly) throws IOException {
    if (!readOnly) {
      MountTable.run("mount", "--bind", source.toString(), target.toString());
      return;
    }
    Path staging = Files.createTempDirectory("nectar-csi-ro"); // 0700
    try {
      MountTable.run("mount", "--bind", source.toString(), staging.toString());
      try {
        MountTable.run("mount", "-o", "remount,bind,ro", staging.toString());
        MountTable.run("mount", "--bind", staging.toString(), target.toString());
      } finally {
        unmount(staging);
      }
    } finally {
      Files.deleteIfExists(staging);
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
