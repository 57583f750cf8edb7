package io.nectarfs.meta.redis;

import io.nectarfs.meta.kv.KvConflictException;
import io.nectarfs.meta.kv.KvTxn;
import io.nectarfs.meta.kv.WriteBuffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisException;

/**
 * One optimistic transaction on one pooled connection: the committed state that a {@link
 * io.nectarfs.meta.kv.BufferedTxn} reads, and the commit of its buffered writes.
 *
 * <p>Every Redis key is WATCHed before it is first read: values before GET/MGET, a partition's
 * sorted set before ZRANGEBYLEX, the set of partitions before a scan that spans partitions. The
 * writes are then applied in one MULTI/EXEC, which Redis aborts (EXEC answers null) if any watched
 * key changed since it was watched; that is a {@link KvConflictException}. Since each read came
 * after its WATCH, an EXEC that succeeds proves every value read is still current at the moment of
 * EXEC: the transaction is serializable. Watching the index sets is what makes a scan conflict with
 * a concurrent insert into the scanned range (rmdir's emptiness check against a create): the insert
 * ZADDs to the set. A transaction that wrote nothing but read something still runs an empty
 * MULTI/EXEC, so read-only transactions are validated too.
 *
 * <p>Not thread-safe: a transaction belongs to the thread running its body.
 */
final class RedisTxn implements WriteBuffer.Base {
  private static final int FIRST_PAGE = 16;
  private static final int MAX_PAGE = 1024;
  /** KEYS[1] = a partition's set, KEYS[2] = the set of partitions, ARGV[1] = the partition. */
  private static final byte[] DROP_IF_EMPTY =
      "if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('ZREM', KEYS[2], ARGV[1]) end return 0".getBytes(StandardCharsets.US_ASCII);

  private final Jedis jedis;
  private final RedisLayout layout;
  private final RedisErrors errors;
  private final Set<ByteBuffer> watched = new HashSet<>();

  RedisTxn(Jedis jedis, RedisLayout layout, RedisErrors errors) {
    this.jedis = jedis;
    this.layout = layout;
    this.errors = errors;
  }

  @Override
  public byte[] get(byte[] key) throws IOException {
    byte[] dk = layout.dataKey(key);
    try {
      watch(dk);
      return jedis.get(dk);
    } catch (JedisException e) {
      throw errors.command("GET", e);
    }
  }

  /** WATCH every key in one command, then MGET them in one more: two round trips for any number. */
  @Override
  public List<byte[]> getAll(List<byte[]> keys) throws IOException {
    if (keys.isEmpty()) {
      return List.of();
    }
    byte[][] dks = new byte[keys.size()][];
    for (int i = 0; i < dks.length; i++) {
      dks[i] = layout.dataKey(keys.get(i));
    }
    try {
      watch(dks);
      return jedis.mget(dks);
    } catch (JedisException e) {
      throw errors.command("MGET", e);
    }
  }

  @Override
  public void scan(byte[] start, byte[] end, KvTxn.Visitor visitor) throws IOException {
    try {
      byte[] single = RedisLayout.singlePartition(start, end);
      if (single != null) {
        scanPartition(single, start, end, visitor);
        return;
      }
      byte[] pk = layout.partitionsKey();
      watch(pk);
      int n = RedisLayout.partitionLength(start);
      if (start.length > n && !scanPartition(Arrays.copyOf(start, n), start, end, visitor)) {
        // The partition that start is inside sorts before start, so the range query below misses it.
        return;
      }
      byte[] min = RedisLayout.inclusive(start);
      byte[] max = RedisLayout.exclusive(end);
      while (true) {
        List<byte[]> parts = jedis.zrangeByLex(pk, min, max, 0, MAX_PAGE);
        for (byte[] p : parts) {
          if (!scanPartition(p, start, end, visitor)) {
            return;
          }
        }
        if (parts.size() < MAX_PAGE) {
          return;
        }
        min = RedisLayout.exclusive(parts.getLast());
      }
    } catch (JedisException e) {
      throw errors.command("scan", e);
    }
  }

  /** Visits the keys of one partition in {@code [start, end)}; false when the visitor stopped. */
  private boolean scanPartition(byte[] partition, byte[] start, byte[] end, KvTxn.Visitor visitor) throws IOException {
    byte[] ik = layout.indexKey(partition);
    watch(ik);
    byte[] min = RedisLayout.inclusive(start);
    byte[] max = RedisLayout.exclusive(end);
    // Pages grow so that a scan that stops early (an emptiness check, a small readdir) watches and
    // reads few values, while a long scan takes few round trips.
    int page = FIRST_PAGE;
    while (true) {
      List<byte[]> keys = jedis.zrangeByLex(ik, min, max, 0, page);
      if (keys.isEmpty()) {
        return true;
      }
      byte[][] dks = new byte[keys.size()][];
      for (int i = 0; i < dks.length; i++) {
        dks[i] = layout.dataKey(keys.get(i));
      }
      watch(dks);
      List<byte[]> values = jedis.mget(dks);
      for (int i = 0; i < dks.length; i++) {
        byte[] v = values.get(i);
        // A member without a value cannot occur (both change in one EXEC); skip it defensively.
        if (v != null && !visitor.visit(keys.get(i), v)) {
          return false;
        }
      }
      if (keys.size() < page) {
        return true;
      }
      min = RedisLayout.exclusive(keys.getLast());
      page = Math.min(page * 4, MAX_PAGE);
    }
  }

  private void watch(byte[]... keys) {
    List<byte[]> fresh = new ArrayList<>(keys.length);
    for (byte[] k : keys) {
      if (watched.add(ByteBuffer.wrap(k))) {
        fresh.add(k);
      }
    }
    if (!fresh.isEmpty()) {
      jedis.watch(fresh.toArray(byte[][]::new));
    }
  }

  /**
   * Whether a key this transaction watched has changed since: an empty MULTI/EXEC, which Redis
   * aborts exactly then. False when nothing was watched or the check itself fails (the caller then
   * reports its own error).
   */
  boolean readsWereTorn() {
    if (watched.isEmpty()) {
      return false;
    }
    try {
      return jedis.multi().exec() == null;
    } catch (JedisException e) {
      return false;
    }
  }

  /**
   * Applies {@code writes} atomically if nothing watched changed.
   *
   * @throws KvConflictException if a watched key changed: nothing was written
   */
  void commit(List<WriteBuffer.Op> writes) throws IOException {
    if (writes.isEmpty() && watched.isEmpty()) {
      return;
    }
    List<Object> replies;
    try {
      Transaction t = jedis.multi();
      byte[] pk = layout.partitionsKey();
      Map<ByteBuffer, byte[]> added = new LinkedHashMap<>();
      Map<ByteBuffer, byte[]> removed = new LinkedHashMap<>();
      java.util.BitSet firsts = new java.util.BitSet(256);
      for (WriteBuffer.Op op : writes) {
        firsts.set(RedisLayout.firstByte(op.key()));
        byte[] part = RedisLayout.partition(op.key());
        byte[] ik = layout.indexKey(part);
        if (op.value() != null) {
          t.set(layout.dataKey(op.key()), op.value());
          t.zadd(ik, 0, op.key());
          added.putIfAbsent(ByteBuffer.wrap(part), part);
        } else {
          t.del(layout.dataKey(op.key()));
          t.zrem(ik, op.key());
          removed.putIfAbsent(ByteBuffer.wrap(part), part);
        }
      }
      // ZADD of a member already present changes nothing, so scanners watching the set of
      // partitions are disturbed only when a partition appears or disappears.
      for (byte[] part : added.values()) {
        t.zadd(pk, 0, part);
      }
      for (byte[] part : removed.values()) {
        t.eval(DROP_IF_EMPTY, 2, layout.indexKey(part), pk, part);
      }
      // Bulk readers compare these counters before and after their scan (RedisBulk).
      for (int b = firsts.nextSetBit(0); b >= 0; b = firsts.nextSetBit(b + 1)) {
        t.incr(layout.versionKey(b));
      }
      replies = t.exec();
    } catch (JedisException e) {
      throw errors.command("EXEC", e);
    }
    if (replies == null) {
      throw new KvConflictException("Redis transaction conflicted (a watched key changed)");
    }
    for (Object r : replies) {
      if (r instanceof JedisException e) {
        // EXEC ran the other commands: the volume may be inconsistent now. Our commands cannot fail
        // on a well-formed volume, so this means another program wrote into the volume's keys.
        throw errors.command("EXEC applied only part of a transaction; run a metadata check", e);
      }
    }
  }
}
