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
}
