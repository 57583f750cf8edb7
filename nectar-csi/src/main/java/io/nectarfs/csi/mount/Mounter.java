package io.nectarfs.csi.mount;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * Keeps node-level mounts of volumes for the CSI node service: one mount per {@link
 * MountSpec#key()}, shared by every reference (a reference is a pod's target path) and
 * reference-counted. Two implementations: a mount pod per key created through the Kubernetes API,
 * and a child {@code nectar mount} process per key (small clusters, tests). The node service
 * bind-mounts subdirectories of {@link #acquire}'s mount point into the pods' target paths.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #acquire} is idempotent per (key, ref): a repeated call adds no reference. It
 *       returns only when the volume is mounted and answers at the returned directory, or throws
 *       with a message that names the cause (bad metadata URL, engine unreachable, mount pod
 *       failing with the reason from its log) and leaves no half-made mount or extra reference.
 *   <li>{@link #release} of an unknown (key, ref) does nothing. After the last reference of a key
 *       goes, the mount is removed (a mount pod after a grace period, during which a new {@code
 *       acquire} keeps it).
 *   <li>When a mount dies and comes back (mount pod restarted, child process re-run), the
 *       mounter calls the listener given to {@link #onRemount} with the key and the (possibly new)
 *       mount point, so the node service can re-establish the bind mounts of every reference.
 *   <li>State survives a restart of the node plugin: references are recorded outside the process
 *       (pod annotations; a state file 0600 for child processes) and {@link #references} reads them.
 *   <li>Thread-safe; calls for different keys do not wait for each other.
 * </ul>
 */
public interface Mounter extends AutoCloseable {

  /** Ensures the mount of {@code spec.key()} exists and records {@code ref}; returns its mount point. */
  Path acquire(MountSpec spec, String ref) throws IOException;

  /** Drops {@code ref} from {@code key}'s mount; removes the mount after the last reference. */
  void release(String key, String ref) throws IOException;

  /** The references currently recorded for {@code key} (empty when there is no such mount). */
  Set<String> references(String key) throws IOException;

  /** Registers the one listener told about remounts: (key, new mount point). */
  void onRemount(RemountListener listener);

  /** Stops watching; leaves running mounts alone (they outlive the node plugin). */
  @Override
  void close() throws IOException;

  /** Told when a key's mount came back after dying, with its mount point. */
  @FunctionalInterface
  interface RemountListener {
    void remounted(String key, Path mountPoint);
  }
}
