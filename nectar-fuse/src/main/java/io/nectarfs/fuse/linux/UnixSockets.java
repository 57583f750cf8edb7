package io.nectarfs.fuse.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Unix stream sockets by path, with what {@code java.nio} channels do not give: the raw
 * descriptor (for {@link FdPassing}) and the peer's credentials ({@code SO_PEERCRED}: pid, uid,
 * gid as the kernel saw them at connect, which the peer cannot forge). Framing: a frame is a
 * 4-byte big-endian length and that many bytes, sent in one {@code sendmsg}, with descriptors
 * attached to its first byte.
 *
 * <p>All descriptors are close-on-exec. Every call blocks its thread; the reads take a timeout.
 */
public final class UnixSockets {
  private static final int SOL_SOCKET = 1;
  private static final int SO_PEERCRED = 17;
  private static final int SUN_PATH = 108;
  private static final int MAX_FDS = 64;
  private static final int ETIMEDOUT = 110;
  private static final int ECONNRESET = 104;

  /** The credentials of a connected peer. */
  public record Peer(int pid, int uid, int gid) {}

  /** One frame: its bytes and the descriptors that came with it. */
  public record Frame(byte[] payload, int[] fds) {}

  private UnixSockets() {}

  private static MemorySegment address(Arena a, Path path) throws NativeException {
    byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
    if (p.length >= SUN_PATH) {
      throw new NativeException("socket path too long (" + p.length + " bytes, at most " + (SUN_PATH - 1) + "): " + path, LibC.EINVAL);
    }
    MemorySegment sa = a.allocate(2 + SUN_PATH, 2);
    sa.set(JAVA_SHORT, 0, (short) LibC.AF_UNIX);
    MemorySegment.copy(p, 0, sa, JAVA_BYTE, 2, p.length);
    return sa;
  }

  private static int newSocket(MemorySegment box) throws NativeException {
    return (int) LibC.check(LibC.socket(box, LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0), box, "socket");
  }

  /** A socket bound at {@code path} (which must not exist), listening. */
  public static int listen(Path path) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      int fd = newSocket(box);
      try {
        LibC.check(LibC.bind(box, fd, address(a, path), 2 + SUN_PATH), box, "bind " + path);
        LibC.check(LibC.listen(box, fd, 8), box, "listen " + path);
        return fd;
      } catch (NativeException e) {
        FdPassing.closeQuietly(fd);
        throw e;
      }
    }
  }

  /** The next connection on {@code listening}, or -1 when none came within {@code timeoutMillis}. */
  public static int accept(int listening, int timeoutMillis) throws NativeException {
    if (!readable(listening, timeoutMillis)) {
      return -1;
    }
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      int fd = LibC.accept4(box, listening, MemorySegment.NULL, MemorySegment.NULL, LibC.SOCK_CLOEXEC);
      if (fd < 0 && (LibC.errno(box) == LibC.EAGAIN || LibC.errno(box) == LibC.EINTR)) {
        return -1;
      }
      return (int) LibC.check(fd, box, "accept");
    }
  }

  /** A socket connected to the listener at {@code path}. */
  public static int connect(Path path) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      int fd = newSocket(box);
      int r;
      do {
        r = LibC.connect(box, fd, address(a, path), 2 + SUN_PATH);
      } while (r < 0 && LibC.errno(box) == LibC.EINTR);
      if (r < 0) {
        int errno = LibC.errno(box);
        FdPassing.closeQuietly(fd);
        throw new NativeException("connect: " + LibC.strerror(errno), errno);
      }
      return fd;
    }
  }

  /** The credentials of the process at the other end of {@code fd}. */
  public static Peer peer(int fd) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      MemorySegment cred = a.allocate(12, 4);
      MemorySegment len = a.allocate(JAVA_INT);
      len.set(JAVA_INT, 0, 12);
      LibC.check(LibC.getsockopt(box, fd, SOL_SOCKET, SO_PEERCRED, cred, len), box, "getsockopt SO_PEERCRED");
      return new Peer(cred.get(JAVA_INT, 0), cred.get(JAVA_INT, 4), cred.get(JAVA_INT, 8));
    }
  }

  /** Sends one frame of {@code payload} with {@code fds} (none: an empty array). */
  public static void send(int fd, byte[] payload, int[] fds) throws NativeException {
    byte[] b = ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
    FdPassing.send(fd, fds, b);
  }

  /**
   * Receives one frame of at most {@code maxBytes}, waiting up to {@code timeoutMillis} for each
   * part; null when the peer closed before a frame began.
   *
   * @throws NativeException on a timeout (ETIMEDOUT), a frame cut short or too long
   */
  public static Frame receive(int fd, int maxBytes, int timeoutMillis) throws NativeException {
    if (!readable(fd, timeoutMillis)) {
      throw new NativeException("no answer within " + timeoutMillis + " ms", ETIMEDOUT);
    }
    FdPassing.Received head = FdPassing.receive(fd, MAX_FDS, 4);
    if (head.payload().length == 0) {
      closeAll(head.fds());
      return null;
    }
    try {
      byte[] len = new byte[4];
      System.arraycopy(head.payload(), 0, len, 0, head.payload().length);
      readFully(fd, len, head.payload().length, timeoutMillis);
      int n = ByteBuffer.wrap(len).getInt();
      if (n < 0 || n > maxBytes) {
        throw new NativeException("frame of " + n + " bytes (at most " + maxBytes + ")", LibC.EINVAL);
      }
      byte[] payload = new byte[n];
      readFully(fd, payload, 0, timeoutMillis);
      return new Frame(payload, head.fds());
    } catch (NativeException e) {
      closeAll(head.fds());
      throw e;
    }
  }

  private static void readFully(int fd, byte[] into, int from, int timeoutMillis) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      MemorySegment buf = a.allocate(Math.max(1, into.length));
      int off = from;
      while (off < into.length) {
        if (!readable(fd, timeoutMillis)) {
          throw new NativeException("frame cut short: no data within " + timeoutMillis + " ms", ETIMEDOUT);
        }
        long n = LibC.read(box, fd, buf.asSlice(off), into.length - off);
        if (n < 0 && LibC.errno(box) == LibC.EINTR) {
          continue;
        }
        LibC.check(n, box, "read");
        if (n == 0) {
          throw new NativeException("frame cut short: the peer closed the connection", ECONNRESET);
        }
        MemorySegment.copy(buf, JAVA_BYTE, off, into, off, (int) n);
        off += (int) n;
      }
    }
  }

  /** Whether {@code fd} has input (or an end or error) within {@code timeoutMillis}. */
  private static boolean readable(int fd, int timeoutMillis) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      MemorySegment pfd = a.allocate(8, 4);
      pfd.set(JAVA_INT, 0, fd);
      pfd.set(JAVA_SHORT, 4, (short) LibC.POLLIN);
      long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
      while (true) {
        int left = (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
        int r = LibC.poll(box, pfd, 1, left);
        if (r < 0 && LibC.errno(box) == LibC.EINTR) {
          continue;
        }
        LibC.check(r, box, "poll");
        return r > 0;
      }
    }
  }

  /**
   * Shuts both directions of the connection {@code fd} down (errors ignored): a thread blocked
   * reading it here gets end-of-file, and so does the peer, while the descriptor stays open until
   * its reader closes it (closing it under the reader could hand its number to another file).
   */
  public static void shutdown(int fd) {
    try (Arena a = Arena.ofConfined()) {
      LibC.shutdown(LibC.newErrnoBox(a), fd, 2); // SHUT_RDWR
    }
  }

  /** Closes every descriptor of {@code fds}. */
  public static void closeAll(int[] fds) {
    for (int fd : fds) {
      FdPassing.closeQuietly(fd);
    }
  }
}
