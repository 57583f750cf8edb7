package io.nectarfs.testkit.meta;

import io.nectarfs.common.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock tests move by hand: starts at the real time, advances only when told. */
public final class TestClock implements Clock {
  private final AtomicLong nanos = new AtomicLong(SYSTEM.nowNanos());

  @Override
  public long nowNanos() {
    return nanos.get();
  }

  public void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }
}
