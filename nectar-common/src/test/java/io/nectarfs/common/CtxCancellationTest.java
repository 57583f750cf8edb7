package io.nectarfs.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The cancellation token, deadlines on an injected clock, and what {@link Ctx} does with them. */
class CtxCancellationTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final Clock clock = now::get;

  @Test
  void token_cancelOnce_runsEachCallbackOnce() {
    Cancellation c = Cancellation.create();
    AtomicInteger runs = new AtomicInteger();
    c.onCancel(runs::incrementAndGet);
    c.onCancel(runs::incrementAndGet);
    assertThat(c.isCancelled()).isFalse();
    assertThat(c.cancel()).isTrue();
    assertThat(c.cancel()).isFalse();
    assertThat(c.isCancelled()).isTrue();
    assertThat(runs).hasValue(2);
  }

  @Test
  void token_callbackAfterCancel_runsAtOnce_andClosedRegistrationNever() {
    Cancellation c = Cancellation.create();
    AtomicInteger runs = new AtomicInteger();
    c.onCancel(runs::incrementAndGet).close();
    c.cancel();
    assertThat(runs).hasValue(0);
    c.onCancel(runs::incrementAndGet);
    assertThat(runs).hasValue(1);
  }

  @Test
  void token_failingCallback_doesNotStopTheOthers() {
    Cancellation c = Cancellation.create();
    AtomicInteger runs = new AtomicInteger();
    c.onCancel(() -> {
      throw new IllegalStateException("boom");
    });
    c.onCancel(runs::incrementAndGet);
    assertThatThrownBy(c::cancel).hasMessage("boom");
    assertThat(runs).hasValue(1);
    assertThat(c.isCancelled()).isTrue();
  }

  @Test
  void none_cannotBeCancelled() {
    assertThat(Cancellation.NONE.cancellable()).isFalse();
    assertThatThrownBy(Cancellation.NONE::cancel).isInstanceOf(UnsupportedOperationException.class);
    Ctx.ROOT.cancellation().onCancel(() -> {
      throw new AssertionError("never");
    }).close();
  }

  @Test
  void checkCancelled_eintrWhenCancelled() throws Exception {
    Cancellation c = Cancellation.create();
    Ctx ctx = Ctx.of(1000, 1000).withCancellation(c);
    ctx.checkCancelled();
    c.cancel();
    assertThatThrownBy(ctx::checkCancelled).isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINTR))
        .hasMessage("operation cancelled: interrupted");
    assertThat(ctx.isCancelled()).isTrue();
  }

  @Test
  void deadline_onInjectedClock_etimedoutOncePassed() throws Exception {
    Ctx ctx = Ctx.of(1, 1).withTimeout(clock, Duration.ofSeconds(5));
    assertThat(ctx.deadline().remainingNanos()).isEqualTo(5_000_000_000L);
    now.addAndGet(4_999_999_999L);
    ctx.checkCancelled();
    now.incrementAndGet();
    assertThat(ctx.deadline().remainingNanos()).isZero();
    assertThatThrownBy(ctx::checkCancelled).isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ETIMEDOUT));
  }

  @Test
  void deadline_earlierWins_andHugeTimeoutsSaturate() {
    Ctx ctx = Ctx.ROOT.withTimeout(clock, Duration.ofSeconds(1)).withTimeout(clock, Duration.ofDays(1));
    assertThat(ctx.deadline().remainingNanos()).isEqualTo(1_000_000_000L);
    assertThat(Deadline.after(clock, Duration.ofSeconds(Long.MAX_VALUE)).passed()).isFalse();
    assertThat(Deadline.NONE.remainingNanos()).isEqualTo(Long.MAX_VALUE);
    assertThat(Deadline.NONE.passed()).isFalse();
  }

  @Test
  void oldConstructors_haveNoLimits_andKeepTheirMeaning() throws Exception {
    Ctx c = new Ctx(5, 6, new int[] {7, 8}, 9);
    assertThat(c.uid()).isEqualTo(5);
    assertThat(c.gid()).isEqualTo(6);
    assertThat(c.gids()).containsExactly(7, 8);
    assertThat(c.pid()).isEqualTo(9);
    assertThat(c.inGroup(8)).isTrue();
    assertThat(c.isRoot()).isFalse();
    assertThat(c.cancellation()).isSameAs(Cancellation.NONE);
    assertThat(c.deadline()).isSameAs(Deadline.NONE);
    c.checkCancelled();
    assertThat(Ctx.ROOT.isRoot()).isTrue();
    assertThat(Ctx.of(1, 2).gids()).isEmpty();
  }

  @Test
  void equality_isTheCallersIdentity_notTheLimits() {
    Cancellation t = Cancellation.create();
    Ctx plain = new Ctx(5, 6, new int[] {7}, 9);
    Ctx limited = plain.withCancellation(t).withTimeout(clock, Duration.ofSeconds(1));
    assertThat(limited).isEqualTo(plain).hasSameHashCodeAs(plain);
    assertThat(limited.withCancellation(Cancellation.NONE).cancellation()).isSameAs(Cancellation.NONE);
    assertThat(limited.uncancellable().cancellation()).isSameAs(Cancellation.NONE);
    assertThat(limited.uncancellable().deadline()).isSameAs(Deadline.NONE);
    assertThat(limited.uncancellable()).isEqualTo(plain);
    assertThat(new Ctx(5, 6, new int[] {7}, 10)).isNotEqualTo(plain);
  }

  @Test
  void await_returnsTheValue_orTheFailure() throws Exception {
    Ctx ctx = Ctx.ROOT.withCancellation(Cancellation.create());
    assertThat(ctx.await(CompletableFuture.completedFuture("v"))).isEqualTo("v");
    assertThatThrownBy(() -> ctx.await(CompletableFuture.failedFuture(new java.io.IOException("x")))).isInstanceOf(ExecutionException.class);
  }

  @Test
  void await_wakesWithEintr_whenCancelledWhileWaiting() throws Exception {
    Cancellation t = Cancellation.create();
    CountDownLatch waiting = new CountDownLatch(1);
    CompletableFuture<String> never = new CompletableFuture<>() {
      @Override
      public boolean isDone() {
        waiting.countDown();
        return super.isDone();
      }
    };
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread w = Thread.ofVirtual().start(() -> {
      try {
        Ctx.ROOT.withCancellation(t).await(never);
      } catch (Throwable e) {
        outcome.set(e);
      }
    });
    assertThat(waiting.await(60, TimeUnit.SECONDS)).isTrue();
    t.cancel();
    assertThat(w.join(Duration.ofSeconds(60))).isTrue();
    assertThat(outcome.get()).isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINTR));
    assertThat(never.isDone()).as("the shared future is left alone").isFalse();
  }

  @Test
  void await_wakesWithEtimedout_whenTheInjectedClockPassesTheDeadline() throws Exception {
    Ctx ctx = Ctx.ROOT.withTimeout(clock, Duration.ofSeconds(10));
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread w = Thread.ofVirtual().start(() -> {
      try {
        ctx.await(new CompletableFuture<>());
      } catch (Throwable e) {
        outcome.set(e);
      }
    });
    now.addAndGet(Duration.ofSeconds(11).toNanos());
    assertThat(w.join(Duration.ofSeconds(60))).isTrue();
    assertThat(outcome.get()).isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ETIMEDOUT));
  }

  @Test
  void callAs_bindsTheContextForTheCallOnly() throws Exception {
    Ctx limited = Ctx.of(7, 7).withCancellation(Cancellation.create());
    assertThat(Ctx.current()).isSameAs(Ctx.ROOT);
    assertThat(limited.callAs(Ctx::current)).isSameAs(limited);
    assertThat(Ctx.current()).isSameAs(Ctx.ROOT);
    assertThatThrownBy(() -> limited.callAs(() -> {
      throw new java.io.IOException("passes through");
    })).hasMessage("passes through");
  }
}
