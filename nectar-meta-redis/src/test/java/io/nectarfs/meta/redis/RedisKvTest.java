package io.nectarfs.meta.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.meta.kv.Bytes;
import io.nectarfs.meta.kv.KvConflictException;
import io.nectarfs.meta.kv.Transactions;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * What is particular to the Redis {@link TxnKv}, beyond the contract every engine passes ({@link
 * RedisMetaTest}): ordering inside and across partitions, the set of partitions, conflicts seen by
 * WATCH (also for read-only transactions and brand-new partitions), and volumes kept apart.
 */
class RedisKvTest {
  private String prefix;
  private TxnKv kv;
  private final List<TxnKv> opened = new ArrayList<>();

  @BeforeEach
  void open() throws IOException {
    prefix = RedisTestSupport.uniquePrefix();
    kv = openAnother();
  }

  private TxnKv openAnother() throws IOException {
    TxnKv k = RedisTestSupport.open(prefix);
    opened.add(k);
    return k;
  }

  @AfterEach
  void close() throws IOException {
    kv.reset();
    for (TxnKv k : opened) {
      k.close();
    }
  }

  private static byte[] b(int... v) {
    byte[] out = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (byte) v[i];
    }
    return out;
  }

  private List<byte[]> scanKeys(TxnKv k, byte[] start, byte[] end, int limit) throws IOException {
    return Transactions.read(k, tx -> {
      List<byte[]> out = new ArrayList<>();
      tx.scan(start, end, limit, (key, v) -> out.add(key));
      return out;
    });
  }

  private static byte[] get(TxnKv k, byte[] key) throws IOException {
    return Transactions.read(k, tx -> tx.get(key));
  }

  private void putAll(List<byte[]> keys) throws IOException {
    Transactions.run(kv, tx -> {
      for (byte[] k : keys) {
        tx.put(k, k);
      }
      return null;
    });
  }

  @Test
  void scan_ordersBytesUnsigned_insideOnePartitionAndAcrossPartitions() throws IOException {
    // 'K' keys: one partition; 'A' keys: one partition per 10-byte prefix.
    List<byte[]> keys = new ArrayList<>();
    for (int x : new int[] {0xff, 0x80, 0x7f, 0x00, 0x01, 0xfe}) {
      keys.add(b('K', x));
      keys.add(b('K', 0x10, x));
      keys.add(b('A', 0, 0, 0, 0, 0, 0, 0, x, 'D', x));
      keys.add(b('A', 0, 0, 0, 0, 0, 0, 0, 1, 'X', x, 0x80));
    }
    putAll(keys);
    List<byte[]> expected = new ArrayList<>(keys);
    expected.sort(Bytes.ORDER);

    assertThat(hex(scanKeys(kv, b(), null, 0))).containsExactlyElementsOf(hex(expected));
    assertThat(hex(scanKeys(kv, b('K'), b('L'), 0)))
        .containsExactlyElementsOf(hex(expected.stream().filter(k -> k[0] == 'K').toList()));
    assertThat(hex(scanKeys(kv, b('K', 0x7f), b('K', 0xff), 0))).containsExactly("4b7f", "4b80", "4bfe");
    byte[] dir = b('A', 0, 0, 0, 0, 0, 0, 0, 0x80, 'D');
    assertThat(hex(scanKeys(kv, dir, Bytes.prefixEnd(dir), 0))).containsExactly("41000000000000008044" + "80");
  }

  @Test
  void scan_acrossMergedPartitions_matchesASortedMap() throws IOException {
    Random rnd = new Random(42);
    TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
    byte[] firsts = {'A', 'S', 'C', 'D', 'K', 'L', 'T', 'F', 0x00, (byte) 0xff, (byte) 0x80};
    for (int round = 0; round < 6; round++) {
      List<byte[]> puts = new ArrayList<>();
      List<byte[]> dels = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        byte[] k = new byte[rnd.nextInt(14)];
        for (int j = 0; j < k.length; j++) {
          // Few distinct byte values, so that keys share prefixes and partitions.
          k[j] = (byte) new int[] {0x00, 0x01, 0x7f, 0x80, 0xff, 'D', 'S'}[rnd.nextInt(7)];
        }
        if (k.length > 0) {
          k[0] = firsts[rnd.nextInt(firsts.length)];
        }
        if (rnd.nextInt(4) == 0 && !model.isEmpty()) {
          dels.add(model.keySet().stream().skip(rnd.nextInt(model.size())).findFirst().orElseThrow());
        } else {
          puts.add(k);
        }
      }
      Transactions.run(kv, tx -> {
        for (byte[] k : puts) {
          tx.put(k, Bytes.concat(k, b(1)));
        }
        for (byte[] k : dels) {
          tx.delete(k);
        }
        return null;
      });
      for (byte[] k : puts) {
        model.put(k, Bytes.concat(k, b(1)));
      }
      for (byte[] k : dels) {
        model.remove(k);
      }
      for (int q = 0; q < 40; q++) {
        byte[] start = model.isEmpty() || rnd.nextBoolean() ? randomBound(rnd, firsts) : model.keySet().stream().skip(rnd.nextInt(model.size())).findFirst().orElseThrow();
        byte[] end = rnd.nextInt(5) == 0 ? null : randomBound(rnd, firsts);
        if (end != null && Bytes.ORDER.compare(end, start) < 0) {
          byte[] t = start;
          start = end;
          end = t;
        }
        int limit = rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(20) : 0;
        var sub = end == null ? model.tailMap(start, true) : model.subMap(start, true, end, false);
        List<byte[]> want = sub.keySet().stream().limit(limit > 0 ? limit : Long.MAX_VALUE).toList();
        assertThat(hex(scanKeys(kv, start, end, limit))).as("scan [%s, %s) limit %d", Bytes.hex(start), end == null ? "∞" : Bytes.hex(end), limit)
            .containsExactlyElementsOf(hex(want));
      }
    }
    // The set of partitions lists exactly the partitions that hold keys (emptied ones are dropped).
    Set<String> wantParts = new HashSet<>();
    for (byte[] k : model.keySet()) {
      wantParts.add(Bytes.hex(RedisLayout.partition(k)));
    }
    assertThat(rawPartitions()).containsExactlyInAnyOrderElementsOf(wantParts);
  }

  private static byte[] randomBound(Random rnd, byte[] firsts) {
    byte[] k = new byte[rnd.nextInt(12)];
    for (int j = 0; j < k.length; j++) {
      k[j] = (byte) new int[] {0x00, 0x01, 0x7f, 0x80, 0xff}[rnd.nextInt(5)];
    }
    if (k.length > 0) {
      k[0] = firsts[rnd.nextInt(firsts.length)];
    }
    return k;
  }

  private Set<String> rawPartitions() throws IOException {
    RedisUrl u = RedisUrl.parse(RedisTestSupport.url(prefix));
    try (Jedis j = new Jedis(u.host(), u.port())) {
      if (u.password() != null) {
        j.auth(u.password());
      }
      j.select(u.db());
      Set<String> out = new HashSet<>();
      for (byte[] p : j.zrange(new RedisLayout(u.tag()).partitionsKey(), 0, -1)) {
        out.add(Bytes.hex(p));
      }
      return out;
    }
  }

  @Test
  void readThenConcurrentWrite_conflicts() throws IOException {
    TxnKv other = openAnother();
    Transactions.run(kv, tx -> {
      tx.put(b('T', 1), b(1));
      return null;
    });
    assertThatThrownBy(() -> kv.txn(tx -> {
      byte[] v = tx.get(b('T', 1));
      Transactions.run(other, o -> {
        o.put(b('T', 1), b(2));
        return null;
      });
      tx.put(b('T', 2), v);
      return null;
    })).isInstanceOf(KvConflictException.class);
    assertThat(get(kv, b('T', 2))).isNull();
    // A read-only transaction is checked too: a read after a concurrent change of what it read
    // before would see two states, and conflicts instead. (Reads alone are one state: a read-only
    // transaction that reads nothing after the change serializes before it.)
    assertThatThrownBy(() -> kv.read(tx -> {
      tx.get(b('T', 1));
      Transactions.run(other, o -> {
        o.put(b('T', 1), b(3));
        return null;
      });
      tx.get(b('T', 2));
      return null;
    })).isInstanceOf(KvConflictException.class);
  }

  /** rmdir's emptiness check against a concurrent create, made deterministic. */
  @Test
  void scanThenInsertIntoScannedRange_conflicts_inOnePartitionAndAcrossPartitions() throws IOException {
    TxnKv other = openAnother();
    byte[] dir = b('A', 0, 0, 0, 0, 0, 0, 0, 9, 'D');
    byte[] marker = b('T', 'm');
    assertThatThrownBy(() -> kv.txn(tx -> {
      boolean[] empty = {true};
      tx.scan(dir, Bytes.prefixEnd(dir), 1, (k, v) -> empty[0] = false);
      Transactions.run(other, o -> {
        o.put(Bytes.concat(dir, b('x')), b(1));
        return null;
      });
      if (empty[0]) {
        tx.put(marker, b(1));
      }
      return null;
    })).isInstanceOf(KvConflictException.class);
    // A scan over all 'A' keys (several partitions) conflicts with a key in a brand-new partition.
    assertThatThrownBy(() -> kv.txn(tx -> {
      tx.scan(b('A'), b('B'), 0, (k, v) -> true);
      Transactions.run(other, o -> {
        o.put(b('A', 0, 0, 0, 0, 0, 0, 0, 10, 'I'), b(1));
        return null;
      });
      tx.put(marker, b(1));
      return null;
    })).isInstanceOf(KvConflictException.class);
    assertThat(get(kv, marker)).isNull();
  }

  @Test
  void reset_deletesOnlyThisVolume() throws IOException {
    String otherPrefix = RedisTestSupport.uniquePrefix();
    try (TxnKv otherVolume = RedisTestSupport.open(otherPrefix)) {
      Transactions.run(otherVolume, tx -> {
        tx.put(b('F'), b(1));
        return null;
      });
      putAll(List.of(b('F'), b('A', 1, 2, 3, 4, 5, 6, 7, 8, 'I')));
      kv.reset();
      assertThat(scanKeys(kv, b(), null, 0)).isEmpty();
      assertThat(rawPartitions()).isEmpty();
      assertThat(scanKeys(otherVolume, b(), null, 0)).hasSize(1);
      otherVolume.reset();
    }
  }

  static List<String> hex(List<byte[]> keys) {
    return keys.stream().map(Bytes::hex).toList();
  }

  static Map<String, String> env(String k, String v) {
    return Map.of(k, v);
  }

  /**
   * A body must never act on a torn view (one key read before a concurrent commit, its neighbour
   * after it): the racing-clients suite once found a quota lookup of a file whose record another
   * client had just changed throwing a NullPointerException. The second read checks the first, so
   * it conflicts and the body runs again.
   */
  @Test
  void bodyThatFailsOnATornView_isRunAgain_notReported() throws IOException {
    byte[] a = b(0x10, 1);
    byte[] c = b(0x10, 2);
    Transactions.run(kv, tx -> {
      tx.put(a, b(0));
      tx.put(c, b(0));
      return null;
    });
    TxnKv other = openAnother();
    int[] attempts = {0};
    int seen = Transactions.run(kv, tx -> {
      attempts[0]++;
      byte[] first = tx.get(a);
      if (attempts[0] == 1) {
        Transactions.run(other, o -> {
          o.put(a, b(1));
          o.put(c, b(1));
          return null;
        });
      }
      byte[] second = tx.get(c);
      if (first[0] != second[0]) {
        throw new IllegalStateException("torn view: " + first[0] + " then " + second[0]);
      }
      return (int) second[0];
    });
    assertThat(seen).isEqualTo(1);
    assertThat(attempts[0]).isEqualTo(2);
  }

  /** A server that lost its script cache (restart, SCRIPT FLUSH) gets the scripts again by EVAL. */
  @Test
  void afterScriptFlush_transactionsStillReadAndCommit() throws IOException {
    RedisUrl u = RedisUrl.parse(RedisTestSupport.url(prefix));
    byte[] a = b(0x12, 1);
    byte[] c = b(0x12, 2);
    putAll(List.of(a));
    try (Jedis j = new Jedis(u.host(), u.port())) {
      if (u.password() != null) {
        j.auth(u.password());
      }
      j.scriptFlush();
    }
    Transactions.run(kv, tx -> {
      tx.get(a);
      tx.get(c);
      tx.put(c, b(7));
      return null;
    });
    assertThat(get(kv, c)).containsExactly(7);
  }

  @Test
  void bodyThatFails_withoutAConcurrentChange_reportsItsOwnError() throws IOException {
    byte[] a = b(0x11, 1);
    assertThatThrownBy(() -> Transactions.run(kv, tx -> {
      tx.get(a);
      throw new IllegalStateException("the body's own failure");
    })).isInstanceOf(IllegalStateException.class).hasMessage("the body's own failure");
  }
}
