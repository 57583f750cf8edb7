package io.nectarfs.chunk;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nectarfs.common.Metrics;
import java.util.function.ToDoubleFunction;

/**
 * The chunk store's meters, registered once per store: cache hits per tier ({@code
 * nectar_chunk_cache_hits_total{tier=memory|disk}}, staged blocks count as disk), misses, bytes
 * served per source, read-ahead blocks queued, evictions per tier, and gauges of the memory
 * budget, the disk cache, and the writeback staging queue (depth and age of its oldest block).
 * With a {@link BlockSource}: bytes it answered ({@code nectar_chunk_read_bytes_total{source=peer}})
 * and why reads fell back to the object store ({@code
 * nectar_chunk_peer_fallbacks_total{reason=miss|error|timeout|length}}); as a cache group member,
 * the peer requests refused because the disk cache takes no new blocks ({@code
 * nectar_chunk_peer_refused_total{reason=cache_full|no_cache}}).
 *
 * <p>Concurrency: immutable after construction; counters are thread-safe; gauges read the
 * store's own thread-safe accessors at scrape time.
 */
final class ChunkMeters {
  final Counter memHits;
  final Counter diskHits;
  final Counter misses;
  final Counter memBytes;
  final Counter diskBytes;
  final Counter objectBytes;
  final Counter peerBytes;
  final Counter fallbackMiss;
  final Counter fallbackError;
  final Counter fallbackTimeout;
  final Counter fallbackLength;
  final Counter refusedFull;
  final Counter refusedNoCache;
  final Counter readAhead;

  ChunkMeters(Metrics metrics, CachedChunkStore s) {
    MeterRegistry r = metrics.registry();
    memHits = Counter.builder("nectar_chunk_cache_hits").tag("tier", "memory").description("block reads served from a cache").register(r);
    diskHits = Counter.builder("nectar_chunk_cache_hits").tag("tier", "disk").description("block reads served from a cache").register(r);
    misses = Counter.builder("nectar_chunk_cache_misses").description("block reads that went to the object store").register(r);
    memBytes = bytes(r, "memory");
    diskBytes = bytes(r, "disk");
    objectBytes = bytes(r, "object");
    peerBytes = bytes(r, "peer");
    fallbackMiss = fallback(r, "miss");
    fallbackError = fallback(r, "error");
    fallbackTimeout = fallback(r, "timeout");
    fallbackLength = fallback(r, "length");
    refusedFull = refused(r, "cache_full");
    refusedNoCache = refused(r, "no_cache");
    readAhead = Counter.builder("nectar_chunk_readahead_blocks").description("blocks queued for read-ahead").register(r);
    FunctionCounter.builder("nectar_chunk_cache_evictions", s, x -> x.memCache().evictions()).tag("tier", "memory")
        .description("cached blocks evicted to make room").register(r);
    FunctionCounter.builder("nectar_chunk_cache_evictions", s, x -> x.diskCache() == null ? 0 : x.diskCache().evictions()).tag("tier", "disk")
        .description("cached blocks evicted to make room").register(r);
    gauge(r, "nectar_chunk_buffer_used_bytes", "memory held by write and read-ahead buffers", s, x -> x.budget().used());
    gauge(r, "nectar_chunk_buffer_limit_bytes", "the memory budget of buffers", s, x -> x.budget().limit());
    gauge(r, "nectar_chunk_memory_cache_bytes", "bytes in the memory block cache", s, x -> x.memCache().bytes());
    gauge(r, "nectar_chunk_disk_cache_bytes", "bytes in the disk block cache", s, x -> x.diskCache() == null ? 0 : x.diskCache().bytes());
    gauge(r, "nectar_chunk_disk_cache_blocks", "blocks in the disk block cache", s, x -> x.diskCache() == null ? 0 : x.diskCache().blocks());
    gauge(r, "nectar_chunk_staging_blocks", "writeback blocks waiting for upload", s, x -> x.staging() == null ? 0 : x.staging().stagedBlocks());
    gauge(r, "nectar_chunk_staging_oldest_age_seconds", "age of the oldest block waiting for upload", s,
        x -> x.staging() == null ? 0 : x.staging().oldestAgeSeconds());
  }

  private static Counter bytes(MeterRegistry r, String source) {
    return Counter.builder("nectar_chunk_read_bytes").baseUnit("bytes").tag("source", source)
        .description("bytes of blocks read, by where they came from").register(r);
  }

  private static Counter fallback(MeterRegistry r, String reason) {
    return Counter.builder("nectar_chunk_peer_fallbacks").tag("reason", reason)
        .description("block reads the block source did not serve, which went to the object store").register(r);
  }

  private static Counter refused(MeterRegistry r, String reason) {
    return Counter.builder("nectar_chunk_peer_refused").tag("reason", reason)
        .description("peer block requests answered with nothing because this member fetches no new blocks").register(r);
  }

  private static void gauge(MeterRegistry r, String name, String description, CachedChunkStore s, ToDoubleFunction<CachedChunkStore> f) {
    Gauge.builder(name, s, f).description(description).register(r);
  }
}
