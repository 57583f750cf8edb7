package io.nectarfs.meta;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Whole-tree operations done in the metadata only (no byte of file data moves), for {@code nectar
 * rmr} and {@code nectar clone}. Every step is an ordinary {@link Meta} call made as the caller
 * ({@code ctx}), so permissions, sticky directories, quotas and the trash apply to each entry
 * exactly as they do to a mount's unlink, rmdir, mkdir and clone.
 *
 * <p>Concurrency: a removal with several threads runs each directory's entries as virtual-thread
 * tasks, its metadata calls bounded by a semaphore that a task never holds while it waits for its
 * children; the callers' {@code LongConsumer}s are then called from those threads. Copies run on
 * the calling thread. Nothing is shared between calls.
 *
 * <p>Not atomic across entries, except where said: a concurrent writer can add entries to a
 * directory being removed (the removal then fails with ENOTEMPTY at that directory, leaving the
 * rest removed).
 */
public final class Trees {
  /** Entries read per directory page. */
  private static final int PAGE = 1000;
  /** Files removed per transaction ({@link Meta#unlinkAll}). */
  private static final int BATCH = 100;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Trees() {}

  /** {@link #remove(Meta, Ctx, long, String, int, LongConsumer)} one entry at a time. */
  public static long remove(Meta m, Ctx ctx, long parent, String name, LongConsumer removed) throws IOException {
    return remove(m, ctx, parent, name, 1, removed);
  }

  /**
   * Removes {@code name} in {@code parent} and, if it is a directory, everything below it,
   * depth-first: files by {@link Meta#unlinkAll}, up to 100 of a directory per transaction (so
   * to the trash when the volume has one, and freed only when the last link and open go),
   * directories by {@link Meta#rmdir}, with up to {@code threads} metadata calls at once
   * (subdirectories in parallel). {@code removed}
   * receives 1 per entry removed, from any thread. Returns the number of entries removed. Stops at
   * the first failure (ENOENT, EACCES, EPERM, ENOTEMPTY, ...), naming the entry, after the calls
   * already under way; what was removed stays removed.
   */
  public static long remove(Meta m, Ctx ctx, long parent, String name, int threads, LongConsumer removed) throws IOException {
    Entry e = m.lookup(ctx, parent, name);
    AtomicLong n = new AtomicLong();
    LongConsumer counted = x -> {
      n.addAndGet(x);
      removed.accept(x);
    };
    if (e.attr().isDir()) {
      Remover r = new Remover(m, ctx, Math.max(1, threads), counted);
      try (r.pool) {
        r.emptyDir(e.ino());
      }
      r.op(() -> m.rmdir(ctx, parent, name));
    } else {
      m.unlink(ctx, parent, name);
    }
    counted.accept(1);
    return n.get();
  }

  /**
   * One removal: entries of a directory run as virtual-thread tasks; a semaphore bounds the
   * metadata calls in flight (never held while a task waits for its children, so no deadlock).
   */
  private static final class Remover {
    final Meta m;
    final Ctx ctx;
    final Semaphore calls;
    final LongConsumer removed;
    final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();

    Remover(Meta m, Ctx ctx, int threads, LongConsumer removed) {
      this.m = m;
      this.ctx = ctx;
      this.calls = new Semaphore(threads);
      this.removed = removed;
    }

    interface Call {
      void run() throws IOException;
    }

    void op(Call c) throws IOException {
      calls.acquireUninterruptibly();
      try {
        c.run();
      } finally {
        calls.release();
      }
    }

    void emptyDir(long dir) throws IOException {
      String after = "";
      while (true) {
        List<DirEntry> page;
        calls.acquireUninterruptibly();
        try {
          page = m.readdir(ctx, dir, after, PAGE, false);
        } finally {
          calls.release();
        }
        if (page.isEmpty()) {
          return;
        }
        List<Future<?>> tasks = new ArrayList<>();
        List<String> files = new ArrayList<>();
        for (DirEntry c : page) {
          if (c.type() == FileType.DIR) {
            tasks.add(pool.submit(() -> {
              emptyDir(c.ino());
              op(() -> m.rmdir(ctx, dir, c.name()));
              removed.accept(1);
              return null;
            }));
          } else {
            files.add(c.name());
          }
        }
        IOException first = null;
        // This directory's own entries: batches in turn (in parallel they would conflict on the directory).
        for (int from = 0; from < files.size() && first == null; from += BATCH) {
          List<String> batch = files.subList(from, Math.min(files.size(), from + BATCH));
          try {
            op(() -> m.unlinkAll(ctx, dir, batch));
            removed.accept(batch.size());
          } catch (IOException e) {
            first = e;
          }
        }
        for (Future<?> t : tasks) {
          try {
            t.get();
          } catch (ExecutionException ex) {
            if (first == null) {
              first = ex.getCause() instanceof IOException io ? io : new IOException(ex.getCause());
            }
          } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
          }
        }
        if (first != null) {
          throw first;
        }
        after = page.getLast().name();
      }
    }
  }

  /**
   * Copies {@code src} (a file, directory tree, symlink or special file) to {@code dstName} in
   * {@code dstParent}, sharing every file's slices ({@link Meta#clone}): no data is copied, and
   * later writes to either copy diverge. Atomic as seen from {@code dstName}: the copy is built
   * under a hidden temporary name in {@code dstParent} and renamed into place without replacing
   * anything, so {@code dstName} either does not exist or is the complete copy. On failure the
   * temporary copy is removed (to the trash when the volume has one) and the failure is thrown.
   *
   * <p>The copy belongs to the caller and keeps the source's mode bits. With {@code preserve} it
   * also keeps the owner (root only, else EPERM), access and modification times, and extended
   * attributes. Hard links inside the tree become separate files. {@code copied} receives 1 per
   * entry created. Returns the number of entries created. EEXIST when {@code dstName} exists,
   * EACCES, ENOSPC/EDQUOT, and the errors of {@link Meta#clone}.
   */
  public static long copy(Meta m, Ctx ctx, long src, long dstParent, String dstName, boolean preserve, LongConsumer copied) throws IOException {
    m.getattr(ctx, dstParent);
    try {
      m.lookup(ctx, dstParent, dstName);
      throw Errno.EEXIST.exception(dstName);
    } catch (FsException e) {
      if (e.errno() != Errno.ENOENT) {
        throw e;
      }
    }
    String tmp = "." + (dstName.length() > 200 ? dstName.substring(0, 200) : dstName) + ".nectar-clone-" + HexFormat.of().toHexDigits(RANDOM.nextInt());
    long n;
    try {
      n = copyEntry(m, ctx, src, dstParent, tmp, preserve, copied);
      m.rename(ctx, dstParent, tmp, dstParent, dstName, Meta.RENAME_NOREPLACE);
    } catch (IOException | RuntimeException e) {
      try {
        remove(m, ctx, dstParent, tmp, x -> {});
      } catch (IOException | RuntimeException cleanup) {
        if (!(cleanup instanceof FsException fe && fe.errno() == Errno.ENOENT)) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    }
    return n;
  }

  private static long copyEntry(Meta m, Ctx ctx, long src, long parent, String name, boolean preserve, LongConsumer copied) throws IOException {
    Attr a = m.getattr(ctx, src);
    long n = 1;
    Entry made = switch (a.type()) {
      case FILE -> m.clone(ctx, src, parent, name);
      case DIR -> m.mkdir(ctx, parent, name, a.mode() & 07777, 0);
      case SYMLINK -> m.symlink(ctx, parent, name, m.readlink(ctx, src));
      default -> m.mknod(ctx, parent, name, a.type(), a.mode() & 07777, 0, a.rdev());
    };
    copied.accept(1);
    if (a.type() == FileType.DIR) {
      String after = "";
      while (true) {
        List<DirEntry> page = m.readdir(ctx, src, after, PAGE, false);
        if (page.isEmpty()) {
          break;
        }
        for (DirEntry c : page) {
          n += copyEntry(m, ctx, c.ino(), made.ino(), c.name(), preserve, copied);
        }
        after = page.getLast().name();
      }
    }
    if (a.type() == FileType.FILE && (made.attr().mode() & 07777) != (a.mode() & 07777)) {
      m.setattr(ctx, made.ino(), SetAttr.chmod(a.mode() & 07777));
    }
    if (preserve) {
      preserve(m, ctx, src, a, made);
    }
    return n;
  }

  /** Owner, xattrs and times last (creating children changes a directory's mtime). */
  private static void preserve(Meta m, Ctx ctx, long src, Attr a, Entry made) throws IOException {
    if (made.attr().uid() != a.uid() || made.attr().gid() != a.gid()) {
      m.setattr(ctx, made.ino(), SetAttr.chown(a.uid(), a.gid()));
      if (a.type() != FileType.SYMLINK && a.type() != FileType.DIR) {
        m.setattr(ctx, made.ino(), SetAttr.chmod(a.mode() & 07777)); // chown clears set-id bits
      }
    }
    if (a.type() != FileType.SYMLINK) {
      for (String x : m.listxattr(ctx, src)) {
        m.setxattr(ctx, made.ino(), x, m.getxattr(ctx, src, x), 0);
      }
    }
    m.setattr(ctx, made.ino(), SetAttr.utimes(a.atime(), a.mtime()));
  }
}
