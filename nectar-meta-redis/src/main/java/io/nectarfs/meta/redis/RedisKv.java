package io.nectarfs.meta.redis;

import io.nectarfs.meta.kv.BufferedTxn;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.meta.kv.WriteBuffer;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The {@link TxnKv} on Redis: optimistic transactions whose reads are checked and whose writes are
 * applied by server-side scripts (see {@link RedisTxn}) over the layout of {@link RedisLayout}.
 *
 * <p>Concurrency: the pool is thread-safe; each transaction borrows one connection for its whole
 * body and returns it afterwards.
 * Transactions on different threads run concurrently and conflict only through Redis. Invariant:
 * every value key has exactly one member in its partition's set, and a partition is listed in the
 * set of partitions while its set is not empty; both hold after each commit script.
 */
final class RedisKv implements TxnKv, io.nectarfs.meta.kv.KvNotifier {
  private static final Logger log = LoggerFactory.getLogger(RedisKv.class);
  /** Servers already warned about, so a process warns once per server and database. */
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private final RedisUrl url;
  private final JedisPool pool;
  private final RedisLayout layout;
  private final RedisErrors errors;

  private final RedisNotifier notifier;

  RedisKv(RedisUrl url, JedisPool pool, RedisErrors errors, java.util.function.Supplier<Jedis> dedicated) {
    this.url = url;
    this.pool = pool;
    this.layout = new RedisLayout(url.tag());
    this.errors = errors;
    this.notifier = new RedisNotifier(pool, dedicated, url.tag());
  }

  @Override
  public void publish(String channel) {
    notifier.publish(channel);
  }

  @Override
  public AutoCloseable subscribe(String channel, Runnable onMessage) {
    return notifier.subscribe(channel, onMessage);
  }

  /** Connects once to report a bad address or password now, and checks the eviction policy. */
  void check() throws IOException {
    try (Jedis j = borrow()) {
      try {
        j.ping();
      } catch (JedisException e) {
        throw errors.connect(e);
      }
      warnIfEvicting(j);
    }
  }

  private void warnIfEvicting(Jedis j) {
    try {
      Map<String, String> m = j.configGet("maxmemory-policy");
      String policy = m.get("maxmemory-policy");
      if (policy != null && !policy.equals("noeviction") && WARNED.add(url.address())) {
        log.warn("Redis at {} has maxmemory-policy {}: it may evict metadata when memory runs short; set 'maxmemory-policy noeviction'",
            url.redacted(), policy);
      }
    } catch (JedisDataException e) {
      // CONFIG is often disabled on managed services; the policy cannot be checked then.
      log.debug("cannot read maxmemory-policy of {}: {}", url.redacted(), e.getMessage());
    }
  }

  private Jedis borrow() throws IOException {
    try {
      return pool.getResource();
    } catch (JedisException e) {
      throw errors.connect(e);
    }
  }

  @Override
  public <T> T txn(Body<T> body) throws IOException {
    return run(body, false);
  }

  @Override
  public <T> T read(Body<T> body) throws IOException {
    return run(body, true);
  }

  /**
   * Reads without WATCH in batches ({@link RedisBulk}), fenced by the per-first-byte commit
   * counters: read before and after the body, unchanged counters of every range the body read mean
   * no commit wrote there meanwhile, so what it read is one snapshot.
   */
  @Override
  public <T> Bulk<T> bulkRead(int pageSize, Body<T> body) throws IOException {
    try (Jedis j = borrow()) {
      byte[][] versions = new byte[256][];
      for (int b = 0; b < 256; b++) {
        versions[b] = layout.versionKey(b);
      }
      List<byte[]> before;
      try {
        before = j.mget(versions);
      } catch (JedisException e) {
        throw errors.command("MGET", e);
      }
      RedisBulk bulk = new RedisBulk(j, layout, errors, pageSize);
      T result = body.run(bulk);
      List<byte[]> after;
      try {
        after = j.mget(versions);
      } catch (JedisException e) {
        throw errors.command("MGET", e);
      }
      boolean snapshot = true;
      java.util.BitSet touched = bulk.touched();
      for (int b = touched.nextSetBit(0); b >= 0; b = touched.nextSetBit(b + 1)) {
        snapshot &= Arrays.equals(before.get(b), after.get(b));
      }
      return new Bulk<>(result, snapshot);
    }
  }

  private <T> T run(Body<T> body, boolean readOnly) throws IOException {
    // A body that throws writes nothing: writes are only buffered until the commit script. What it
    // read was one state of the volume (RedisTxn checks the reads at every round trip), so its
    // exception is not an artefact of a concurrent commit and is reported as it is.
    try (Jedis j = borrow()) {
      RedisTxn tx = new RedisTxn(j, layout, errors);
      WriteBuffer buf = new WriteBuffer();
      T result = body.run(new BufferedTxn(buf, tx, readOnly));
      tx.commit(buf.pending());
      return result;
    }
  }

  @Override
  public String describe() {
    return url.redacted();
  }

  /** Deletes every Redis key with the volume's tag, and nothing else (SCAN MATCH, then DEL). */
  @Override
  public void reset() throws IOException {
    try (Jedis j = borrow()) {
      ScanParams params = new ScanParams().match(layout.allKeysPattern()).count(1000);
      byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
      do {
        ScanResult<byte[]> r = j.scan(cursor, params);
        List<byte[]> keys = r.getResult();
        if (!keys.isEmpty()) {
          j.del(keys.toArray(byte[][]::new));
        }
        cursor = r.getCursorAsBytes();
      } while (!Arrays.equals(cursor, ScanParams.SCAN_POINTER_START_BINARY));
    } catch (JedisException e) {
      throw errors.command("reset", e);
    }
  }

  @Override
  public void close() {
    notifier.close();
    pool.close();
  }

  @Override
  public String toString() {
    return "RedisKv(" + url.redacted() + ")";
  }
}
