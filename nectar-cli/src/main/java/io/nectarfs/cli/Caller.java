package io.nectarfs.cli;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.Names;
import io.nectarfs.meta.Meta;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The user running a command, as a metadata context (so commands that change a volume directly,
 * like rmr and clone, check permissions as that user), and path resolution as that user.
 */
final class Caller {
  private Caller() {}

  /** This process's uid, gid and supplementary groups (from /proc/self). */
  static Ctx current() throws IOException {
    Path self = Path.of("/proc/self");
    int uid = (Integer) Files.getAttribute(self, "unix:uid");
    int gid = (Integer) Files.getAttribute(self, "unix:gid");
    List<Integer> groups = new ArrayList<>();
    for (String line : Files.readAllLines(self.resolve("status"))) {
      if (line.startsWith("Groups:")) {
        for (String g : line.substring("Groups:".length()).trim().split("\\s+")) {
          if (!g.isEmpty()) {
            groups.add(Integer.parseInt(g));
          }
        }
      }
    }
    return new Ctx(uid, gid, groups.stream().mapToInt(Integer::intValue).toArray(), (int) ProcessHandle.current().pid());
  }

  /** A path's parent directory inode and last name. */
  record Parent(long dir, String name) {}

  /** The components of an absolute in-volume path (\xNN escapes decoded); "." dropped. */
  static List<String> parts(String path) {
    List<String> parts = new ArrayList<>();
    for (String p : Names.unescape(path).split("/")) {
      if (!p.isEmpty() && !p.equals(".")) {
        parts.add(p);
      }
    }
    return parts;
  }

  /** The inode of {@code path}, looked up as {@code ctx}. ENOENT, ENOTDIR, EACCES naming the path. */
  static long resolve(Meta m, Ctx ctx, String path) throws IOException {
    long ino = Meta.ROOT;
    for (String p : parts(path)) {
      ino = lookup(m, ctx, ino, p, path);
    }
    return ino;
  }

  /** The parent of {@code path} (which must not be the root: EBUSY) and its last name. */
  static Parent parent(Meta m, Ctx ctx, String path) throws IOException {
    List<String> parts = parts(path);
    if (parts.isEmpty()) {
      throw Errno.EBUSY.exception(path + ": the root of the volume");
    }
    if (parts.getLast().equals("..") || parts.contains("..")) {
      throw Errno.EINVAL.exception(path + ": '..' is not allowed");
    }
    long ino = Meta.ROOT;
    for (String p : parts.subList(0, parts.size() - 1)) {
      ino = lookup(m, ctx, ino, p, path);
    }
    return new Parent(ino, parts.getLast());
  }

  private static long lookup(Meta m, Ctx ctx, long dir, String name, String path) throws IOException {
    try {
      return m.lookup(ctx, dir, name).ino();
    } catch (io.nectarfs.common.FsException e) {
      throw e.errno().exception(path);
    }
  }
}
