package io.nectarfs.fuse.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for any process, child or not, to terminate.
 *
 * <p>{@link ProcessHandle#onExit()} of a process that is not this one's child polls whether it is
 * alive, and a zombie counts as alive: waiting on an orphan (a mount's keeper, whose parent {@code
 * nectar mount -d} has exited) lasts until init reaps it, which took about 2 s on this project's
 * machines. A pidfd (Linux 5.3+) becomes readable the moment the process terminates, reaped or
 * not. Where pidfd_open is missing or refused, this falls back to {@code onExit()}.
 */
public final class ProcessExit {
  private static final int ESRCH = 3;
  /** How long one poll(2) waits, so that an interrupt is seen. */
  private static final int SLICE_MILLIS = 200;

  private ProcessExit() {}

  /**
   * Waits up to {@code timeout} for process {@code pid} to terminate; true when it did (or never
   * existed), false on timeout.
   */
  public static boolean await(long pid, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      int fd = LibC.pidfdOpen(box, Math.toIntExact(pid));
      if (fd < 0) {
        int errno = LibC.errno(box);
        if (errno == ESRCH) {
          return true;
        }
        return fallback(pid, deadline);
      }
      try {
        MemorySegment pfd = a.allocate(8, 4); // struct pollfd {int fd; short events; short revents;}
        while (true) {
          pfd.set(JAVA_INT, 0, fd);
          pfd.set(JAVA_SHORT, 4, (short) LibC.POLLIN);
          pfd.set(JAVA_SHORT, 6, (short) 0);
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          int n = LibC.poll(box, pfd, 1, (int) Math.max(0, Math.min(SLICE_MILLIS, left)));
          if (n > 0) {
            return true;
          }
          if (n < 0 && LibC.errno(box) != LibC.EINTR) {
            return fallback(pid, deadline); // not expected of a valid pidfd; the JDK's wait still works
          }
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
          if (left <= 0) {
            return false;
          }
        }
      } finally {
        LibC.close(box, fd);
      }
    }
  }

  /** Without a pidfd (a kernel before 5.3: ENOSYS; a seccomp filter that refuses it: EPERM). */
  private static boolean fallback(long pid, long deadline) throws InterruptedException {
    Optional<ProcessHandle> p = ProcessHandle.of(pid);
    if (p.isEmpty()) {
      return true;
    }
    try {
      p.get().onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }
}
