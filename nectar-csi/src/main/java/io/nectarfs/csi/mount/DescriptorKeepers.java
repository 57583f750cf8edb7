package io.nectarfs.csi.mount;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where the FUSE descriptors of mount pods outlive the pods (issue #17): the node plugin keeps,
 * per mounted key, a keeper that the pod's {@code nectar mount} attaches to ({@code
 * --keeper-socket}). When the mount pod's container dies (killed, out of memory, crashed) or the
 * pod is deleted without unmounting, the keeper holds the kernel's connection, so the mount
 * point, the bind mounts into application pods and their open files stay; the next container (or
 * pod) of the key recovers the mount from the keeper and serves on. Implemented where FUSE is
 * known (the CLI); the CSI driver only names sockets and mounts their directory into mount pods.
 *
 * <p>Contract: the socket directory is the same path on the host, in the node plugin and in every
 * mount pod (a hostPath), owned by root with mode 0700; each socket is 0600 and served to root
 * only. Calls for one key are serialised by the caller.
 */
public interface DescriptorKeepers {
  /** No keepers: a mount pod's mount dies with its container, as before. */
  DescriptorKeepers NONE = new DescriptorKeepers() {
    @Override
    public Path keep(String key, Path mountPoint) {
      return null;
    }

    @Override
    public void release(String key) {}

    @Override
    public void upgrading(String key, boolean on) {}

    @Override
    public Path directory() {
      return null;
    }
  };

  /**
   * The socket the mount of {@code key} at {@code mountPoint} attaches to; starts its keeper
   * unless it runs (again after a restart of this process, so running mounts attach again).
   *
   * @return the socket's path, or null when there are no keepers
   * @throws IOException the keeper cannot listen (its directory is not usable)
   */
  Path keep(String key, Path mountPoint) throws IOException;

  /**
   * Ends the keeper of {@code key} (its mount pod goes): the descriptors it holds are closed, so a
   * mount without a running server ends. Nothing when it has none.
   */
  void release(String key);

  /**
   * Begins ({@code on}) or ends the replacement of {@code key}'s pod (a new image): while on, its
   * server hands the mount to the keeper when its container stops instead of unmounting, and the
   * pod's stop hook leaves the mount, so the next container recovers it. Nothing when the key has
   * no keeper.
   */
  void upgrading(String key, boolean on);

  /** The directory of the sockets, mounted into every mount pod; null when there are no keepers. */
  Path directory();
}
