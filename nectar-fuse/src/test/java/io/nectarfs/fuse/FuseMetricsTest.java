package io.nectarfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.nectarfs.common.Metrics;
import io.nectarfs.fuse.wire.Opcode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link FuseMeters}: per-opcode counts equal the requests the server received; errors counted. */
class FuseMetricsTest {
  @Test
  void perOpcodeCounts_equalTheRequests() throws Exception {
    Mounted.requireFuse();
    Metrics metrics = Metrics.create();
    MeterRegistry r = metrics.registry();
    Path dir = Mounted.newDir();
    try (FuseServer s = FuseServer.mount(new MemVfs(), dir, MountOptions.builder().volumeName("m").build(), metrics)) {
      assertThat(s.awaitInit(Duration.ofSeconds(10))).isTrue();
      Files.writeString(dir.resolve("a"), "hello");
      assertThat(Files.readString(dir.resolve("a"))).isEqualTo("hello");
      Files.delete(dir.resolve("a"));
      assertThat(Files.exists(dir.resolve("missing"))).isFalse(); // a LOOKUP answered ENOENT
      assertThat(metrics.findLatency("nectar_fuse_request", "op", "unlink").orElseThrow().count()).isEqualTo(1).isEqualTo(s.requests(Opcode.UNLINK));
      assertThat(metrics.findLatency("nectar_fuse_request", "op", "create").orElseThrow().count()).isEqualTo(s.requests(Opcode.CREATE));
      assertThat(metrics.findLatency("nectar_fuse_request", "op", "write").orElseThrow().count()).isPositive().isEqualTo(s.requests(Opcode.WRITE));
      assertThat(r.get("nectar_fuse_errors").tag("op", "lookup").counter().count()).isPositive();
      assertThat(r.get("nectar_fuse_errors").tag("op", "unlink").counter().count()).isZero();
      assertThat(metrics.scrape()).contains("# TYPE nectar_fuse_request_seconds histogram");
    } finally {
      Mounted.cleanup(dir);
    }
  }

  /**
   * A successor's warm-up registers the per-opcode meters ahead of its server (out of the
   * takeover's pause) but no gauge, which would keep reading the throwaway server; the server that
   * then serves records into the same meters and registers its gauges.
   */
  @Test
  void warmUp_registersThePerOpcodeMeters_notTheGauges() throws Exception {
    Mounted.requireFuse();
    Metrics metrics = Metrics.create();
    MeterRegistry r = metrics.registry();
    Path dir = Mounted.newDir();
    MemVfs vfs = new MemVfs();
    MountOptions options = MountOptions.builder().volumeName("m").build();
    FuseServer.warmUp(vfs, dir, options, metrics);
    var lookups = metrics.findLatency("nectar_fuse_request", "op", "lookup");
    assertThat(lookups).as("registered by the warm-up").isPresent();
    assertThat(r.find("nectar_fuse_errors").tag("op", "lookup").counter()).isNotNull();
    assertThat(r.find("nectar_fuse_inflight_requests").gauge()).as("no gauge of the throwaway server").isNull();
    assertThat(r.find("nectar_fuse_takeover_pause_seconds").gauge()).isNull();
    try (FuseServer s = FuseServer.mount(vfs, dir, options, metrics)) {
      assertThat(s.awaitInit(Duration.ofSeconds(10))).isTrue();
      assertThat(Files.exists(dir.resolve("missing"))).isFalse();
      assertThat(lookups.get().count()).as("the serving server records into the meters the warm-up registered").isPositive()
          .isEqualTo(s.requests(Opcode.LOOKUP));
      assertThat(r.find("nectar_fuse_inflight_requests").gauge()).isNotNull();
    } finally {
      Mounted.cleanup(dir);
    }
  }
}
