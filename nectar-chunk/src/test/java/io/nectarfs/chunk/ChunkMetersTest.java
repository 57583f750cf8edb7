package io.nectarfs.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.nectarfs.common.Clock;
import io.nectarfs.common.Metrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ChunkMeters}: hits per tier, misses, bytes per source, evictions and read-ahead equal what was done. */
class ChunkMetersTest {
  static final int BS = 64 << 10;
  @TempDir Path tmp;
  private final Metrics metrics = Metrics.create();
  private final MeterRegistry r = metrics.registry();

  private double count(String name, String tag, String value) {
    return r.get(name).tag(tag, value).counter().count();
  }

  @Test
  void memoryTier_hitsMissesBytesAndEvictions() throws Exception {
    byte[] data = ChunkTesting.random(new Random(1), 2 * BS);
    ChunkConfig oneBlockCache = new ChunkConfig(BS, 64L << 20, 4, 4, List.of(), 0, 0, false, BS, false, 0, Duration.ZERO);
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.mem(), oneBlockCache, Clock.SYSTEM, metrics)) {
      ChunkTesting.writeSlice(cs, 5, data);
      ChunkTesting.read(cs, 5, data.length, 0, BS); // miss, cached
      ChunkTesting.read(cs, 5, data.length, 0, BS); // memory hit
      ChunkTesting.read(cs, 5, data.length, BS, BS); // miss, cached, evicts block 0
      assertThat(r.get("nectar_chunk_cache_misses").counter().count()).isEqualTo(2);
      assertThat(count("nectar_chunk_cache_hits", "tier", "memory")).isEqualTo(1);
      assertThat(count("nectar_chunk_cache_hits", "tier", "disk")).isZero();
      assertThat(count("nectar_chunk_read_bytes", "source", "object")).isEqualTo(2 * BS);
      assertThat(count("nectar_chunk_read_bytes", "source", "memory")).isEqualTo(BS);
      assertThat(r.get("nectar_chunk_cache_evictions").tag("tier", "memory").functionCounter().count()).isEqualTo(1);
      assertThat(r.get("nectar_chunk_memory_cache_bytes").gauge().value()).isEqualTo(BS);
      assertThat(cs.stats().cacheMisses()).isEqualTo(2);
    }
  }

  @Test
  void diskTier_hits() throws Exception {
    byte[] data = ChunkTesting.random(new Random(2), BS);
    ChunkConfig disk = ChunkTesting.diskCache(BS, List.of(tmp.resolve("cache")), 1L << 30); // caches on write
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.mem(), disk, Clock.SYSTEM, metrics)) {
      ChunkTesting.writeSlice(cs, 6, data);
      ChunkTesting.await(() -> r.get("nectar_chunk_disk_cache_blocks").gauge().value() == 1, Duration.ofSeconds(30)); // cached after upload
      ChunkTesting.read(cs, 6, data.length, 0, 100);
      assertThat(count("nectar_chunk_cache_hits", "tier", "disk")).isEqualTo(1);
      assertThat(count("nectar_chunk_read_bytes", "source", "disk")).isEqualTo(100);
      assertThat(r.get("nectar_chunk_cache_misses").counter().count()).isZero();
    }
  }

  @Test
  void readAhead_countsTheBlocksQueued() throws Exception {
    byte[] data = ChunkTesting.random(new Random(3), 3 * BS);
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.mem(), ChunkTesting.memCache(BS), Clock.SYSTEM, metrics)) {
      ChunkTesting.writeSlice(cs, 7, data);
      cs.prefetch(7, data.length, 0, data.length);
      assertThat(r.get("nectar_chunk_readahead_blocks").counter().count()).isEqualTo(3);
      ChunkTesting.await(() -> count("nectar_chunk_read_bytes", "source", "object") == 3 * BS, Duration.ofSeconds(30));
    }
  }
}
