package io.nectarfs.meta.redis;

import io.nectarfs.meta.kv.KvTxn;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The read-only {@link KvTxn} of a bulk read ({@link RedisKv#bulkRead}): nothing is WATCHed (a
 * WATCH per key made whole-volume scans quadratic in Redis) and reads are batched:
 *
 * <ul>
 *   <li>a scan inside one partition reads its sorted set in pages of {@code pageSize} members and
 *       the values of each page with one MGET;
 *   <li>a scan over many partitions lists {@code pageSize} partitions at a time, asks each for its
 *       first {@link #FIRST} members in one pipeline, reads all their values in a second pipeline,
 *       and pages on only through the rare partitions that hold more: about three round trips per
 *       {@code pageSize} partitions instead of four per partition.
 * </ul>
 *
 * Each page is read as it is at that moment; the caller learns from the version fence whether
 * anything was written into the ranges read ({@link #touched}).
 *
 * <p>Not thread-safe: belongs to the thread running the bulk body.
 */
final class RedisBulk implements KvTxn {
  /** Members asked of each partition in the batched first round; fuller partitions page on alone. */
  static final int FIRST = 64;

  private final Jedis jedis;
  private final RedisLayout layout;
  private final RedisErrors errors;
  private final int pageSize;
  private final BitSet touched = new BitSet(256);

  RedisBulk(Jedis jedis, RedisLayout layout, RedisErrors errors, int pageSize) {
    this.jedis = jedis;
    this.layout = layout;
    this.errors = errors;
    this.pageSize = Math.max(1, pageSize);
  }

  /** First key bytes (0..255) whose ranges this body read. */
  BitSet touched() {
    return touched;
  }

  @Override
  public byte[] get(byte[] key) throws IOException {
    touched.set(RedisLayout.firstByte(key));
    try {
      return jedis.get(layout.dataKey(key));
    } catch (JedisException e) {
      throw errors.command("GET", e);
    }
  }

  @Override
  public List<byte[]> getAll(List<byte[]> keys) throws IOException {
    if (keys.isEmpty()) {
      return List.of();
    }
    byte[][] dks = new byte[keys.size()][];
    for (int i = 0; i < dks.length; i++) {
      touched.set(RedisLayout.firstByte(keys.get(i)));
      dks[i] = layout.dataKey(keys.get(i));
    }
    try {
      return jedis.mget(dks);
    } catch (JedisException e) {
      throw errors.command("MGET", e);
    }
  }

  @Override
  public void scan(byte[] start, byte[] end, int limit, Visitor visitor) throws IOException {
    byte[] from = start == null ? new byte[0] : start;
    int last = end == null ? 255 : end.length == 0 ? -1 : (end.length == 1 ? (end[0] & 0xff) - 1 : end[0] & 0xff);
    if (last >= RedisLayout.firstByte(from)) {
      touched.set(RedisLayout.firstByte(from), last + 1);
    }
    long[] left = {limit > 0 ? limit : Long.MAX_VALUE};
    Visitor counted = (k, v) -> left[0]-- > 0 && visitor.visit(k, v) && left[0] > 0;
    try {
      byte[] single = RedisLayout.singlePartition(from, end);
      if (single != null) {
        scanPartition(single, RedisLayout.inclusive(from), end, counted);
        return;
      }
      int n = RedisLayout.partitionLength(from);
      if (from.length > n && !scanPartition(Arrays.copyOf(from, n), RedisLayout.inclusive(from), end, counted)) {
        // The partition that start is inside sorts before start, so the range query below misses it.
        return;
      }
      byte[] min = RedisLayout.inclusive(from);
      byte[] max = RedisLayout.exclusive(end);
      while (true) {
        List<byte[]> parts = jedis.zrangeByLex(layout.partitionsKey(), min, max, 0, pageSize);
        if (!scanPartitions(parts, from, end, counted)) {
          return;
        }
        if (parts.size() < pageSize) {
          return;
        }
        min = RedisLayout.exclusive(parts.getLast());
      }
    } catch (JedisException e) {
      throw errors.command("scan", e);
    }
  }

  /** Visits the keys in {@code [start, end)} of several partitions in order; false when stopped. */
  private boolean scanPartitions(List<byte[]> parts, byte[] start, byte[] end, Visitor visitor) throws IOException {
    if (parts.isEmpty()) {
      return true;
    }
    byte[] min = RedisLayout.inclusive(start);
    byte[] max = RedisLayout.exclusive(end);
    List<Response<List<byte[]>>> memberReplies = new ArrayList<>(parts.size());
    try (Pipeline p = jedis.pipelined()) {
      for (byte[] part : parts) {
        memberReplies.add(p.zrangeByLex(layout.indexKey(part), min, max, 0, FIRST));
      }
      p.sync();
    }
    List<List<byte[]>> members = new ArrayList<>(parts.size());
    List<Response<List<byte[]>>> valueReplies = new ArrayList<>();
    try (Pipeline p = jedis.pipelined()) {
      List<byte[]> batch = new ArrayList<>();
      for (Response<List<byte[]>> r : memberReplies) {
        List<byte[]> keys = r.get();
        members.add(keys);
        for (byte[] k : keys) {
          batch.add(layout.dataKey(k));
          if (batch.size() == pageSize) {
            valueReplies.add(p.mget(batch.toArray(byte[][]::new)));
            batch.clear();
          }
        }
      }
      if (!batch.isEmpty()) {
        valueReplies.add(p.mget(batch.toArray(byte[][]::new)));
      }
      p.sync();
    }
    List<byte[]> values = new ArrayList<>();
    for (Response<List<byte[]>> r : valueReplies) {
      values.addAll(r.get());
    }
    int at = 0;
    for (int i = 0; i < parts.size(); i++) {
      List<byte[]> keys = members.get(i);
      for (byte[] k : keys) {
        byte[] v = values.get(at++);
        // A member whose value is gone was deleted between the two pipelines: it is not there now.
        if (v != null && !visitor.visit(k, v)) {
          return false;
        }
      }
      if (keys.size() == FIRST && !scanPartition(parts.get(i), RedisLayout.exclusive(keys.getLast()), end, visitor)) {
        return false;
      }
    }
    return true;
  }

  /** Visits the keys of one partition from ZRANGEBYLEX bound {@code min} to {@code end}; false when stopped. */
  private boolean scanPartition(byte[] partition, byte[] min, byte[] end, Visitor visitor) throws IOException {
    byte[] ik = layout.indexKey(partition);
    byte[] max = RedisLayout.exclusive(end);
    while (true) {
      List<byte[]> keys = jedis.zrangeByLex(ik, min, max, 0, pageSize);
      if (keys.isEmpty()) {
        return true;
      }
      byte[][] dks = new byte[keys.size()][];
      for (int i = 0; i < dks.length; i++) {
        dks[i] = layout.dataKey(keys.get(i));
      }
      List<byte[]> values = jedis.mget(dks);
      for (int i = 0; i < dks.length; i++) {
        byte[] v = values.get(i);
        if (v != null && !visitor.visit(keys.get(i), v)) {
          return false;
        }
      }
      if (keys.size() < pageSize) {
        return true;
      }
      min = RedisLayout.exclusive(keys.getLast());
    }
  }

  @Override
  public void put(byte[] key, byte[] value) {
    throw new IllegalStateException("write in a bulk read");
  }

  @Override
  public void delete(byte[] key) {
    throw new IllegalStateException("write in a bulk read");
  }

  @Override
  public long incrBy(byte[] key, long delta) {
    throw new IllegalStateException("write in a bulk read");
  }
}
