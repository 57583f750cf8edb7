package io.nectarfs.fuse;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Platform threads started ahead of a takeover's pause (issue #17), each waiting for the one task
 * it will run: a {@code /dev/fuse} worker of the server that {@link FuseServer#takeOver} starts.
 * Starting a thread inside the pause cost 0.3-30 ms under load (its stack's mapping, its first
 * run), and a resumed server starts several; taking a started thread is a hand-off.
 *
 * <p>Concurrency: {@code waiting} (guarded by {@code this}) holds the slots no task has taken;
 * {@link #take} and {@link #close} remove slots under the lock, so each slot is completed once,
 * with a task or with null (then its thread ends). A slot's thread also ends, without a task,
 * after {@code idle} passes (the takeover did not happen, or did not need it).
 */
public final class ThreadReserve implements AutoCloseable {
  /** No reserve: every thread starts when needed. */
  static final ThreadReserve NONE = new ThreadReserve(0, Duration.ZERO);

  private record Slot(Thread thread, CompletableFuture<Named> task) {}

  private record Named(String name, Runnable run) {}

  private final Deque<Slot> waiting = new ArrayDeque<>();

  private ThreadReserve(int threads, Duration idle) {
    for (int i = 0; i < threads; i++) {
      CompletableFuture<Named> task = new CompletableFuture<>();
      Thread t = Thread.ofPlatform().daemon(true).name("nectar-fuse-reserve-" + i).unstarted(() -> await(task, idle));
      waiting.add(new Slot(t, task));
      t.start();
    }
  }

  /** Starts {@code threads} daemon threads that wait up to {@code idle} for a task. */
  public static ThreadReserve start(int threads, Duration idle) {
    return new ThreadReserve(threads, idle);
  }

  /**
   * Has a reserved thread run {@code task} under {@code name} and returns that thread, or null
   * when none is left (the caller starts one of its own).
   */
  Thread take(String name, Runnable task) {
    while (true) {
      Slot s;
      synchronized (this) {
        s = waiting.poll();
      }
      if (s == null) {
        return null;
      }
      if (s.task().complete(new Named(name, task))) {
        return s.thread();
      } // else the slot's thread gave up waiting (it completed the future itself): the next one
    }
  }

  /** The threads still waiting for a task (tests). */
  synchronized java.util.List<Thread> unused() {
    return waiting.stream().map(Slot::thread).toList();
  }

  /** Ends the threads no task has taken. */
  @Override
  public void close() {
    synchronized (this) {
      for (Slot s : waiting) {
        s.task().complete(null);
      }
      waiting.clear();
    }
  }

  private static void await(CompletableFuture<Named> task, Duration idle) {
    Named n;
    try {
      n = task.get(idle.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      n = task.complete(null) ? null : task.join(); // a take() that won the race still runs
    } catch (InterruptedException | ExecutionException e) {
      return;
    }
    if (n != null) {
      Thread.currentThread().setName(n.name());
      n.run().run();
    }
  }
}
