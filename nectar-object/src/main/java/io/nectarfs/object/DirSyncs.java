package io.nectarfs.object;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Directory fsyncs with group commit: {@link #sync(Path)} returns once an fsync of the directory
 * that began after the call did finish, so concurrent callers of one directory share one fsync
 * (the one running when they arrive finishes, then one more covers all of them).
 *
 * <p>Contract: a caller that made a change in {@code dir} (a rename into it) before calling
 * {@code sync(dir)} finds that change durable when the call returns. Failures of the fsync itself
 * are ignored, as some file systems cannot fsync a directory (the data files are synced anyway).
 *
 * <p>Concurrency: one {@link State} per directory, guarded by its monitor; the map entry's
 * {@code users} is changed only inside the map's atomic {@code compute}. {@code requested} counts
 * callers, {@code done} is the highest ticket an fsync covered; the thread that finds no fsync
 * running becomes the syncer for every ticket issued before it starts. Invariant: {@code done <=
 * requested}; a ticket is covered only by an fsync that started after the ticket was taken. A
 * state nobody uses is dropped from the map, so every user of a directory shares one state.
 */
final class DirSyncs {
  /** Performs one directory fsync (tests count them). */
  @FunctionalInterface
  interface Syncer {
    void fsync(Path dir);
  }

  /** The real fsync: open the directory, fsync, close; errors ignored (see the class comment). */
  static final Syncer FSYNC = dir -> {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // Some file systems cannot fsync a directory.
    }
  };

  private static final class State {
    long requested;
    long done;
    int users; // changed only inside ConcurrentHashMap.compute of its entry
    boolean running;
  }

  private final Syncer syncer;
  private final ConcurrentHashMap<Path, State> states = new ConcurrentHashMap<>();

  DirSyncs(Syncer syncer) {
    this.syncer = syncer;
  }

  /** Makes every change made in {@code dir} before this call durable. */
  void sync(Path dir) throws InterruptedIOException {
    State s = states.compute(dir, (d, old) -> {
      State st = old == null ? new State() : old;
      st.users++;
      return st;
    });
    try {
      long target;
      synchronized (s) {
        long ticket = ++s.requested;
        while (s.done < ticket && s.running) {
          try {
            s.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the fsync of " + dir);
          }
        }
        if (s.done >= ticket) {
          return;
        }
        s.running = true;
        target = s.requested; // every ticket taken so far: their changes precede this fsync
      }
      try {
        syncer.fsync(dir);
      } finally {
        synchronized (s) {
          s.running = false;
          s.done = Math.max(s.done, target);
          s.notifyAll();
        }
      }
    } finally {
      states.computeIfPresent(dir, (d, st) -> --st.users == 0 ? null : st);
    }
  }
}
