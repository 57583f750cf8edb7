package io.nectarfs.fuse;

import io.nectarfs.fuse.linux.DevFuse;
import io.nectarfs.fuse.linux.FdPassing;
import io.nectarfs.fuse.linux.LibC;
import io.nectarfs.fuse.linux.NativeException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A FUSE mount: the {@code /dev/fuse} descriptor of the connection and where it is mounted.
 *
 * <p>As root, {@link #mount} opens {@code /dev/fuse} and calls mount(2) with type {@code
 * fuse.nectarfs} and the volume name as source; otherwise (or with {@link
 * MountOptions#useFusermount()}) it runs {@code fusermount3}, which sends the descriptor back over
 * a socket. Mount-point problems (missing, not a directory, not empty, already mounted) are one-line
 * {@link IOException}s.
 */
public final class FuseMount {
  public static final String FS_TYPE = "fuse.nectarfs";
  private static final String FUSERMOUNT = "fusermount3";

  private final Path mountpoint;
  private final int fd;
  private final boolean viaFusermount;
  private final MountOptions options;
  private volatile boolean unmounted;

  private FuseMount(Path mountpoint, int fd, boolean viaFusermount, MountOptions options) {
    this.mountpoint = mountpoint;
    this.fd = fd;
    this.viaFusermount = viaFusermount;
    this.options = options;
  }

  /** A mount whose descriptor came from elsewhere (a predecessor process handing it over). */
  public static FuseMount adopt(Path mountpoint, int fd, MountOptions options) {
    return new FuseMount(mountpoint, fd, LibC.getuid() != 0 || options.useFusermount(), options);
  }

  public Path mountpoint() {
    return mountpoint;
  }

  /** The descriptor of the connection (the server clones it per reader). */
  public int fd() {
    return fd;
  }

  public boolean viaFusermount() {
    return viaFusermount;
  }

  public MountOptions options() {
    return options;
  }

  /** Mounts a new FUSE connection at {@code mountpoint}; INIT follows when the server reads. */
  public static FuseMount mount(Path mountpoint, MountOptions o) throws IOException {
    Path mp = checkMountpoint(mountpoint, o);
    boolean root = LibC.getuid() == 0;
    if (root && !o.useFusermount()) {
      int fd = DevFuse.open();
      StringBuilder data = new StringBuilder()
          .append("fd=").append(fd)
          .append(",rootmode=40000")
          .append(",user_id=").append(LibC.getuid())
          .append(",group_id=").append(LibC.getgid())
          .append(",max_read=").append(o.maxWrite());
      if (o.allowOther()) {
        data.append(",allow_other");
      }
      if (o.defaultPermissions()) {
        data.append(",default_permissions");
      }
      long flags = (o.suid() ? 0 : LibC.MS_NOSUID) | (o.dev() ? 0 : LibC.MS_NODEV) | (o.exec() ? 0 : LibC.MS_NOEXEC)
          | (o.readOnly() ? LibC.MS_RDONLY : 0);
      try {
        DevFuse.mount(o.volumeName(), mp.toString(), FS_TYPE, flags, data.toString());
      } catch (NativeException e) {
        FdPassing.closeQuietly(fd);
        throw new IOException("cannot mount " + mp + ": " + e.getMessage(), e);
      }
      return new FuseMount(mp, fd, false, o);
    }
    List<String> opts = new ArrayList<>();
    opts.add("fsname=" + o.volumeName());
    opts.add("subtype=nectarfs");
    opts.add("max_read=" + o.maxWrite());
    opts.add(o.suid() ? "suid" : "nosuid");
    opts.add(o.dev() ? "dev" : "nodev");
    if (!o.exec()) {
      opts.add("noexec");
    }
    if (o.allowOther()) {
      opts.add("allow_other");
    }
    if (o.defaultPermissions()) {
      opts.add("default_permissions");
    }
    if (o.readOnly()) {
      opts.add("ro");
    }
    DevFuse.FusermountResult r;
    try {
      r = DevFuse.spawnFusermount(FUSERMOUNT, List.of("-o", String.join(",", opts), "--", mp.toString()));
    } catch (NativeException e) {
      throw new IOException("cannot mount " + mp + " with " + FUSERMOUNT + ": " + e.getMessage(), e);
    }
    if (r.fd() < 0) {
      throw new IOException("cannot mount " + mp + ": " + FUSERMOUNT + " exited with " + r.exitCode() + " without a descriptor");
    }
    return new FuseMount(mp, r.fd(), true, o);
  }

  /** Validates the mount point and returns its absolute, normalized path. */
  static Path checkMountpoint(Path mountpoint, MountOptions o) throws IOException {
    Path mp = mountpoint.toAbsolutePath().normalize();
    Optional<MountInfo.Line> existing = MountInfo.find(mp);
    if (existing.isPresent() && existing.get().fsType().startsWith("fuse")) {
      throw new IOException("cannot mount " + mp + ": already mounted (" + existing.get().fsType() + " " + existing.get().source() + "); unmount it first");
    }
    if (!Files.exists(mp, LinkOption.NOFOLLOW_LINKS) && !Files.exists(mp)) {
      throw new IOException("cannot mount " + mp + ": mount point does not exist");
    }
    if (!Files.isDirectory(mp)) {
      throw new IOException("cannot mount " + mp + ": mount point is not a directory");
    }
    mp = mp.toRealPath();
    Optional<MountInfo.Line> real = MountInfo.find(mp);
    if (real.isPresent() && real.get().fsType().startsWith("fuse")) {
      throw new IOException("cannot mount " + mp + ": already mounted (" + real.get().fsType() + " " + real.get().source() + "); unmount it first");
    }
    if (!o.nonEmpty()) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(mp)) {
        if (ds.iterator().hasNext()) {
          throw new IOException("cannot mount " + mp + ": mount point is not empty (use the nonempty option to mount over it)");
        }
      }
    }
    return mp;
  }

  /**
   * The {@code major:minor} device of the FUSE mount at {@code path}, from {@code
   * /proc/self/mountinfo}: never a request to the mount. A mount's own process must not stat its
   * mount point: a request its workers took when the process is killed is never answered, its
   * thread waits for it uninterruptibly, and neither the process nor the mount ever ends.
   */
  public static Optional<String> device(Path path) throws IOException {
    return MountInfo.find(path.toAbsolutePath().normalize()).filter(l -> l.fsType().startsWith("fuse")).map(MountInfo.Line::device);
  }

  /** Whether a FUSE file system is mounted at {@code path}. */
  public static boolean isMounted(Path path) throws IOException {
    return MountInfo.find(path.toAbsolutePath().normalize()).filter(l -> l.fsType().startsWith("fuse")).isPresent();
  }

  /**
   * Unmounts; {@code lazy} detaches a busy mount (MNT_DETACH, {@code fusermount3 -u -z}) instead
   * of failing with EBUSY. Idempotent: an already unmounted point is not an error.
   */
  public void unmount(boolean lazy) throws IOException {
    if (unmounted) {
      return;
    }
    unmount(mountpoint, lazy, viaFusermount);
    unmounted = true;
  }

  /** Unmounts whatever FUSE file system is mounted at {@code path}. */
  public static void unmount(Path path, boolean lazy, boolean viaFusermount) throws IOException {
    Path mp = path.toAbsolutePath().normalize();
    if (!isMounted(mp)) {
      return;
    }
    if (!viaFusermount && LibC.getuid() == 0) {
      int e = DevFuse.umount2(mp.toString(), 0);
      if (e == LibC.EBUSY && lazy) {
        e = DevFuse.umount2(mp.toString(), LibC.MNT_DETACH);
      }
      if (e != 0 && e != LibC.EINVAL && e != LibC.ENOENT) {
        throw new IOException("cannot unmount " + mp + ": " + LibC.strerror(e));
      }
      return;
    }
    List<String> cmd = new ArrayList<>(List.of(FUSERMOUNT, "-u"));
    if (lazy) {
      cmd.add("-z");
    }
    cmd.add(mp.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("cannot unmount " + mp + ": " + FUSERMOUNT + " -u timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while unmounting " + mp, e);
    }
    if (p.exitValue() != 0) {
      String out = new String(p.getInputStream().readAllBytes()).strip();
      throw new IOException("cannot unmount " + mp + ": " + out);
    }
  }

  @Override
  public String toString() {
    return "FuseMount[" + mountpoint + ", fd=" + fd + (viaFusermount ? ", fusermount3" : "") + "]";
  }
}
