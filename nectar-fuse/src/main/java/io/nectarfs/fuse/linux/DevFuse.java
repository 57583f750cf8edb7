package io.nectarfs.fuse.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The system calls around {@code /dev/fuse}: opening and cloning the device, mount(2)/umount2(2),
 * and running {@code fusermount3} with a socket on fd 3 ({@code _FUSE_COMMFD}), which {@code
 * ProcessBuilder} cannot do because the JDK closes every inherited descriptor above 2.
 */
public final class DevFuse {
  public static final String DEVICE = "/dev/fuse";

  private DevFuse() {}

  /** Opens {@code /dev/fuse} read-write, close-on-exec. */
  public static int open() throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      return (int) LibC.check(LibC.open(box, a.allocateFrom(DEVICE), LibC.O_RDWR | LibC.O_CLOEXEC, 0), box, "open " + DEVICE);
    }
  }

  /** A new descriptor on the same FUSE connection as {@code fd} (FUSE_DEV_IOC_CLONE). */
  public static int cloneFd(int fd) throws NativeException {
    int clone = open();
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      MemorySegment arg = a.allocate(JAVA_INT);
      arg.set(JAVA_INT, 0, fd);
      if (LibC.ioctl(box, clone, LibC.FUSE_DEV_IOC_CLONE, arg) < 0) {
        int e = LibC.errno(box);
        LibC.close(box, clone);
        throw new NativeException("ioctl FUSE_DEV_IOC_CLONE", e);
      }
      return clone;
    }
  }

  /**
   * Registers the file at {@code path}, opened read-only, as a backing file of the FUSE connection
   * of {@code devFd} (FUSE_DEV_IOC_BACKING_OPEN) and returns its backing id for an open reply with
   * FOPEN_PASSTHROUGH. The kernel keeps its own reference: our descriptor is closed here. Fails
   * with EPERM without CAP_SYS_ADMIN, and with another errno when the connection did not
   * negotiate passthrough or the file cannot back it.
   */
  public static int backingOpen(int devFd, String path) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      int fd = (int) LibC.check(LibC.open(box, a.allocateFrom(path), LibC.O_RDONLY | LibC.O_CLOEXEC, 0), box, "open " + path);
      try {
        MemorySegment map = a.allocate(16, 8);
        map.set(JAVA_INT, 0, fd); // flags and padding stay 0
        return (int) LibC.check(LibC.ioctl(box, devFd, LibC.FUSE_DEV_IOC_BACKING_OPEN, map), box, "ioctl FUSE_DEV_IOC_BACKING_OPEN");
      } finally {
        LibC.close(box, fd);
      }
    }
  }

  /** Releases a backing id of {@link #backingOpen} (files opened with it keep reading it). */
  public static void backingClose(int devFd, int backingId) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      MemorySegment id = a.allocate(JAVA_INT);
      id.set(JAVA_INT, 0, backingId);
      LibC.check(LibC.ioctl(box, devFd, LibC.FUSE_DEV_IOC_BACKING_CLOSE, id), box, "ioctl FUSE_DEV_IOC_BACKING_CLOSE");
    }
  }

  /** Sets O_NONBLOCK, so that a reader whose poll lost the race to another reader gets EAGAIN. */
  public static void setNonBlocking(int fd) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      int fl = (int) LibC.check(LibC.fcntl(box, fd, LibC.F_GETFL, 0), box, "fcntl F_GETFL");
      LibC.check(LibC.fcntl(box, fd, LibC.F_SETFL, fl | LibC.O_NONBLOCK), box, "fcntl F_SETFL");
    }
  }

  /** mount(2). */
  public static void mount(String source, String target, String fsType, long flags, String data) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      int r = LibC.mount(box, a.allocateFrom(source), a.allocateFrom(target), a.allocateFrom(fsType), flags, a.allocateFrom(data));
      LibC.check(r, box, "mount " + target);
    }
  }

  /** umount2(2); returns 0 or the errno. */
  public static int umount2(String target, int flags) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      return LibC.umount2(box, a.allocateFrom(target), flags) < 0 ? LibC.errno(box) : 0;
    }
  }

  /** The result of {@link #spawnFusermount}: the received descriptor (-1 if none) and the exit status. */
  public record FusermountResult(int fd, int exitCode) {}

  /**
   * Runs {@code fusermount3 args…} with one end of a socket pair on its fd 3 and {@code
   * _FUSE_COMMFD=3}, receives the {@code /dev/fuse} descriptor it sends (if any) and waits for it.
   */
  public static FusermountResult spawnFusermount(String program, List<String> args) throws NativeException {
    int[] sv = FdPassing.socketPair();
    int childEnd = sv[1];
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      if (childEnd == 3) { // dup2(3, 3) would keep close-on-exec: move it away first
        childEnd = (int) LibC.check(LibC.dup(box, sv[1]), box, "dup");
      }
      List<String> argv = new ArrayList<>();
      argv.add(program);
      argv.addAll(args);
      List<String> env = new ArrayList<>();
      for (Map.Entry<String, String> e : System.getenv().entrySet()) {
        if (!e.getKey().equals("_FUSE_COMMFD")) {
          env.add(e.getKey() + "=" + e.getValue());
        }
      }
      env.add("_FUSE_COMMFD=3");
      MemorySegment fa = a.allocate(256, 16);
      LibC.fileActionsInit(fa);
      MemorySegment pid = a.allocate(JAVA_INT);
      int err;
      try {
        LibC.fileActionsAddDup2(fa, childEnd, 3);
        err = LibC.posixSpawnp(pid, a.allocateFrom(program), fa, MemorySegment.NULL, cStrings(a, argv), cStrings(a, env));
      } finally {
        LibC.fileActionsDestroy(fa);
      }
      FdPassing.closeQuietly(sv[1]);
      if (childEnd != sv[1]) {
        FdPassing.closeQuietly(childEnd);
      }
      if (err != 0) {
        FdPassing.closeQuietly(sv[0]);
        throw new NativeException("posix_spawnp " + program, err);
      }
      int fd = -1;
      try {
        FdPassing.Received r = FdPassing.receive(sv[0], 1, 16);
        if (r.fds().length > 0) {
          fd = r.fds()[0];
        }
      } catch (NativeException e) {
        fd = -1;
      } finally {
        FdPassing.closeQuietly(sv[0]);
      }
      MemorySegment status = a.allocate(JAVA_INT);
      int w;
      do {
        w = LibC.waitpid(box, pid.get(JAVA_INT, 0), status, 0);
      } while (w < 0 && LibC.errno(box) == LibC.EINTR);
      int st = status.get(JAVA_INT, 0);
      int exit = (st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f);
      return new FusermountResult(fd, w < 0 ? -1 : exit);
    }
  }

  private static MemorySegment cStrings(Arena a, List<String> strings) {
    MemorySegment arr = a.allocate(java.lang.foreign.ValueLayout.ADDRESS, strings.size() + 1);
    for (int i = 0; i < strings.size(); i++) {
      arr.setAtIndex(java.lang.foreign.ValueLayout.ADDRESS, i, a.allocateFrom(strings.get(i)));
    }
    arr.setAtIndex(java.lang.foreign.ValueLayout.ADDRESS, strings.size(), MemorySegment.NULL);
    return arr;
  }
}
