package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.PromText;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code nectar stats} computes from two scrapes: deltas, rates, mean, bucket percentiles. */
class StatsDeltaTest {
  private static final String BEFORE = """
      nectar_vfs_op_seconds_bucket{op="create",le="0.001"} 0
      nectar_vfs_op_seconds_bucket{op="create",le="0.01"} 0
      nectar_vfs_op_seconds_bucket{op="create",le="+Inf"} 0
      nectar_vfs_op_seconds_count{op="create"} 0
      nectar_vfs_op_seconds_sum{op="create"} 0
      nectar_vfs_op_seconds_bucket{op="read",le="0.001"} 5
      nectar_vfs_op_seconds_bucket{op="read",le="0.01"} 5
      nectar_vfs_op_seconds_bucket{op="read",le="+Inf"} 5
      nectar_vfs_op_seconds_count{op="read"} 5
      nectar_vfs_op_seconds_sum{op="read"} 0.002
      nectar_vfs_write_bytes_total 100
      nectar_chunk_cache_hits_total{tier="memory"} 1
      nectar_chunk_cache_misses_total 1
      nectar_chunk_staging_blocks 9
      """;
  private static final String AFTER = """
      nectar_vfs_op_seconds_bucket{op="create",le="0.001"} 10
      nectar_vfs_op_seconds_bucket{op="create",le="0.01"} 20
      nectar_vfs_op_seconds_bucket{op="create",le="+Inf"} 20
      nectar_vfs_op_seconds_count{op="create"} 20
      nectar_vfs_op_seconds_sum{op="create"} 0.1
      nectar_vfs_op_seconds_bucket{op="read",le="0.001"} 5
      nectar_vfs_op_seconds_bucket{op="read",le="0.01"} 5
      nectar_vfs_op_seconds_bucket{op="read",le="+Inf"} 5
      nectar_vfs_op_seconds_count{op="read"} 5
      nectar_vfs_op_seconds_sum{op="read"} 0.002
      nectar_vfs_write_bytes_total 4196
      nectar_chunk_cache_hits_total{tier="memory"} 4
      nectar_chunk_cache_hits_total{tier="disk"} 2
      nectar_chunk_cache_misses_total 3
      nectar_chunk_staging_blocks 2
      """;

  @Test
  void countsRatesMeanAndPercentiles_overTheInterval() {
    StatsDelta d = new StatsDelta(PromText.parse(BEFORE), PromText.parse(AFTER), 2.0);
    StatsDelta.Layer vfs = d.layer("nectar_vfs_op_seconds");
    assertThat(vfs.ops()).isEqualTo(20);
    assertThat(vfs.byOp()).isEqualTo(Map.of("create", 20L)); // read did nothing in the interval
    assertThat(vfs.mean()).isCloseTo(0.005, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(vfs.p50()).isCloseTo(0.001, org.assertj.core.data.Offset.offset(1e-12)); // rank 10 = top of the first bucket
    assertThat(vfs.p99()).isCloseTo(0.001 + 0.009 * 9.8 / 10, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(d.layer("nectar_fuse_request_seconds").ops()).isZero();
    assertThat(d.layer("nectar_fuse_request_seconds").mean()).isNaN();
    assertThat(d.writtenBytes()).isEqualTo(4096);
    assertThat(d.cacheHits()).isEqualTo(5);
    assertThat(d.cacheMisses()).isEqualTo(2);
    String json = d.json();
    assertThat(json).startsWith("{").endsWith("}").doesNotContain("\n")
        .contains("\"vfs\":{\"ops\":20,", "\"by_op\":{\"create\":20}", "\"written_bytes\":4096", "\"staging_blocks\":2",
            "\"fuse\":{\"ops\":0,", "\"mean_seconds\":null");
    assertThat(d.text()).contains("vfs", "10.0", "cache hit 71.4%", "staging 2 blocks");
  }

  @Test
  void aCacheGroupMember_getsItsOwnLine_andJsonObject_onlyWhenInAGroup() {
    String before = """
        nectar_cache_group_members 3
        nectar_chunk_read_bytes_total{source="peer"} 1048576
        nectar_chunk_read_bytes_total{source="object"} 5
        nectar_chunk_peer_fallbacks_total{reason="error"} 1
        nectar_cache_server_bytes_served_total 0
        nectar_cache_peer_errors_total{cause="lost",peer="a:1"} 0
        """;
    String after = """
        nectar_cache_group_members 4
        nectar_chunk_read_bytes_total{source="peer"} 5242880
        nectar_chunk_read_bytes_total{source="object"} 7
        nectar_chunk_peer_fallbacks_total{reason="error"} 3
        nectar_cache_server_bytes_served_total 2097152
        nectar_cache_peer_errors_total{cause="lost",peer="a:1"} 2
        """;
    StatsDelta d = new StatsDelta(PromText.parse(before), PromText.parse(after), 2.0);
    assertThat(d.json()).contains("\"cache_group\":{\"members\":4,\"peer_read_bytes\":4194304,\"fallbacks\":2,\"served_bytes\":2097152,\"peer_errors\":2}");
    assertThat(d.text()).contains("cache group: 4 member(s)  from peers 2.0 MiB/s  fallbacks 2  served 1.0 MiB/s  peer errors 2");
    StatsDelta alone = new StatsDelta(PromText.parse(BEFORE), PromText.parse(AFTER), 2.0);
    assertThat(alone.json()).doesNotContain("cache_group");
    assertThat(alone.text()).doesNotContain("cache group");
  }
}
