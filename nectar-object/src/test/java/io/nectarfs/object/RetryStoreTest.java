package io.nectarfs.object;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryStoreTest {
  private final List<Duration> slept = new ArrayList<>();
  private final StoreOptions.Retry policy = new StoreOptions.Retry(6, Duration.ofMillis(100), Duration.ofMillis(500));

  /** A store whose head fails {@code failures} times with {@code error}, then succeeds. */
  private ObjectStore flaky(int failures, IOException error, AtomicInteger calls) {
    return new ForwardingStore(MemStore.named("")) {
      @Override
      public ObjectInfo head(String key) throws IOException {
        if (calls.incrementAndGet() <= failures) {
          throw error;
        }
        return new ObjectInfo(key, 1, java.time.Instant.EPOCH);
      }
    };
  }

  @Test
  void backoff_isFullJitterUnderACappedExponentialBound() throws IOException {
    AtomicInteger calls = new AtomicInteger();
    RetryStore s = new RetryStore(flaky(5, new TransientStoreException("503"), calls), policy, slept::add);
    assertThat(s.head("k").size()).isEqualTo(1);
    assertThat(calls).hasValue(6);
    assertThat(slept).hasSizeLessThanOrEqualTo(5); // zero delays are skipped
    long[] bounds = {100, 200, 400, 500, 500};
    RetryStore probe = new RetryStore(MemStore.named(""), policy, d -> {});
    for (int attempt = 1; attempt <= 5; attempt++) {
      long max = 0;
      for (int i = 0; i < 2000; i++) {
        Duration d = probe.delay(attempt);
        assertThat(d).isBetween(Duration.ZERO, Duration.ofMillis(bounds[attempt - 1]));
        max = Math.max(max, d.toMillis());
      }
      assertThat(max).as("jitter spreads up to the bound of attempt %d", attempt).isGreaterThan(bounds[attempt - 1] * 8 / 10);
    }
  }

  @Test
  void socketTimeoutCauses_areTransient_othersAreNot() throws IOException {
    AtomicInteger calls = new AtomicInteger();
    RetryStore s = new RetryStore(flaky(2, new IOException("wrapped", new SocketTimeoutException("read timed out")), calls), policy, slept::add);
    s.head("k");
    assertThat(calls).hasValue(3);

    AtomicInteger calls2 = new AtomicInteger();
    RetryStore p = new RetryStore(flaky(2, new IOException("permission denied"), calls2), policy, slept::add);
    assertThatThrownBy(() -> p.head("k")).hasMessage("permission denied");
    assertThat(calls2).hasValue(1);

    AtomicInteger calls3 = new AtomicInteger();
    RetryStore c = new RetryStore(flaky(9, new CorruptObjectException("k", "bad"), calls3), policy, slept::add);
    assertThatThrownBy(() -> c.head("k")).isInstanceOf(CorruptObjectException.class);
    assertThat(calls3).hasValue(1);
  }

  @Test
  void exhaustedRetries_sayHowManyAttempts() {
    AtomicInteger calls = new AtomicInteger();
    RetryStore s = new RetryStore(flaky(100, new TransientStoreException("slow down"), calls), policy, slept::add);
    assertThatThrownBy(() -> s.head("k")).hasMessage("head k failed after 6 attempts: slow down");
    assertThat(calls).hasValue(6);
  }

  @Test
  void cancelledCaller_stopsRetryingAfterTheAttemptUnderWay() throws IOException {
    AtomicInteger calls = new AtomicInteger();
    io.nectarfs.common.Cancellation token = io.nectarfs.common.Cancellation.create();
    io.nectarfs.common.Ctx ctx = io.nectarfs.common.Ctx.ROOT.withCancellation(token);
    // the caller is cancelled while its first attempt is under way (and fails)
    ObjectStore cancelling = new ForwardingStore(flaky(5, new TransientStoreException("503"), calls)) {
      @Override
      public ObjectInfo head(String key) throws IOException {
        token.cancel();
        return next.head(key);
      }
    };
    RetryStore s = new RetryStore(cancelling, policy, slept::add);
    assertThatThrownBy(() -> ctx.callAs(() -> s.head("k")))
        .isInstanceOfSatisfying(io.nectarfs.common.FsException.class, e -> assertThat(e.errno()).isEqualTo(io.nectarfs.common.Errno.EINTR));
    assertThat(calls).as("no attempt after the cancellation").hasValue(1);
    // outside a caller's scope (uploads, shared fetches) nothing stops the retries
    AtomicInteger calls2 = new AtomicInteger();
    RetryStore bg = new RetryStore(flaky(5, new TransientStoreException("503"), calls2), policy, slept::add);
    assertThat(bg.head("k").size()).isEqualTo(1);
    assertThat(calls2).hasValue(6);
  }
}
