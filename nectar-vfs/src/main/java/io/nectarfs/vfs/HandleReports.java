package io.nectarfs.vfs;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongPredicate;

/**
 * The VFS side of {@link Vfs.HandleEvents}: reports opens, releases and the dirty/clean changes of
 * files with written data, for a keeper process that restarts a crashed server (docs/takeover.md).
 *
 * <p>Concurrency: called from request threads and the VFS's background flusher. {@code lock}
 * orders the dirty/clean reports of an inode: a write reports dirty after its data is in the
 * writer, and {@link #reportClean} decides "clean" and reports it under the same lock, so the
 * keeper never sees clean after a dirty whose data is still pending. Invariant: an inode whose
 * writer has pending data is in {@code dirty} (and was reported) while events are set.
 */
final class HandleReports {
  private final Object lock = new Object();
  private final Set<Long> dirty = ConcurrentHashMap.newKeySet();
  private volatile Vfs.HandleEvents events;

  /** Starts (or stops, null) reporting: the open handles and the dirty inodes are reported first. */
  void set(Vfs.HandleEvents e, Map<Long, Handle> handles, LongPredicate pending, Iterable<Long> writerInodes) {
    synchronized (lock) {
      events = e;
      dirty.clear();
      if (e == null) {
        return;
      }
      for (Map.Entry<Long, Handle> h : handles.entrySet()) {
        opened(h.getKey(), h.getValue());
      }
      for (long ino : writerInodes) {
        if (pending.test(ino) && dirty.add(ino)) {
          e.dirty(ino);
        }
      }
    }
  }

  void opened(long fh, Handle h) {
    Vfs.HandleEvents e = events;
    if (e == null) {
      return;
    }
    switch (h) {
      case Handle.File f -> e.opened(fh, f.ino, f.flags, false);
      case Handle.Dir d -> e.opened(fh, d.ino, 0, true);
      default -> {} // internal files and /.control do not survive a crash
    }
  }

  void released(long fh, Handle h) {
    Vfs.HandleEvents e = events;
    if (e != null && (h instanceof Handle.File || h instanceof Handle.Dir)) {
      e.released(fh);
    }
  }

  /** After a write put data in the writer of {@code ino}: reported before the write returns. */
  void wrote(long ino) {
    if (events == null || dirty.contains(ino)) {
      return;
    }
    synchronized (lock) {
      Vfs.HandleEvents e = events;
      if (e != null && dirty.add(ino)) {
        e.dirty(ino);
      }
    }
  }

  /** After a flush or fsync of {@code ino}: reported clean at once when nothing is pending any more. */
  void committed(long ino, LongPredicate pending) {
    if (events == null || !dirty.contains(ino)) {
      return;
    }
    synchronized (lock) {
      Vfs.HandleEvents e = events;
      if (e != null && !pending.test(ino) && dirty.remove(ino)) {
        e.clean(ino);
      }
    }
  }

  /** Reports clean the dirty inodes whose writers have nothing pending (the background flusher calls it). */
  void reportClean(LongPredicate pending) {
    if (events == null || dirty.isEmpty()) {
      return;
    }
    synchronized (lock) {
      Vfs.HandleEvents e = events;
      if (e == null) {
        return;
      }
      for (Long ino : Set.copyOf(dirty)) {
        if (!pending.test(ino)) {
          dirty.remove(ino);
          e.clean(ino);
        }
      }
    }
  }
}
