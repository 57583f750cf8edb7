package io.nectarfs.fuse.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.nectarfs.common.OpenFlags;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Hand-written FFM downcalls into glibc (x86-64 / aarch64 Linux). Every call that reports errors
 * through {@code errno} captures it ({@link Linker.Option#captureCallState}); the capture segment
 * is the first argument of those handles.
 *
 * <p>The methods return the raw result; a negative result means failure and {@link #errno} of the
 * capture segment says why. {@link #check} turns that into a {@link NativeException}.
 *
 * <p>Concurrency: the handles are immutable and thread-safe; a capture segment must not be
 * shared by concurrent calls ({@link #newErrnoBox} makes one per caller).
 */
@SuppressWarnings("restricted") // this class is the one place that makes native downcalls
public final class LibC {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

  // open(2) flags and friends (Linux generic values, same on x86-64 and aarch64)
  // Open flags for this class's own syscalls: the one set in OpenFlags.
  public static final int O_RDONLY = OpenFlags.O_RDONLY;
  public static final int O_WRONLY = OpenFlags.O_WRONLY;
  public static final int O_RDWR = OpenFlags.O_RDWR;
  public static final int O_CREAT = OpenFlags.O_CREAT;
  public static final int O_EXCL = OpenFlags.O_EXCL;
  public static final int O_TRUNC = OpenFlags.O_TRUNC;
  public static final int O_APPEND = OpenFlags.O_APPEND;
  public static final int O_CLOEXEC = OpenFlags.O_CLOEXEC;
  public static final int O_NONBLOCK = OpenFlags.O_NONBLOCK;
  public static final int F_GETFL = 3;
  public static final int F_SETFL = 4;

  public static final int MS_RDONLY = 1;
  public static final int MS_NOSUID = 2;
  public static final int MS_NODEV = 4;
  public static final int MS_NOEXEC = 8;
  public static final int MNT_FORCE = 1;
  public static final int MNT_DETACH = 2;

  public static final int AF_UNIX = 1;
  public static final int SOCK_STREAM = 1;
  public static final int SOCK_CLOEXEC = O_CLOEXEC;
  public static final int POLLIN = 1;
  public static final int POLLPRI = 2;
  public static final int POLLERR = 8;

  public static final int EINTR = 4;
  public static final int EAGAIN = 11;
  public static final int ENOENT = 2;
  public static final int ENODEV = 19;
  public static final int EBUSY = 16;
  public static final int EINVAL = 22;

  /** {@code _IOR(229, 0, uint32_t)}. */
  public static final long FUSE_DEV_IOC_CLONE = 0x8004E500L;
  /** _IOW(229, 1, struct fuse_backing_map {int32 fd; uint32 flags; uint64 padding}). */
  public static final long FUSE_DEV_IOC_BACKING_OPEN = 0x4010E501L;
  /** _IOW(229, 2, uint32_t backing id). */
  public static final long FUSE_DEV_IOC_BACKING_CLOSE = 0x4004E502L;

  private static final MethodHandle OPEN =
      errnoCall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle READ = errnoCall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle WRITE = errnoCall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle WRITEV = errnoCall("writev", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle CLOSE = errnoCall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle FCNTL =
      errnoCall("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle DUP = errnoCall("dup", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle IOCTL_PTR =
      errnoCall("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle MOUNT =
      errnoCall("mount", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
  private static final MethodHandle UMOUNT2 = errnoCall("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle POLL = errnoCall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final MethodHandle SOCKETPAIR =
      errnoCall("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
  private static final MethodHandle SOCKET = errnoCall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle BIND = errnoCall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle LISTEN = errnoCall("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle ACCEPT4 = errnoCall("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
  private static final MethodHandle CONNECT = errnoCall("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle GETSOCKOPT =
      errnoCall("getsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
  private static final MethodHandle SHUTDOWN = errnoCall("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle SENDMSG = errnoCall("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle RECVMSG = errnoCall("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle SYSCALL_INT_INT = errnoCall("syscall",
      FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(1));
  private static final MethodHandle MEMFD_CREATE = errnoCall("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle FALLOCATE = errnoCall("fallocate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
  private static final MethodHandle WAITPID = errnoCall("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle GETUID = plainCall("getuid", FunctionDescriptor.of(JAVA_INT));
  private static final MethodHandle GETGID = plainCall("getgid", FunctionDescriptor.of(JAVA_INT));
  private static final MethodHandle STRERROR = plainCall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
  // posix_spawn* return the error number instead of setting errno
  private static final MethodHandle SPAWNP =
      plainCall("posix_spawnp", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
  private static final MethodHandle FA_INIT =
      plainCall("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final MethodHandle FA_ADDDUP2 =
      plainCall("posix_spawn_file_actions_adddup2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
  private static final MethodHandle FA_DESTROY =
      plainCall("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));

  private LibC() {}

  private static MethodHandle errnoCall(String name, FunctionDescriptor fd, Linker.Option... extra) {
    Linker.Option[] opts = new Linker.Option[extra.length + 1];
    opts[0] = ERRNO_OPT;
    System.arraycopy(extra, 0, opts, 1, extra.length);
    return LINKER.downcallHandle(find(name), fd, opts);
  }

  private static MethodHandle plainCall(String name, FunctionDescriptor fd) {
    return LINKER.downcallHandle(find(name), fd);
  }

  private static MemorySegment find(String name) {
    return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
  }

  /** A capture segment for {@code errno}, owned by one caller at a time. */
  public static MemorySegment newErrnoBox(Arena arena) {
    return arena.allocate(CAPTURE);
  }

  /** The errno captured by the last call that used {@code box}. */
  public static int errno(MemorySegment box) {
    return (int) ERRNO.get(box, 0L);
  }

  /** The C library's message for an errno. */
  public static String strerror(int errno) {
    try {
      MemorySegment p = (MemorySegment) STRERROR.invokeExact(errno);
      return p.reinterpret(1024).getString(0);
    } catch (Throwable t) {
      return "errno " + errno;
    }
  }

  /** Throws a {@link NativeException} naming {@code what} when {@code result} is negative. */
  public static long check(long result, MemorySegment box, String what) throws NativeException {
    if (result < 0) {
      throw new NativeException(what, errno(box));
    }
    return result;
  }

  public static int open(MemorySegment box, MemorySegment path, int flags, int mode) {
    try {
      return (int) OPEN.invokeExact(box, path, flags, mode);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static long read(MemorySegment box, int fd, MemorySegment buf, long len) {
    try {
      return (long) READ.invokeExact(box, fd, buf, len);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static long write(MemorySegment box, int fd, MemorySegment buf, long len) {
    try {
      return (long) WRITE.invokeExact(box, fd, buf, len);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** writev(2) of {@code count} iovecs ({@code {void* base; size_t len}}, 16 bytes each). */
  public static long writev(MemorySegment box, int fd, MemorySegment iov, int count) {
    try {
      return (long) WRITEV.invokeExact(box, fd, iov, count);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int close(MemorySegment box, int fd) {
    try {
      return (int) CLOSE.invokeExact(box, fd);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** fcntl(2) with an int argument. */
  public static int fcntl(MemorySegment box, int fd, int cmd, int arg) {
    try {
      return (int) FCNTL.invokeExact(box, fd, cmd, arg);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int dup(MemorySegment box, int fd) {
    try {
      return (int) DUP.invokeExact(box, fd);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int ioctl(MemorySegment box, int fd, long request, MemorySegment arg) {
    try {
      return (int) IOCTL_PTR.invokeExact(box, fd, request, arg);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int mount(MemorySegment box, MemorySegment source, MemorySegment target, MemorySegment fstype, long flags, MemorySegment data) {
    try {
      return (int) MOUNT.invokeExact(box, source, target, fstype, flags, data);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int umount2(MemorySegment box, MemorySegment target, int flags) {
    try {
      return (int) UMOUNT2.invokeExact(box, target, flags);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** poll(2) on {@code nfds} {@code struct pollfd {int fd; short events; short revents;}}. */
  public static int poll(MemorySegment box, MemorySegment fds, long nfds, int timeoutMillis) {
    try {
      return (int) POLL.invokeExact(box, fds, nfds, timeoutMillis);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int socketpair(MemorySegment box, int domain, int type, int protocol, MemorySegment sv) {
    try {
      return (int) SOCKETPAIR.invokeExact(box, domain, type, protocol, sv);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int socket(MemorySegment box, int domain, int type, int protocol) {
    try {
      return (int) SOCKET.invokeExact(box, domain, type, protocol);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int bind(MemorySegment box, int fd, MemorySegment addr, int len) {
    try {
      return (int) BIND.invokeExact(box, fd, addr, len);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int listen(MemorySegment box, int fd, int backlog) {
    try {
      return (int) LISTEN.invokeExact(box, fd, backlog);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int accept4(MemorySegment box, int fd, MemorySegment addr, MemorySegment len, int flags) {
    try {
      return (int) ACCEPT4.invokeExact(box, fd, addr, len, flags);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int connect(MemorySegment box, int fd, MemorySegment addr, int len) {
    try {
      return (int) CONNECT.invokeExact(box, fd, addr, len);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int getsockopt(MemorySegment box, int fd, int level, int name, MemorySegment value, MemorySegment len) {
    try {
      return (int) GETSOCKOPT.invokeExact(box, fd, level, name, value, len);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int shutdown(MemorySegment box, int fd, int how) {
    try {
      return (int) SHUTDOWN.invokeExact(box, fd, how);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static long sendmsg(MemorySegment box, int fd, MemorySegment msg, int flags) {
    try {
      return (long) SENDMSG.invokeExact(box, fd, msg, flags);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static long recvmsg(MemorySegment box, int fd, MemorySegment msg, int flags) {
    try {
      return (long) RECVMSG.invokeExact(box, fd, msg, flags);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Linux's syscall number of pidfd_open(2) on x86-64 and arm64 (the same on both). */
  private static final long SYS_PIDFD_OPEN = 434;

  /** pidfd_open(2): a descriptor that becomes readable when process {@code pid} terminates. */
  public static int pidfdOpen(MemorySegment box, int pid) {
    try {
      return (int) (long) SYSCALL_INT_INT.invokeExact(box, SYS_PIDFD_OPEN, pid, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** memfd_create(2): an anonymous file in memory, alive while a descriptor of it is open. */
  public static int memfdCreate(MemorySegment box, MemorySegment name, int flags) {
    try {
      return (int) MEMFD_CREATE.invokeExact(box, name, flags);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** fallocate(2). */
  public static int fallocate(MemorySegment box, int fd, int mode, long offset, long length) {
    try {
      return (int) FALLOCATE.invokeExact(box, fd, mode, offset, length);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int waitpid(MemorySegment box, int pid, MemorySegment status, int options) {
    try {
      return (int) WAITPID.invokeExact(box, pid, status, options);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int getuid() {
    try {
      return (int) GETUID.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int getgid() {
    try {
      return (int) GETGID.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** posix_spawnp(3): returns 0 or an error number. */
  public static int posixSpawnp(MemorySegment pid, MemorySegment file, MemorySegment fileActions, MemorySegment attr, MemorySegment argv, MemorySegment envp) {
    try {
      return (int) SPAWNP.invokeExact(pid, file, fileActions, attr, argv, envp);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int fileActionsInit(MemorySegment fa) {
    try {
      return (int) FA_INIT.invokeExact(fa);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int fileActionsAddDup2(MemorySegment fa, int fd, int newFd) {
    try {
      return (int) FA_ADDDUP2.invokeExact(fa, fd, newFd);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int fileActionsDestroy(MemorySegment fa) {
    try {
      return (int) FA_DESTROY.invokeExact(fa);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException("native call failed", t);
  }
}
