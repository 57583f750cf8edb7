package io.nectarfs.meta.redis;

import io.nectarfs.meta.kv.KvConflictException;
import io.nectarfs.meta.kv.KvTxn;
import io.nectarfs.meta.kv.WriteBuffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * One optimistic transaction on one pooled connection: the committed state that a {@link
 * io.nectarfs.meta.kv.BufferedTxn} reads, and the commit of its buffered writes.
 *
 * <p>Reads take no lock and no WATCH: the transaction records every Redis string it read with what
 * it held (its read set). Values read by GET and getAll are recorded themselves; a scan records the
 * commit counter of each partition it read (every commit that writes a key of a partition
 * increments it, see {@link RedisLayout}) and, for a scan over several partitions, the counter of
 * the set of partitions. Every round trip after the first is a script ({@link RedisScripts}) that
 * first checks the whole read set against Redis and answers a conflict if anything changed, so all
 * the body has read is always one state of the volume (no torn reads) as of its latest round trip;
 * the commit script checks it once more and applies the writes atomically. A successful commit
 * therefore proves every value read was still current at the commit: the transaction is
 * serializable (a key changed and changed back reads as unchanged, which is the same state). A
 * scan conflicts with a concurrent insert into its partition through the partition's counter.
 *
 * <p>Round trips: the first read is a plain GET or MGET; each further read, scan page and the
 * commit is one EVALSHA. A key read twice is answered from the read set. A transaction that wrote
 * nothing does not commit: its reads were checked together at its last round trip.
 *
 * <p>Not thread-safe: a transaction belongs to the thread running its body.
 */
final class RedisTxn implements WriteBuffer.Base {
  private static final int FIRST_PAGE = 16;
  private static final int MAX_PAGE = 1024;
  /** Values longer than this are checked by their SHA-1 (40 hex digits) instead of sent back. */
  private static final int INLINE_CHECK = 40;
  private static final byte[] MISSING = {'n'};
  private static final byte[] EMPTY = {};

  private final Jedis jedis;
  private final RedisLayout layout;
  private final RedisErrors errors;
  /** Redis key → what it held when read (null: missing). Insertion order = order of the checks. */
  private final Map<ByteBuffer, byte[]> reads = new LinkedHashMap<>();
  private final List<byte[]> readKeys = new ArrayList<>();
  /** Prefix → every (key, value) under it, for ranges read whole by {@link #prefetch}. */
  private final Map<ByteBuffer, List<byte[][]>> cached = new java.util.HashMap<>();

  RedisTxn(Jedis jedis, RedisLayout layout, RedisErrors errors) {
    this.jedis = jedis;
    this.layout = layout;
    this.errors = errors;
  }

  @Override
  public byte[] get(byte[] key) throws IOException {
    return getAll(List.of(key)).getFirst();
  }

  /** Keys already read come from the read set; the others in one round trip. */
  @Override
  public List<byte[]> getAll(List<byte[]> keys) throws IOException {
    List<byte[]> out = new ArrayList<>(keys.size());
    List<byte[]> fetch = new ArrayList<>();
    List<Integer> where = new ArrayList<>();
    Set<ByteBuffer> asked = new LinkedHashSet<>();
    for (byte[] key : keys) {
      byte[] dk = layout.dataKey(key);
      ByteBuffer b = ByteBuffer.wrap(dk);
      out.add(reads.get(b));
      if (!reads.containsKey(b)) {
        where.add(out.size() - 1);
        if (asked.add(b)) {
          fetch.add(dk);
        }
      }
    }
    if (fetch.isEmpty()) {
      return out;
    }
    List<byte[]> got;
    try {
      if (readKeys.isEmpty()) {
        got = fetch.size() == 1 ? java.util.Collections.singletonList(jedis.get(fetch.getFirst())) : jedis.mget(fetch.toArray(byte[][]::new));
      } else {
        got = checked(RedisScripts.READ, fetch, List.of());
      }
    } catch (JedisException e) {
      throw errors.command("GET", e);
    }
    for (int i = 0; i < fetch.size(); i++) {
      record(fetch.get(i), got.get(i));
    }
    for (int i : where) {
      out.set(i, reads.get(ByteBuffer.wrap(layout.dataKey(keys.get(i)))));
    }
    return out;
  }

  /**
   * Reads the keys not read yet and the small ranges under {@code prefixes} in one round trip;
   * later reads of those keys and scans of exactly those ranges cost none.
   */
  @Override
  public void prefetch(List<byte[]> keys, List<byte[]> prefixes) throws IOException {
    if (prefixes.isEmpty()) {
      getAll(keys);
      return;
    }
    List<byte[]> fetch = new ArrayList<>();
    for (byte[] key : keys) {
      byte[] dk = layout.dataKey(key);
      if (!reads.containsKey(ByteBuffer.wrap(dk)) && fetch.stream().noneMatch(f -> Arrays.equals(f, dk))) {
        fetch.add(dk);
      }
    }
    List<byte[]> extraKeys = new ArrayList<>(fetch);
    List<byte[]> args = new ArrayList<>();
    args.add(count(fetch.size()));
    args.add(count(FIRST_PAGE));
    args.add(layout.dataPrefix());
    List<byte[]> ranges = new ArrayList<>();
    for (byte[] prefix : prefixes) {
      byte[] end = io.nectarfs.meta.kv.Bytes.prefixEnd(prefix);
      byte[] part = RedisLayout.singlePartition(prefix, end);
      if (part == null || cached.containsKey(ByteBuffer.wrap(prefix))) {
        continue;
      }
      ranges.add(prefix);
      extraKeys.add(layout.counterKey(part));
      extraKeys.add(layout.indexKey(part));
      args.add(RedisLayout.inclusive(prefix));
      args.add(RedisLayout.exclusive(end));
    }
    if (fetch.isEmpty() && ranges.isEmpty()) {
      return;
    }
    List<byte[]> reply;
    try {
      reply = checked(RedisScripts.PREFETCH, extraKeys, args);
    } catch (JedisException e) {
      throw errors.command("prefetch", e);
    }
    for (int i = 0; i < fetch.size(); i++) {
      record(fetch.get(i), reply.get(i));
    }
    int at = fetch.size();
    for (int r = 0; r < ranges.size(); r++) {
      recordCounter(extraKeys.get(fetch.size() + 2 * r), reply.get(at));
      int members = Integer.parseInt(new String(reply.get(at + 1), StandardCharsets.US_ASCII));
      List<byte[][]> rows = new ArrayList<>(members);
      for (int i = 0; i < members; i++) {
        byte[] v = reply.get(at + 3 + 2 * i);
        if (v != null) {
          rows.add(new byte[][] {reply.get(at + 2 + 2 * i), v});
        }
      }
      if (members < FIRST_PAGE) {
        cached.put(ByteBuffer.wrap(ranges.get(r)), rows);
      }
      at += 2 + 2 * members;
    }
  }

  @Override
  public void scan(byte[] start, byte[] end, KvTxn.Visitor visitor) throws IOException {
    List<byte[][]> rows = cached.get(ByteBuffer.wrap(start));
    if (rows != null && Arrays.equals(end, io.nectarfs.meta.kv.Bytes.prefixEnd(start))) {
      // A whole range read ahead: its partition's counter is in the read set, which every later
      // round trip and the commit check.
      for (byte[][] row : rows) {
        if (!visitor.visit(row[0], row[1])) {
          return;
        }
      }
      return;
    }
    try {
      byte[] single = RedisLayout.singlePartition(start, end);
      if (single != null) {
        scanPartition(single, start, end, visitor);
        return;
      }
      int n = RedisLayout.partitionLength(start);
      if (start.length > n && !scanPartition(Arrays.copyOf(start, n), start, end, visitor)) {
        // The partition that start is inside sorts before start, so the range query below misses it.
        return;
      }
      byte[] min = RedisLayout.inclusive(start);
      byte[] max = RedisLayout.exclusive(end);
      byte[] qk = layout.partitionsCounterKey();
      while (true) {
        List<byte[]> reply = checked(RedisScripts.PARTITIONS, List.of(qk, layout.partitionsKey()),
            List.of(min, max, count(MAX_PAGE)));
        recordCounter(qk, reply.getFirst());
        List<byte[]> parts = reply.subList(1, reply.size());
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
    byte[] ck = layout.counterKey(partition);
    byte[] ik = layout.indexKey(partition);
    byte[] prefix = layout.dataPrefix();
    byte[] min = RedisLayout.inclusive(start);
    byte[] max = RedisLayout.exclusive(end);
    // Pages grow so that a scan that stops early (an emptiness check, a small readdir) reads few
    // values, while a long scan takes few round trips.
    int page = FIRST_PAGE;
    while (true) {
      List<byte[]> reply = checked(RedisScripts.SCAN, List.of(ck, ik), List.of(min, max, count(page), prefix));
      recordCounter(ck, reply.getFirst());
      int members = Integer.parseInt(new String(reply.get(1), StandardCharsets.US_ASCII));
      byte[] last = null;
      for (int i = 0; i < members; i++) {
        byte[] k = reply.get(2 + 2 * i);
        byte[] v = reply.get(3 + 2 * i);
        last = k;
        // A member without a value cannot occur (both change in one commit); skip it defensively.
        if (v != null && !visitor.visit(k, v)) {
          return false;
        }
      }
      if (members < page) {
        return true;
      }
      min = RedisLayout.exclusive(last);
      page = Math.min(page * 4, MAX_PAGE);
    }
  }

  private static byte[] count(int n) {
    return Integer.toString(n).getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Runs {@code script} after the read-set check with the extra keys and arguments; a failed check
   * is a conflict. Replies that are integers (counts) come back as their decimal bytes.
   */
  private List<byte[]> checked(RedisScripts.Script script, List<byte[]> keys, List<byte[]> args) throws KvConflictException {
    Object r = script.run(jedis, concat(readKeys, keys), checkArgs(args));
    if (!(r instanceof List<?> list)) {
      throw new KvConflictException("Redis transaction conflicted (a key read changed)");
    }
    List<byte[]> out = new ArrayList<>(list.size());
    for (Object o : list) {
      out.add(o instanceof Long l ? count(l.intValue()) : (byte[]) o);
    }
    return out;
  }

  private static List<byte[]> concat(List<byte[]> a, List<byte[]> b) {
    List<byte[]> out = new ArrayList<>(a.size() + b.size());
    out.addAll(a);
    out.addAll(b);
    return out;
  }

  /** {@code n}, the expected value of each key read, then {@code extra}. */
  private List<byte[]> checkArgs(List<byte[]> extra) {
    List<byte[]> args = new ArrayList<>(readKeys.size() + 1 + extra.size());
    args.add(count(readKeys.size()));
    for (byte[] k : readKeys) {
      args.add(expectation(reads.get(ByteBuffer.wrap(k))));
    }
    args.addAll(extra);
    return args;
  }

  private static byte[] expectation(byte[] v) {
    if (v == null) {
      return MISSING;
    }
    if (v.length <= INLINE_CHECK) {
      byte[] e = new byte[v.length + 1];
      e[0] = 'v';
      System.arraycopy(v, 0, e, 1, v.length);
      return e;
    }
    try {
      byte[] hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(v)).getBytes(StandardCharsets.US_ASCII);
      byte[] e = new byte[hex.length + 1];
      e[0] = 'h';
      System.arraycopy(hex, 0, e, 1, hex.length);
      return e;
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private void record(byte[] redisKey, byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(redisKey);
    if (!reads.containsKey(b)) {
      reads.put(b, value);
      readKeys.add(redisKey);
    }
  }

  /** A counter read by a scan script ("" = missing), recorded once: later pages check it. */
  private void recordCounter(byte[] key, byte[] value) {
    record(key, value.length == 0 ? null : value);
  }

  /**
   * Applies {@code writes} atomically if nothing read changed.
   *
   * @throws KvConflictException if a key read changed: nothing was written
   */
  void commit(List<WriteBuffer.Op> writes) throws IOException {
    if (writes.isEmpty()) {
      return;
    }
    List<byte[]> keys = new ArrayList<>(2 + 2 * writes.size() + 4);
    List<byte[]> args = new ArrayList<>(1 + 4 * writes.size());
    keys.add(layout.partitionsKey());
    keys.add(layout.partitionsCounterKey());
    args.add(count(writes.size()));
    Map<ByteBuffer, byte[]> counters = new LinkedHashMap<>();
    java.util.BitSet firsts = new java.util.BitSet(256);
    for (WriteBuffer.Op op : writes) {
      byte[] part = RedisLayout.partition(op.key());
      keys.add(layout.dataKey(op.key()));
      keys.add(layout.indexKey(part));
      args.add(op.value() != null ? new byte[] {'s'} : new byte[] {'d'});
      args.add(op.key());
      args.add(part);
      args.add(op.value() != null ? op.value() : EMPTY);
      byte[] ck = layout.counterKey(part);
      counters.putIfAbsent(ByteBuffer.wrap(ck), ck);
      firsts.set(RedisLayout.firstByte(op.key()));
    }
    keys.addAll(counters.values());
    // Bulk readers compare these counters before and after their scan (RedisBulk).
    for (int b = firsts.nextSetBit(0); b >= 0; b = firsts.nextSetBit(b + 1)) {
      keys.add(layout.versionKey(b));
    }
    try {
      checked(RedisScripts.COMMIT, keys, args);
    } catch (JedisException e) {
      throw errors.command("commit", e);
    }
  }
}
