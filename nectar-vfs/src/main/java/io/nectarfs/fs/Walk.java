package io.nectarfs.fs;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.fs.FileApi.Child;
import io.nectarfs.fs.FileApi.Page;
import io.nectarfs.fs.FileApi.Stat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The lazy depth-first walk of {@link FileApi#walk}: a stack of the directories on the current
 * branch, each holding one page of its listing and the cursor of the next. Memory is the depth
 * times one page, whatever the size of the tree. Not thread-safe (one consumer, like any iterator).
 */
final class Walk implements Iterator<Stat> {
  static final int PAGE = 1000;

  private final FileApi fs;
  private final Ctx ctx;
  private final int maxDepth;
  private final Deque<Level> stack = new ArrayDeque<>();
  private Stat next;

  /** One directory on the branch: its current page and where the next page starts. */
  private static final class Level {
    final String dir;
    final int depth;
    List<Child> page;
    int i;
    String cursor;

    Level(String dir, int depth) {
      this.dir = dir;
      this.depth = depth;
    }
  }

  private Walk(FileApi fs, Ctx ctx, int maxDepth) {
    this.fs = fs;
    this.ctx = ctx;
    this.maxDepth = maxDepth;
  }

  static Stream<Stat> stream(FileApi fs, Ctx ctx, String path, int maxDepth) throws IOException {
    if (maxDepth < 0) {
      throw Errors.of(Errno.EINVAL, path);
    }
    Stat start = fs.lstat(ctx, path);
    Walk w = new Walk(fs, ctx, maxDepth);
    w.next = start;
    if (start.attr().isDir() && maxDepth > 0) {
      w.stack.push(new Level(path, 1));
    }
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(w, Spliterator.ORDERED | Spliterator.NONNULL), false);
  }

  @Override
  public boolean hasNext() {
    if (next == null) {
      next = advance();
    }
    return next != null;
  }

  @Override
  public Stat next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Stat s = next;
    next = null;
    return s;
  }

  private Stat advance() {
    while (!stack.isEmpty()) {
      Level l = stack.peek();
      if (l.page == null || (l.i >= l.page.size() && l.cursor != null)) {
        try {
          Page p = fs.list(ctx, l.dir, l.cursor, PAGE);
          l.page = p.entries();
          l.i = 0;
          l.cursor = p.cursor();
        } catch (FsException e) {
          if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) {
            stack.pop(); // removed or replaced since it was listed
            continue;
          }
          throw new UncheckedIOException(e);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      if (l.i >= l.page.size()) {
        stack.pop();
        continue;
      }
      Child c = l.page.get(l.i++);
      String path = l.dir.endsWith("/") ? l.dir + c.name() : l.dir + "/" + c.name();
      if (c.attr().isDir() && l.depth < maxDepth) {
        stack.push(new Level(path, l.depth + 1));
      }
      return new Stat(path, c.ino(), c.attr());
    }
    return null;
  }
}
