package io.nectarfs.meta.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.Slice;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.MetaRoundTrips;
import io.nectarfs.testkit.RoundTripProxy;
import java.io.OutputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Whole-volume scans on Redis take a few round trips per thousand keys, not several per key (the
 * fsck of a 45,000-inode volume used to run at about 150 Redis operations a second and never
 * finished). Round trips are counted by a relay in front of Redis, so the bound is deterministic.
 */
class RedisBulkScanTest {
  private static final int DIRS = 20;
  private static final int FILES_PER_DIR = 100;
  private static final int INODES = DIRS * (FILES_PER_DIR + 1);

  @Test
  void fsckDumpGcSummaryAndQuotaCheck_useFarFewerRoundTripsThanInodes() throws Exception {
    String base = RedisTestSupport.url(RedisTestSupport.uniquePrefix());
    try {
      run(base);
    } finally {
      try (TxnKv cleanup = MetaEngines.registry().open(base, new Secrets(Map.of()))) {
        cleanup.reset();
      }
    }
  }

  private static void run(String base) throws Exception {
    try (RoundTripProxy proxy = RoundTripProxy.inFrontOf(base);
        TxnKv kv = MetaEngines.registry().open(proxy.via(base), new Secrets(Map.of()))) {
      kv.reset();
      try (MetaClient m = MetaRoundTrips.formatAndOpen(kv, "scan-vol")) {
        MetaAdmin admin = new MetaAdmin(m);
        long firstDir = 0;
        for (int d = 0; d < DIRS; d++) {
          long dir = m.mkdir(Ctx.ROOT, Meta.ROOT, "d" + d, 0755, 0).ino();
          firstDir = d == 0 ? dir : firstDir;
          for (int f = 0; f < FILES_PER_DIR; f++) {
            long ino = m.mknod(Ctx.ROOT, dir, "f" + f, FileType.FILE, 0644, 0, 0).ino();
            if (f % 10 == 0) {
              m.write(Ctx.ROOT, ino, 0, new Slice(0, m.newSliceId(), 100, 0, 100), 1);
            }
          }
        }
        admin.setQuota(firstDir, 0, 1_000_000);
        long limit = INODES / 10;

        long before = proxy.trips();
        assertThat(m.check()).isEmpty();
        assertThat(proxy.trips() - before).as("round trips of fsck over %d inodes", INODES).isLessThan(limit);

        before = proxy.trips();
        admin.dump(OutputStream.nullOutputStream(), false, s -> {});
        assertThat(proxy.trips() - before).as("round trips of dump").isLessThan(limit);

        before = proxy.trips();
        assertThat(m.referencedSlices()).hasSize(DIRS * FILES_PER_DIR / 10);
        assertThat(proxy.trips() - before).as("round trips of gc's reference scan").isLessThan(limit);

        before = proxy.trips();
        assertThat(admin.summary(Meta.ROOT).inodes()).isEqualTo(INODES);
        assertThat(proxy.trips() - before).as("round trips of summary").isLessThan(limit);

        before = proxy.trips();
        assertThat(admin.checkQuotas(null, false).values()).singleElement().satisfies(s -> assertThat(s.inodes()).isEqualTo(FILES_PER_DIR));
        assertThat(proxy.trips() - before).as("round trips of quota check").isLessThan(limit);
      }
    }
  }

  /**
   * Redis bulk reads are no snapshot while a client writes; what such a writer leaves half-way
   * (an entry seen in two directories or none, statistics a step behind their entries, counters
   * mid-change) must never be reported as damage.
   */
  @Test
  void fsckWhileAnotherClientWrites_reportsNothing() throws Exception {
    String url = RedisTestSupport.url(RedisTestSupport.uniquePrefix());
    try (TxnKv kv = MetaEngines.registry().open(url, new Secrets(Map.of()))) {
      kv.reset();
      MetaClient.format(kv, Format.builder("busy-vol", "mem://busy").checksum(false).createdMillis(System.currentTimeMillis())
          .storageLayout(Format.LAYOUT_NAME).build(), false, io.nectarfs.common.Clock.SYSTEM);
    }
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicLong ops = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.CountDownLatch writing = new java.util.concurrent.CountDownLatch(3);
    try (MetaClient checker = MetaClient.open(MetaEngines.registry().open(url, new Secrets(Map.of())), MetaConfig.defaults().withBackground(false));
        MetaClient writer = MetaClient.open(MetaEngines.registry().open(url, new Secrets(Map.of())), MetaConfig.defaults().withBackground(false))) {
      long[] dirs = new long[10];
      for (int d = 0; d < dirs.length; d++) {
        dirs[d] = writer.mkdir(Ctx.ROOT, Meta.ROOT, "d" + d, 0755, 0).ino();
        for (int f = 0; f < 30; f++) {
          writer.mknod(Ctx.ROOT, dirs[d], "f" + f, FileType.FILE, 0644, 0, 0);
        }
      }
      writer.mknod(Ctx.ROOT, dirs[0], "moving", FileType.FILE, 0644, 0, 0);
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
      java.util.concurrent.Future<Void> w = pool.submit(() -> {
        for (long i = 0; !stop.get(); i++) {
          boolean even = i % 2 == 0;
          // A file moves between the first and the last directory, a directory comes and goes
          // (parent nlink), a file is created and removed (statistics and counters).
          writer.rename(Ctx.ROOT, even ? dirs[0] : dirs[9], "moving", even ? dirs[9] : dirs[0], "moving", 0);
          if (even) {
            writer.mkdir(Ctx.ROOT, dirs[3], "sub", 0755, 0);
            writer.mknod(Ctx.ROOT, dirs[5], "tmp", FileType.FILE, 0644, 0, 0);
          } else {
            writer.rmdir(Ctx.ROOT, dirs[3], "sub");
            writer.unlink(Ctx.ROOT, dirs[5], "tmp");
          }
          ops.incrementAndGet();
          writing.countDown();
        }
        return null;
      });
      assertThat(writing.await(5, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
      try {
        for (int round = 0; round < 3; round++) {
          assertThat(checker.check()).as("check %d while a client writes", round).isEmpty();
        }
      } finally {
        stop.set(true);
        w.get(5, java.util.concurrent.TimeUnit.MINUTES);
        pool.close();
      }
      assertThat(ops.get()).isPositive();
      assertThat(checker.check()).isEmpty();
    } finally {
      try (TxnKv cleanup = MetaEngines.registry().open(url, new Secrets(Map.of()))) {
        cleanup.reset();
      }
    }
  }
}
