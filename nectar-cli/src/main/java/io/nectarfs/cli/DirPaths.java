package io.nectarfs.cli;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Names;
import io.nectarfs.meta.DirEntry;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The path of a directory from its inode, walking up through parents (a directory has exactly
 * one): {@code /team/a}, names escaped as {@link Names#escape} does. For the few directories a
 * command shows (quotas), not for bulk use: each level scans its parent's entries.
 */
final class DirPaths {
  private static final int PAGE = 10_000;

  private DirPaths() {}

  /** The path of directory {@code ino}, or {@code "inode N (not found)"} when it is gone or detached. */
  static String of(MetaClient m, long ino) throws IOException {
    Deque<String> names = new ArrayDeque<>();
    long cur = ino;
    for (int depth = 0; cur != Meta.ROOT; depth++) {
      long parent;
      try {
        parent = m.getattr(Ctx.ROOT, cur).parent();
      } catch (IOException e) {
        return "inode " + ino + " (not found)";
      }
      String name = nameIn(m, parent, cur);
      if (name == null || depth > 4096) {
        return "inode " + ino + " (not found)";
      }
      names.push(Names.escape(name));
      cur = parent;
    }
    return "/" + String.join("/", names);
  }

  private static String nameIn(MetaClient m, long dir, long ino) throws IOException {
    String after = "";
    while (true) {
      List<DirEntry> page = m.readdir(Ctx.ROOT, dir, after, PAGE, false);
      for (DirEntry e : page) {
        if (e.ino() == ino && !e.name().equals(".") && !e.name().equals("..")) {
          return e.name();
        }
      }
      if (page.size() < PAGE) {
        return null;
      }
      after = page.getLast().name();
    }
  }
}
