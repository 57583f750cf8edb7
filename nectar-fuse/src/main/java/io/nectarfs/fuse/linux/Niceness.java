package io.nectarfs.fuse.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU priority (nice value) of a whole process, for a standby worker that prepares at the
 * lowest priority, so that its start-up (a JVM, the compilers warming up) does not slow the
 * worker that serves, and serves at the normal priority once it takes a mount over.
 *
 * <p>Linux keeps a nice value per thread, and a new thread takes its creator's: a process's is set
 * thread by thread ({@code /proc/PID/task}). Raising a priority back needs CAP_SYS_NICE or an
 * RLIMIT_NICE of at least 20 ({@link #canRestore}); without either a process must not lower its
 * priority, because it could not serve at the normal one later.
 */
public final class Niceness {
  /** The lowest priority. */
  public static final int LOWEST = 19;
  private static final int CAP_SYS_NICE = 23;

  private Niceness() {}

  /** Whether this process may set a thread's nice value back to 0 after lowering it. */
  public static boolean canRestore() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapEff:") && (Long.parseUnsignedLong(line.substring(7).strip(), 16) >>> CAP_SYS_NICE & 1) != 0) {
          return true;
        }
      }
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max nice priority")) {
          String soft = line.substring("Max nice priority".length()).strip().split("\\s+")[0];
          return soft.equals("unlimited") || Long.parseLong(soft) >= 20;
        }
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
    return false;
  }

  /**
   * Sets the nice value of every thread of process {@code pid}; returns how many were set (a
   * thread that ends meanwhile is skipped). Threads started while this runs take their creator's.
   *
   * @throws NativeException the kernel refused (EACCES: raising without the privilege)
   */
  public static int setAll(long pid, int nice) throws NativeException {
    int n = 0;
    try (Arena arena = Arena.ofConfined(); DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      MemorySegment box = LibC.newErrnoBox(arena);
      for (Path t : tasks) {
        int tid = Integer.parseInt(t.getFileName().toString());
        if (LibC.setThreadNice(box, tid, nice) == 0) {
          n++;
        } else if (LibC.errno(box) != 3) { // ESRCH: the thread ended
          throw new NativeException("setpriority of thread " + tid + " to " + nice, LibC.errno(box));
        }
      }
    } catch (IOException e) {
      throw new NativeException("no threads of process " + pid + ": " + e.getMessage(), 3);
    }
    return n;
  }
}
