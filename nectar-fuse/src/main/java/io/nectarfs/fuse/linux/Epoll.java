package io.nectarfs.fuse.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * One epoll(7) instance for one thread, and the eventfd(2) that stops its waiters. A {@code
 * /dev/fuse} worker waits here for "a request is queued" ({@link #addExclusive}: EPOLLEXCLUSIVE,
 * so one queued request wakes one idle worker, not all) or "stop" ({@link #add} of an eventfd
 * that, once written, stays readable and wakes every waiter, now and later).
 *
 * <pre>{@code
 * int stop = Epoll.eventFd();
 * try (Epoll ep = Epoll.open()) {
 *   ep.addExclusive(fuseFd);
 *   ep.add(stop);
 *   int n = ep.await(-1);        // > 0: something is ready; 0: EINTR (or timeout); < 0: -errno
 * }
 * Epoll.signal(stop);            // from any thread: every await returns
 * }</pre>
 *
 * <p>Concurrency: an instance belongs to one thread ({@link #await} uses its own buffers); {@link
 * #signal} may be called from any thread.
 */
@SuppressWarnings("restricted") // native downcalls, like LibC
public final class Epoll implements AutoCloseable {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
  private static final int EPOLL_CTL_ADD = 1;
  private static final int EPOLLIN = 0x1;
  private static final int EPOLLEXCLUSIVE = 1 << 28;
  private static final int EFD_NONBLOCK = 0x800;
  /** struct epoll_event is packed on x86-64 (12 bytes), naturally aligned elsewhere (16). */
  private static final int EVENT_SIZE = System.getProperty("os.arch").equals("amd64") ? 12 : 16;
  private static final int MAX_EVENTS = 2;

  private static final MethodHandle CREATE = call("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle CTL =
      call("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
  private static final MethodHandle WAIT =
      call("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
  private static final MethodHandle EVENTFD = call("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

  private final Arena arena = Arena.ofShared();
  private final MemorySegment box = LibC.newErrnoBox(arena);
  private final MemorySegment events = arena.allocate((long) EVENT_SIZE * MAX_EVENTS, 8);
  private final int fd;

  private Epoll(int fd) {
    this.fd = fd;
  }

  private static MethodHandle call(String name, FunctionDescriptor d) {
    return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), d, ERRNO);
  }

  /** A new epoll instance (close-on-exec). */
  public static Epoll open() throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment b = LibC.newErrnoBox(a);
      int fd = (int) CREATE.invokeExact(b, LibC.O_CLOEXEC);
      return new Epoll((int) LibC.check(fd, b, "epoll_create1"));
    } catch (NativeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** A new non-blocking, close-on-exec eventfd with count 0. */
  public static int eventFd() throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment b = LibC.newErrnoBox(a);
      int fd = (int) EVENTFD.invokeExact(b, 0, LibC.O_CLOEXEC | EFD_NONBLOCK);
      return (int) LibC.check(fd, b, "eventfd");
    } catch (NativeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** Adds 1 to the eventfd's count: it becomes (and, never read, stays) readable. */
  public static void signal(int eventFd) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment one = a.allocate(JAVA_LONG);
      one.set(JAVA_LONG, 0, 1L);
      LibC.write(LibC.newErrnoBox(a), eventFd, one, 8);
    }
  }

  /** Watches {@code watched} for input, level-triggered. */
  public void add(int watched) throws NativeException {
    ctl(watched, EPOLLIN);
  }

  /** The same with EPOLLEXCLUSIVE: of the instances waiting on one event, the kernel wakes one. */
  public void addExclusive(int watched) throws NativeException {
    ctl(watched, EPOLLIN | EPOLLEXCLUSIVE);
  }

  private void ctl(int watched, int mask) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment ev = a.allocate(EVENT_SIZE, 8);
      ev.set(JAVA_INT, 0, mask);
      int r = (int) CTL.invokeExact(box, fd, EPOLL_CTL_ADD, watched, ev);
      LibC.check(r, box, "epoll_ctl");
    } catch (NativeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Waits up to {@code timeoutMillis} (-1: no limit): the number of ready descriptors, 0 after
   * the timeout or a signal (EINTR), or -errno.
   */
  public int await(int timeoutMillis) {
    int n;
    try {
      n = (int) WAIT.invokeExact(box, fd, events, MAX_EVENTS, timeoutMillis);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
    if (n >= 0) {
      return n;
    }
    int e = LibC.errno(box);
    return e == LibC.EINTR ? 0 : -e;
  }

  @Override
  public void close() {
    FdPassing.closeQuietly(fd);
    arena.close();
  }
}
