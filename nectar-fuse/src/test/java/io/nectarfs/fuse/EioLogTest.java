package io.nectarfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Errno;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Issue #12 trap: writes failed with EIO and the log said nothing. */
class EioLogTest {
  private final AtomicLong now = new AtomicLong(1_000);
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
  private final List<String> logged = new ArrayList<>();
  private final EioLog log = new EioLog(clock, Duration.ofSeconds(10), logged::add);

  @Test
  void everyEio_isReportedWithItsCause_rateLimitedPerOperation() {
    IOException cause = new IOException("put chunks/1_0_4: access denied at s3://AKIA:topsecret@host/bucket",
        new IOException("HTTP 403 Forbidden"));
    log.failed("WRITE", Errno.EIO.exception("writing inode 7: " + cause.getMessage()));
    assertThat(logged).hasSize(1);
    assertThat(logged.getFirst()).contains("WRITE failed, answering EIO", "writing inode 7", "access denied").doesNotContain("topsecret");
    log.failed("FSYNC", cause);
    assertThat(logged.getLast()).as("the whole cause chain").contains("FSYNC", "access denied", "caused by HTTP 403 Forbidden");
    for (int i = 0; i < 1000; i++) {
      log.failed("WRITE", cause);
    }
    log.failed("FLUSH", cause);
    assertThat(logged).as("a failing store does not flood the log; another op is reported at once").hasSize(3);
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    log.failed("WRITE", new IOException("connection reset"));
    assertThat(logged).hasSize(4);
    assertThat(logged.getLast()).contains("connection reset", "1000 more WRITE failure(s)");
  }
}
