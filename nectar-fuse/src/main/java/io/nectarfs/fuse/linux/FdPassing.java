package io.nectarfs.fuse.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Unix-socket descriptor passing (SCM_RIGHTS), which {@code java.nio} channels cannot do: how
 * {@code fusermount3} hands over {@code /dev/fuse}, and how a running server can hand its
 * descriptors and state to a successor process.
 *
 * <p>Layouts are those of glibc on 64-bit Linux ({@code struct msghdr} 56 bytes, {@code struct
 * cmsghdr} a 16-byte header, {@code struct iovec} 16 bytes); they are kept here, in one place.
 */
public final class FdPassing {
  private static final int SOL_SOCKET = 1;
  private static final int SCM_RIGHTS = 1;
  private static final long MSGHDR_SIZE = 56;
  private static final long OFF_IOV = 16;
  private static final long OFF_IOVLEN = 24;
  private static final long OFF_CONTROL = 32;
  private static final long OFF_CONTROLLEN = 40;
  private static final long OFF_FLAGS = 48;
  private static final long CMSG_HDR = 16;
  private static final int MSG_CTRUNC = 8;
  private static final int MSG_CMSG_CLOEXEC = 0x40000000;

  /** What {@link #receive} got: descriptors and {@code length} payload bytes. */
  public record Received(int[] fds, byte[] payload) {}

  private FdPassing() {}

  /** Two connected stream sockets, both close-on-exec: {@code [a, b]}. */
  public static int[] socketPair() throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      MemorySegment sv = a.allocate(JAVA_INT, 2);
      LibC.check(LibC.socketpair(box, LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, sv), box, "socketpair");
      return new int[] {sv.getAtIndex(JAVA_INT, 0), sv.getAtIndex(JAVA_INT, 1)};
    }
  }

  private static long cmsgSpace(int nfds) {
    return CMSG_HDR + ((4L * nfds + 7) & ~7L);
  }

  /**
   * Sends {@code fds} with {@code payload} (at least one byte is sent: an empty payload becomes a
   * single zero byte) in one message.
   */
  public static void send(int socket, int[] fds, byte[] payload) throws NativeException {
    byte[] data = payload.length == 0 ? new byte[1] : payload;
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      MemorySegment buf = a.allocate(data.length);
      MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
      MemorySegment iov = a.allocate(16, 8);
      iov.set(ValueLayout.ADDRESS, 0, buf);
      iov.set(JAVA_LONG, 8, data.length);
      MemorySegment msg = a.allocate(MSGHDR_SIZE, 8);
      msg.set(ValueLayout.ADDRESS, OFF_IOV, iov);
      msg.set(JAVA_LONG, OFF_IOVLEN, 1);
      if (fds.length > 0) {
        long space = cmsgSpace(fds.length);
        MemorySegment ctl = a.allocate(space, 8);
        ctl.set(JAVA_LONG, 0, CMSG_HDR + 4L * fds.length);
        ctl.set(JAVA_INT, 8, SOL_SOCKET);
        ctl.set(JAVA_INT, 12, SCM_RIGHTS);
        for (int i = 0; i < fds.length; i++) {
          ctl.set(JAVA_INT, CMSG_HDR + 4L * i, fds[i]);
        }
        msg.set(ValueLayout.ADDRESS, OFF_CONTROL, ctl);
        msg.set(JAVA_LONG, OFF_CONTROLLEN, space);
      }
      long n;
      do {
        n = LibC.sendmsg(box, socket, msg, 0);
      } while (n < 0 && LibC.errno(box) == LibC.EINTR);
      LibC.check(n, box, "sendmsg");
      if (n != data.length) {
        throw new NativeException("sendmsg sent " + n + " of " + data.length + " bytes", LibC.EINVAL);
      }
    }
  }

  /**
   * Receives one message: up to {@code maxFds} descriptors (close-on-exec) and up to {@code
   * maxPayload} bytes. A closed peer gives an empty result.
   */
  public static Received receive(int socket, int maxFds, int maxPayload) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      MemorySegment buf = a.allocate(Math.max(1, maxPayload));
      MemorySegment iov = a.allocate(16, 8);
      iov.set(ValueLayout.ADDRESS, 0, buf);
      iov.set(JAVA_LONG, 8, buf.byteSize());
      long space = cmsgSpace(maxFds);
      MemorySegment ctl = a.allocate(space, 8);
      MemorySegment msg = a.allocate(MSGHDR_SIZE, 8);
      msg.set(ValueLayout.ADDRESS, OFF_IOV, iov);
      msg.set(JAVA_LONG, OFF_IOVLEN, 1);
      msg.set(ValueLayout.ADDRESS, OFF_CONTROL, ctl);
      msg.set(JAVA_LONG, OFF_CONTROLLEN, space);
      long n;
      do {
        n = LibC.recvmsg(box, socket, msg, MSG_CMSG_CLOEXEC);
      } while (n < 0 && LibC.errno(box) == LibC.EINTR);
      LibC.check(n, box, "recvmsg");
      int[] fds = new int[0];
      long ctlLen = msg.get(JAVA_LONG, OFF_CONTROLLEN);
      if (ctlLen >= CMSG_HDR) {
        long cmsgLen = ctl.get(JAVA_LONG, 0);
        if (ctl.get(JAVA_INT, 8) == SOL_SOCKET && ctl.get(JAVA_INT, 12) == SCM_RIGHTS && cmsgLen > CMSG_HDR) {
          int count = (int) ((cmsgLen - CMSG_HDR) / 4);
          fds = new int[count];
          for (int i = 0; i < count; i++) {
            fds[i] = ctl.get(JAVA_INT, CMSG_HDR + 4L * i);
          }
        }
      }
      if ((msg.get(JAVA_INT, OFF_FLAGS) & MSG_CTRUNC) != 0) {
        for (int fd : fds) {
          LibC.close(box, fd);
        }
        throw new NativeException("recvmsg: more than " + maxFds + " descriptors (truncated)", LibC.EINVAL);
      }
      byte[] payload = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
      return new Received(fds, payload);
    }
  }

  /** Closes a descriptor, ignoring errors. */
  public static void closeQuietly(int fd) {
    if (fd < 0) {
      return;
    }
    try (Arena a = Arena.ofConfined()) {
      LibC.close(LibC.newErrnoBox(a), fd);
    }
  }
}
