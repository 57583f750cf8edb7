package io.nectarfs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Supplementary groups of the process behind a request, from {@code /proc/<pid>/status} (FUSE
 * requests carry only uid, gid and pid). Cached per pid for a second, since a process rarely
 * changes its groups and one process sends many requests.
 *
 * <p>Concurrency: a concurrent map of immutable entries; a stale entry is just re-read.
 */
final class Groups {
  private static final long TTL_NANOS = 1_000_000_000L;
  private static final int[] NONE = new int[0];
  private final Map<Integer, Entry> cache = new ConcurrentHashMap<>();

  private record Entry(int[] gids, long expires) {}

  /** The supplementary gids of {@code pid}, or none when it is gone or unreadable. */
  int[] of(int pid) {
    if (pid <= 0) {
      return NONE;
    }
    long now = System.nanoTime();
    Entry e = cache.get(pid);
    if (e != null && e.expires > now) {
      return e.gids;
    }
    int[] gids = read(pid);
    if (cache.size() > 4096) {
      cache.clear();
    }
    cache.put(pid, new Entry(gids, now + TTL_NANOS));
    return gids;
  }

  static int[] read(int pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("Groups:")) {
          String rest = line.substring(7).trim();
          if (rest.isEmpty()) {
            return NONE;
          }
          return Arrays.stream(rest.split("\\s+")).mapToInt(Integer::parseInt).toArray();
        }
      }
    } catch (IOException | RuntimeException e) {
      // The process may have exited; without its groups only uid/gid decide.
    }
    return NONE;
  }
}
