/**
 * The Redis metadata engine ({@code redis://}, {@code rediss://}): the transactional, ordered
 * key-value SPI of {@link io.nectarfs.meta.kv.TxnKv} on Redis with Jedis. Values are plain
 * strings; ordered scans use per-partition sorted sets (ZRANGEBYLEX) kept in the same commit as
 * the values; transactions are optimistic (reads record what they saw, Lua scripts check it at
 * every further round trip and at commit, where they apply the buffered writes atomically; a
 * failed check is a conflict). All keys of a volume share one hash tag, so
 * the layout is ready for Redis Cluster (one slot per volume); this version connects to one server.
 * Only {@link io.nectarfs.meta.redis.RedisEngineProvider} is public; it is found by {@link
 * java.util.ServiceLoader} through {@link io.nectarfs.meta.MetaEngines}.
 */
package io.nectarfs.meta.redis;
