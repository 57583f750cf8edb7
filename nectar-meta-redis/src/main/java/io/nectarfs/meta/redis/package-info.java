/**
 * The Redis metadata engine ({@code redis://}, {@code rediss://}): the transactional, ordered
 * key-value SPI of {@link io.nectarfs.meta.kv.TxnKv} on Redis with Jedis. Values are plain
 * strings; ordered scans use per-partition sorted sets (ZRANGEBYLEX) kept in the same MULTI/EXEC
 * as the values; transactions are optimistic (WATCH every key before reading it, apply buffered
 * writes with MULTI/EXEC, a null EXEC is a conflict). All keys of a volume share one hash tag, so
 * the layout is ready for Redis Cluster (one slot per volume); this version connects to one server.
 * Only {@link io.nectarfs.meta.redis.RedisEngineProvider} is public; it is found by {@link
 * java.util.ServiceLoader} through {@link io.nectarfs.meta.MetaEngines}.
 */
package io.nectarfs.meta.redis;
