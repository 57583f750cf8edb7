package io.nectarfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThreadReserveTest {
  private static final Duration GENEROUS = Duration.ofSeconds(60);

  /** A taken thread runs the task under the given name; once all are taken, the caller starts its own. */
  @Test
  void take_runsTheTaskOnAStartedThread_untilNoneIsLeft() throws Exception {
    try (ThreadReserve r = ThreadReserve.start(2, GENEROUS)) {
      List<Thread> started = r.unused();
      assertThat(started).hasSize(2).allMatch(Thread::isAlive);
      CompletableFuture<Thread> ranOn = new CompletableFuture<>();
      CompletableFuture<String> name = new CompletableFuture<>();
      Thread t = r.take("nectar-fuse-worker-7", () -> {
        ranOn.complete(Thread.currentThread());
        name.complete(Thread.currentThread().getName());
      });
      assertThat(t).isIn(started);
      assertThat(ranOn.get(GENEROUS.toSeconds(), TimeUnit.SECONDS)).isSameAs(t);
      assertThat(name.get()).isEqualTo("nectar-fuse-worker-7");
      assertThat(r.take("second", () -> {})).isNotNull().isNotSameAs(t);
      assertThat(r.take("third", () -> {})).as("none left").isNull();
    }
  }

  /** Threads nobody took end at close, or by themselves after the idle time; then take finds none. */
  @Test
  void unusedThreads_endAtCloseOrAfterTheIdleTime() throws Exception {
    ThreadReserve closed = ThreadReserve.start(2, GENEROUS);
    List<Thread> a = closed.unused();
    closed.close();
    for (Thread t : a) {
      assertThat(t.join(GENEROUS)).as("ended at close").isTrue();
    }
    assertThat(closed.take("late", () -> {})).isNull();

    try (ThreadReserve idle = ThreadReserve.start(1, Duration.ofMillis(1))) {
      Thread t = idle.unused().getFirst();
      assertThat(t.join(GENEROUS)).as("ended after the idle time").isTrue();
      assertThat(idle.take("late", () -> {})).as("its slot is spent").isNull();
    }
  }
}
