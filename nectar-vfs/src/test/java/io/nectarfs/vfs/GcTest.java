package io.nectarfs.vfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.chunk.BlockKeys;
import io.nectarfs.common.Clock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gc's grace period is decided on the injected clock. */
class GcTest {
  @TempDir Path tmp;

  @Test
  void anUnreferencedObject_isALeakOnlyOnceOlderThanTheGracePeriod() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    AtomicLong now = new AtomicLong(Clock.SYSTEM.nowNanos());
    Clock clock = now::get;
    Duration grace = Duration.ofHours(1);
    try (var c = h.client()) {
      String key = BlockKeys.key(999_999, 0, 3); // no slice refers to it
      c.store().put(key, new byte[] {1, 2, 3});
      assertThat(Gc.run(c.meta(), c.store(), grace, true, n -> {}, clock).leakedObjects()).as("young: left alone").isZero();
      now.addAndGet(grace.plusMinutes(1).toNanos());
      Gc.Report r = Gc.run(c.meta(), c.store(), grace, true, n -> {}, clock);
      assertThat(r.leakedObjects()).isEqualTo(1);
      assertThat(r.samples()).containsExactly(key);
      assertThat(r.deleted()).isEqualTo(1);
    }
  }
}
