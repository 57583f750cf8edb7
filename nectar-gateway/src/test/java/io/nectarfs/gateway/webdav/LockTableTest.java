package io.nectarfs.gateway.webdav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.nectarfs.common.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LockTableTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final Clock clock = new Clock() {
    @Override
    public long nowNanos() {
      return now.get();
    }

    @Override
    public long monotonicNanos() {
      return now.get();
    }
  };
  private final LockTable locks = new LockTable(clock);

  private static int status(Throwable e) {
    return ((DavException) e).status();
  }

  @Test
  void exclusiveLock_conflictsWithAnyOther_sharedLocksCoexist() throws Exception {
    locks.lock("/a", false, true, null, 60);
    assertThatThrownBy(() -> locks.lock("/a", false, false, null, 60)).satisfies(e -> assertThat(status(e)).isEqualTo(423));
    locks.lock("/s", false, false, null, 60);
    locks.lock("/s", false, false, null, 60);
    assertThat(locks.covering("/s")).hasSize(2);
    assertThatThrownBy(() -> locks.lock("/s", false, true, null, 60)).satisfies(e -> assertThat(status(e)).isEqualTo(423));
  }

  @Test
  void infiniteDepth_coversTheTree_andConflictsWithLocksBelow() throws Exception {
    LockTable.Lock l = locks.lock("/d", true, true, null, 60);
    assertThat(locks.covering("/d/x/y")).containsExactly(l);
    assertThat(locks.covering("/dx")).isEmpty();
    assertThatThrownBy(() -> locks.lock("/d/x", false, true, null, 60)).satisfies(e -> assertThat(status(e)).isEqualTo(423));
    locks.lock("/e/x", false, true, null, 60);
    assertThatThrownBy(() -> locks.lock("/e", true, true, null, 60)).satisfies(e -> assertThat(status(e)).isEqualTo(423));
  }

  @Test
  void writes_needTheTokenOfTheTargetsParentAndTree() throws Exception {
    LockTable.Lock dir = locks.lock("/d", false, true, null, 60);
    // adding a member changes the depth-0 locked collection
    assertThatThrownBy(() -> locks.checkWrite("/d/new", false, Set.of())).satisfies(e -> assertThat(status(e)).isEqualTo(423));
    assertThatCode(() -> locks.checkWrite("/d/new", false, Set.of(dir.token()))).doesNotThrowAnyException();
    // a grandchild is not covered by a depth-0 lock
    assertThatCode(() -> locks.checkWrite("/d/x/y", false, Set.of())).doesNotThrowAnyException();
    // deleting an ancestor needs the tokens below
    assertThatThrownBy(() -> locks.checkWrite("/", true, Set.of())).satisfies(e -> assertThat(status(e)).isEqualTo(423));
  }

  @Test
  void locksExpireOnTheClock_andRefreshExtendsThem() throws Exception {
    LockTable.Lock l = locks.lock("/f", false, true, null, 10);
    assertThat(l.secondsLeft(clock)).isEqualTo(10);
    now.addAndGet(9_000_000_000L);
    locks.refresh("/f", l.token(), 10);
    now.addAndGet(9_000_000_000L);
    assertThat(locks.get(l.token())).isNotNull();
    now.addAndGet(1_000_000_000L);
    assertThat(locks.get(l.token())).isNull();
    assertThat(locks.covering("/f")).isEmpty();
    assertThatCode(() -> locks.lock("/f", false, true, null, 10)).doesNotThrowAnyException();
  }

  @Test
  void timeoutsAreClamped_andUnlockChecksTheResource() throws Exception {
    LockTable.Lock l = locks.lock("/g", true, true, null, 0);
    assertThat(l.timeoutSeconds()).isEqualTo(LockTable.MAX_TIMEOUT_SECONDS);
    assertThatThrownBy(() -> locks.unlock("/other", l.token())).satisfies(e -> assertThat(status(e)).isEqualTo(409));
    locks.unlock("/g/member", l.token()); // a member of a depth-infinity lock names it too
    assertThat(locks.size()).isZero();
  }

  @Test
  void removeBelow_dropsLocksOfADeletedTree() throws Exception {
    locks.lock("/t/a", false, true, null, 60);
    locks.lock("/t/b/c", false, false, null, 60);
    locks.lock("/u", false, true, null, 60);
    locks.removeBelow("/t");
    assertThat(locks.size()).isEqualTo(1);
    assertThat(locks.covering("/u")).extracting(LockTable.Lock::root).isEqualTo(List.of("/u"));
  }
}
