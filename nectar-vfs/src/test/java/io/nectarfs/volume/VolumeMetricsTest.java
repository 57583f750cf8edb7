package io.nectarfs.volume;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Metrics;
import io.nectarfs.common.Secrets;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.meta.Format;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One registry for every layer of a volume: what a known workload did shows in the meta, object, chunk and VFS meters. */
class VolumeMetricsTest {
  private static final Secrets NO_SECRETS = new Secrets(Map.of());
  @TempDir Path tmp;

  private String format() throws IOException {
    String metaUrl = "sqlite3://" + tmp.resolve("meta.db");
    Format wanted = Format.builder("vol", "file://" + tmp.resolve("store")).blockSize(64 << 10).createdMillis(System.currentTimeMillis()).build();
    Volumes.format(metaUrl, wanted, FormatRequest.defaults().withSecrets(NO_SECRETS));
    return metaUrl;
  }

  private static void await(BooleanSupplier cond, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!cond.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void everyLayerRecordsInTheProcessRegistry_withVolumeAndMountpointTags() throws Exception {
    String metaUrl = format();
    Metrics metrics = Metrics.create();
    MeterRegistry r = metrics.registry();
    byte[] data = "x".repeat(5000).getBytes(StandardCharsets.UTF_8);
    VolumeOptions o = VolumeOptions.defaults().withSecrets(NO_SECRETS).withCache(CacheOptions.memoryOnly(16L << 20))
        .withClientName("/mnt/metrics-test").withHeartbeat(Duration.ofMillis(50)).withMetrics(metrics);
    long chunkPuts;
    try (Volume v = Volume.open(metaUrl, o)) {
      assertThat(v.metrics()).isSameAs(metrics);
      FileSystem fs = v.fileSystem();
      fs.writeAll(Ctx.ROOT, "/f", data);
      assertThat(fs.readAll(Ctx.ROOT, "/f")).isEqualTo(data);
      fs.stat(Ctx.ROOT, "/f", true);
      fs.unlink(Ctx.ROOT, "/f");
      await(() -> r.get("nectar_meta_session_heartbeats").counter().count() >= 1, "a heartbeat");
    }
    chunkPuts = 1; // one 5000-byte block
    // VFS
    assertThat(metrics.findLatency("nectar_vfs_op", "op", "unlink").orElseThrow().count()).isEqualTo(1);
    assertThat(r.get("nectar_vfs_write_bytes").counter().count()).isEqualTo(data.length);
    assertThat(r.get("nectar_vfs_read_bytes").counter().count()).isEqualTo(data.length);
    // metadata: every transaction timed, the engine named by its scheme
    assertThat(metrics.findLatency("nectar_meta_txn", "op", "txn", "engine", "sqlite3").orElseThrow().count()).isPositive();
    // object storage: the block written once, its bytes
    assertThat(metrics.findLatency("nectar_object_request", "op", "put").orElseThrow().count()).isEqualTo(chunkPuts);
    assertThat(r.get("nectar_object_written_bytes").counter().count()).isEqualTo(data.length);
    // chunk store: the read after the write hit the memory cache or went to storage, nothing else
    double hits = r.get("nectar_chunk_cache_hits").tag("tier", "memory").counter().count();
    double misses = r.get("nectar_chunk_cache_misses").counter().count();
    assertThat(hits + misses).isPositive();
    String text = metrics.scrape();
    assertThat(text).contains("nectar_vfs_op_seconds_count{mountpoint=\"/mnt/metrics-test\",op=\"unlink\",volume=\"vol\"} 1");
  }
}
