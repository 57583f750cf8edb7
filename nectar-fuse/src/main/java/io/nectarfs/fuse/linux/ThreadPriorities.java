package io.nectarfs.fuse.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The CPU priority (nice value) of this process's threads. Linux keeps one per thread
 * (setpriority(2) with PRIO_PROCESS and a thread id), so {@link #setAll} goes through {@code
 * /proc/self/task}; a thread started later inherits its creator's value. Raising a nice value is
 * always allowed; lowering it again needs CAP_SYS_NICE (root).
 */
public final class ThreadPriorities {
  private ThreadPriorities() {}

  /** Sets the nice value of every thread this process has now; returns how many refused (0: all). */
  public static int setAll(int nice) {
    int refused = 0;
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      for (int tid : threads(Path.of("/proc/self/task"))) {
        if (LibC.setpriority(box, tid, nice) != 0 && LibC.errno(box) != LibC.ESRCH) { // ESRCH: the thread ended meanwhile
          refused++;
        }
      }
    }
    return refused;
  }

  /** The nice value of the calling thread. */
  public static int current() throws IOException {
    return nice(Path.of("/proc/thread-self/stat"));
  }

  /** The nice values of process {@code pid}'s threads now (threads that end meanwhile are left out). */
  public static List<Integer> of(long pid) throws IOException {
    List<Integer> out = new ArrayList<>();
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    for (int tid : threads(tasks)) {
      try {
        out.add(nice(tasks.resolve(Integer.toString(tid)).resolve("stat")));
      } catch (java.nio.file.NoSuchFileException e) {
        // ended
      }
    }
    return out;
  }

  private static List<Integer> threads(Path taskDir) {
    try (Stream<Path> s = Files.list(taskDir)) {
      return s.map(p -> Integer.parseInt(p.getFileName().toString())).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Field 19 of a stat line; the command name (field 2, in parentheses) may hold spaces. */
  private static int nice(Path stat) throws IOException {
    String line = Files.readString(stat);
    String[] after = line.substring(line.lastIndexOf(')') + 2).split(" ");
    return Integer.parseInt(after[19 - 3]);
  }
}
