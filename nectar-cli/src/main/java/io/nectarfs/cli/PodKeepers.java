package io.nectarfs.cli;

import io.nectarfs.csi.mount.DescriptorKeepers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CSI node plugin's {@link DescriptorKeepers} (issue #17, mount pods): one external {@link
 * Keeper} per mounted key, listening at {@code DIR/KEY.sock}, in this process. The mount pod's
 * {@code nectar mount --keeper-socket} attaches to it; when the pod's container dies the keeper
 * holds the mount for the next container. A restart of this process loses what the keepers held
 * (only a mount whose server died meanwhile ends); running mounts attach again when the pod check
 * keeps their keys again.
 *
 * <p>The directory is created 0700, or must be this user's and not a link (one line says why
 * not); one open to others (as the kubelet makes a hostPath) is made 0700 first. Concurrency: every method holds {@code this}; keepers run
 * their own threads.
 */
public final class PodKeepers implements DescriptorKeepers {
  private static final Logger log = LoggerFactory.getLogger(PodKeepers.class);
  private static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9.-]{0,99}");
  private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");

  private final Path dir;
  private final Map<String, Keeper> keepers = new HashMap<>();

  private PodKeepers(Path dir) {
    this.dir = dir;
  }

  /**
   * Keepers with their sockets in {@code dir} (created 0700 if missing).
   *
   * @throws IOException one line: the directory cannot be made, or is not this user's directory
   */
  public static PodKeepers open(Path dir) throws IOException {
    Path d = dir.toAbsolutePath().normalize();
    if (!Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(d.getParent());
      try {
        Files.createDirectory(d, PosixFilePermissions.asFileAttribute(DIR_MODE));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // made meanwhile: checked below
      }
    }
    int me = io.nectarfs.fuse.ControlSocket.currentUid();
    if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("descriptor keeper directory " + d + " is not a directory");
    }
    int uid = (Integer) Files.getAttribute(d, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (uid != me) {
      throw new IOException("descriptor keeper directory " + d + " must be owned by uid " + me + " (it is uid " + uid + ")");
    }
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(d, LinkOption.NOFOLLOW_LINKS);
    if (!mode.equals(DIR_MODE)) { // e.g. made 0755 by the kubelet (hostPath DirectoryOrCreate): ours, so closed to others now
      Files.setPosixFilePermissions(d, DIR_MODE);
      log.info("descriptor keeper directory {}: mode {} made rwx------", d, PosixFilePermissions.toString(mode));
    }
    return new PodKeepers(d);
  }

  @Override
  public synchronized Path keep(String key, Path mountPoint) throws IOException {
    Keeper k = keepers.get(key);
    if (k != null) {
      return socket(key);
    }
    if (!KEY.matcher(key).matches()) {
      throw new IOException("mount key '" + key + "' cannot name a keeper socket");
    }
    Path s = socket(key);
    keepers.put(key, Keeper.external(mountPoint, s));
    log.info("keeping the FUSE descriptors of {} at {}", mountPoint, s);
    return s;
  }

  @Override
  public synchronized void release(String key) {
    Keeper k = keepers.remove(key);
    if (k != null) {
      k.close();
    }
  }

  @Override
  public synchronized void upgrading(String key, boolean on) {
    Keeper k = keepers.get(key);
    if (k != null) {
      k.upgrading(on);
    }
  }

  @Override
  public Path directory() {
    return dir;
  }

  /** Whether the keeper of {@code key} holds the mount of a dead server (for tests and status). */
  public synchronized boolean held(String key) {
    Keeper k = keepers.get(key);
    return k != null && k.held();
  }

  /** Whether a server of {@code key}'s mount is attached to its keeper (crash protected now). */
  public synchronized boolean serving(String key) {
    Keeper k = keepers.get(key);
    return k != null && k.serving();
  }

  /** Whether {@code key}'s pod is being replaced ({@link #upgrading(String, boolean)}). */
  public synchronized boolean replacing(String key) {
    Keeper k = keepers.get(key);
    return k != null && k.upgrading();
  }

  private Path socket(String key) {
    return dir.resolve(key + ".sock");
  }
}
