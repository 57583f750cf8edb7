package io.nectarfs.vfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.chunk.ChunkConfig;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Secrets;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.object.FaultInjector;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With the object store failing or slow, I/O retries, then fails with EIO; nothing acknowledged is lost. */
class FaultTest {
  @TempDir Path tmp;
  private final Ctx ctx = Ctx.ROOT;

  private VfsHarness harness() throws Exception {
    String name = "faults-" + UUID.randomUUID();
    StoreOptions opts = StoreOptions.raw()
        .withRetry(new StoreOptions.Retry(4, Duration.ofMillis(1), Duration.ofMillis(5)))
        .withFaults(new StoreOptions.Faults(0, Duration.ZERO, 0, 7));
    return new VfsHarness(tmp, "mem://" + name, "mem://" + name, opts, new Secrets(Map.of()), 64 << 10);
  }

  private static ChunkConfig noCache(int blockSize) {
    return new ChunkConfig(blockSize, 32L << 20, 4, 2, java.util.List.of(), 0, 0, false, 0, false, 0, Duration.ZERO);
  }

  @Test
  void transientFailures_areRetriedToSuccess() throws Exception {
    VfsHarness h = harness();
    try (var c = h.client(noCache(h.blockSize), VfsConfig.defaults())) {
      FaultInjector f = ObjectStores.faultInjector(c.store()).orElseThrow();
      f.setErrorRate(0.3);
      FileSystem fs = new FileSystem(c.vfs());
      byte[] data = new byte[1 << 20];
      new Random(1).nextBytes(data);
      fs.writeAll(ctx, "/f", data);
      assertThat(fs.readAll(ctx, "/f")).isEqualTo(data);
      assertThat(f.injectedErrors()).as("faults were injected").isPositive();
    }
  }

  @Test
  void persistentFailures_endInEio_andAcknowledgedDataSurvives() throws Exception {
    VfsHarness h = harness();
    byte[] safe = new byte[300_000];
    new Random(2).nextBytes(safe);
    try (var c = h.client(noCache(h.blockSize), VfsConfig.defaults())) {
      FileSystem fs = new FileSystem(c.vfs());
      fs.writeAll(ctx, "/safe", safe);
      FaultInjector f = ObjectStores.faultInjector(c.store()).orElseThrow();
      f.setErrorRate(1.0);
      assertThatThrownBy(() -> fs.writeAll(ctx, "/doomed", new byte[200_000]))
          .isInstanceOf(FsException.class).matches(e -> ((FsException) e).errno() == Errno.EIO);
      assertThatThrownBy(() -> fs.readAll(ctx, "/safe"))
          .isInstanceOf(java.io.IOException.class);
      f.setErrorRate(0);
      assertThat(fs.readAll(ctx, "/safe")).isEqualTo(safe);
      assertThat(fs.stat(ctx, "/doomed").attr().length()).as("nothing uncommitted is visible").isZero();
      assertThat(c.meta().check()).isEmpty();
    }
  }

  @Test
  void slowStore_stillCorrect() throws Exception {
    String name = "slow-" + UUID.randomUUID();
    StoreOptions opts = StoreOptions.raw().withFaults(new StoreOptions.Faults(0, Duration.ofMillis(5), 0, 1));
    VfsHarness h = new VfsHarness(tmp, "mem://" + name, "mem://" + name, opts, new Secrets(Map.of()), 64 << 10);
    try (var c = h.client(noCache(h.blockSize), VfsConfig.defaults())) {
      FileSystem fs = new FileSystem(c.vfs());
      byte[] data = new byte[2 << 20];
      new Random(3).nextBytes(data);
      fs.writeAll(ctx, "/f", data);
      assertThat(Arrays.equals(fs.readAll(ctx, "/f"), data)).isTrue();
    }
  }
}
