package io.nectarfs.testkit.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.meta.kv.Bytes;
import io.nectarfs.meta.kv.KvTxn;
import io.nectarfs.meta.kv.Transactions;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The {@link TxnKv} and {@link KvTxn} contract that every engine passes, one test per promise of
 * their Javadoc: gets, puts, deletes and counters with read-your-writes; scans in unsigned order
 * with inclusive start, exclusive end, limits and early stops, over the engine's pages and merged
 * with the transaction's own writes; binary keys (0x00, 0xff), empty and large values; bulk reads;
 * a throwing body writes nothing; read-only transactions refuse writes. Isolation between
 * concurrent transactions is tested by the superclass ({@code TxnKvIsolationTests}).
 *
 * <p>An engine plugs in by extending this class with its {@link io.nectarfs.testkit.meta.MetaEngineHook},
 * the same hook as the metadata suites (see {@link KvFixture}).
 */
public abstract class TxnKvContract extends TxnKvIsolationTests {
  @Test
  void get_put_delete_readYourOwnWrites() throws IOException {
    kv.txn(tx -> {
      assertThat(tx.get(b(1))).isNull();
      tx.put(b(1), b(9, 9));
      assertThat(tx.get(b(1))).containsExactly(9, 9);
      tx.put(b(1), b(8));
      assertThat(tx.get(b(1))).as("the last put wins").containsExactly(8);
      tx.put(b(2), b(2));
      tx.delete(b(2));
      assertThat(tx.get(b(2))).as("deleted in this transaction").isNull();
      tx.delete(b(3)); // a missing key is not an error
      return null;
    });
    assertThat(value(kv, b(1))).containsExactly(8);
    assertThat(value(kv, b(2))).isNull();
    assertThat(value(kv, b(3))).isNull();
    kv.txn(tx -> {
      tx.delete(b(1));
      tx.put(b(2), b(4));
      return null;
    });
    assertThat(value(kv, b(1))).isNull();
    assertThat(value(kv, b(2))).containsExactly(4);
  }

  @Test
  void emptyValues_areNotMissingOnes() throws IOException {
    put(kv, b('e'), new byte[0]);
    assertThat(value(kv, b('e'))).isNotNull().isEmpty();
    assertThat(keys(kv, b('e'), b('f'), 0)).containsExactly("65");
    List<byte[]> got = Transactions.read(kv, tx -> tx.getAll(List.of(b('e'), b('f'))));
    assertThat(got).satisfiesExactly(
        v -> assertThat(v).isNotNull().isEmpty(), v -> assertThat(v).isNull());
  }

  @Test
  void largeValues_roundTripExactly() throws IOException {
    Random rnd = new Random(7);
    byte[] big = new byte[4 << 20];
    rnd.nextBytes(big);
    byte[] medium = Arrays.copyOf(big, 300_001);
    put(kv, b('L', 1), big, b('L', 2), medium);
    assertThat(value(kv, b('L', 1))).isEqualTo(big);
    List<byte[]> both = Transactions.read(kv, tx -> tx.getAll(List.of(b('L', 2), b('L', 1))));
    assertThat(both.get(0)).isEqualTo(medium);
    assertThat(both.get(1)).isEqualTo(big);
    List<byte[]> scanned = new ArrayList<>();
    Transactions.read(kv, tx -> {
      tx.scan(b('L'), b('M'), 0, (k, v) -> scanned.add(v));
      return null;
    });
    assertThat(scanned).hasSize(2);
    assertThat(scanned.get(0)).isEqualTo(big);
    assertThat(scanned.get(1)).isEqualTo(medium);
  }

  @Test
  void binaryKeys_with00AndFFBytes_areDistinctAndOrdered() throws IOException {
    byte[][] all = {b(0x00), b(0x00, 0x00), b(0x00, 0xff), b(0x01, 0x00, 0x02), b(0x01, 0x00), b(0x01), b(0xff), b(0xff, 0x00),
        b(0xff, 0xff), b(0xff, 0xff, 0xff), b('a', 0x00, 'b'), b('a', 0xff, 'b'), b('a')};
    kv.txn(tx -> {
      for (int i = 0; i < all.length; i++) {
        tx.put(all[i], b(i));
      }
      return null;
    });
    for (int i = 0; i < all.length; i++) {
      assertThat(value(kv, all[i])).as("key %s", Bytes.hex(all[i])).containsExactly(i);
    }
    assertThat(keys(kv, b(0x00), null, 0)).containsExactly("00", "0000", "00ff", "01", "0100", "010002", "61", "610062", "61ff62", "ff",
        "ff00", "ffff", "ffffff");
    assertThat(keys(kv, b(0xff), Bytes.prefixEnd(b(0xff)), 0)).as("prefix ff").containsExactly("ff", "ff00", "ffff", "ffffff");
    assertThat(keys(kv, b(0x00), b(0x00, 0x00), 0)).as("[00, 0000)").containsExactly("00");
    assertThat(keys(kv, b(0x00, 0x00), b(0x01), 0)).as("[0000, 01)").containsExactly("0000", "00ff");
    assertThat(keys(kv, b('a', 0x00), b('a', 0xff, 'b', 0x00), 0)).containsExactly("610062", "61ff62");
  }

  @Test
  void scan_ordersUnsigned_withInclusiveStart_exclusiveEnd_andLimits() throws IOException {
    byte[][] all = {b(0xff, 0xff), b(0x80), b(0x00), b(0x7f, 0xff), b(0xff), b(0x01), b(0x7f), b(0x80, 0x00), b(0x7f, 0x00, 0x01)};
    kv.txn(tx -> {
      for (byte[] k : all) {
        tx.put(k, k);
      }
      return null;
    });
    assertThat(keys(kv, new byte[0], null, 0)).containsExactly("00", "01", "7f", "7f0001", "7fff", "80", "8000", "ff", "ffff");
    assertThat(keys(kv, b(0x7f), b(0x80), 0)).as("[7f, 80)").containsExactly("7f", "7f0001", "7fff");
    assertThat(keys(kv, b(0x80), null, 0)).as("from 80, no end").containsExactly("80", "8000", "ff", "ffff");
    assertThat(keys(kv, b(0x7f, 0x00), b(0x80, 0x00), 0)).as("bounds between keys").containsExactly("7f0001", "7fff", "80");
    assertThat(keys(kv, b(0x7f), Bytes.prefixEnd(b(0x7f)), 2)).as("prefix 7f, limit 2").containsExactly("7f", "7f0001");
    assertThat(keys(kv, b(0x7f), b(0x80), -1)).as("a negative limit is no limit").hasSize(3);
    assertThat(keys(kv, b(0x80), b(0x80), 0)).as("empty range").isEmpty();
    assertThat(keys(kv, b(0xff, 0xff, 0x00), null, 0)).as("after the last key").isEmpty();
    List<String> withValues = Transactions.read(kv, tx -> pairs(tx, b(0x01), b(0x7f), 0));
    assertThat(withValues).as("values come with their keys").containsExactly("01=01");
  }

  @Test
  void scan_pagesThroughLargeRanges_stopsEarly_andLetsTheVisitorWrite() throws IOException {
    int n = 2_345; // several pages of every engine
    kv.txn(tx -> {
      for (int i = 0; i < n; i++) {
        tx.put(Bytes.concat(b('p'), Bytes.u64(i)), Bytes.u64(i * 3L));
      }
      tx.put(b('q'), b(1));
      tx.put(b('o'), b(1));
      return null;
    });
    byte[] p = b('p');
    List<String> all = keys(kv, p, Bytes.prefixEnd(p), 0);
    assertThat(all).hasSize(n).isSorted();
    assertThat(keys(kv, p, Bytes.prefixEnd(p), 1001)).isEqualTo(all.subList(0, 1001));
    assertThat(keys(kv, Bytes.concat(p, Bytes.u64(1500)), null, 0)).hasSize(n - 1500 + 1).endsWith("71");
    int[] seen = {0};
    Transactions.read(kv, tx -> {
      tx.scan(p, null, 0, (k, v) -> ++seen[0] < 10);
      return null;
    });
    assertThat(seen[0]).as("the visitor said stop at the tenth key").isEqualTo(10);
    int deleted = kv.txn(tx -> {
      int[] c = {0};
      tx.scan(p, Bytes.prefixEnd(p), 0, (k, v) -> {
        assertThat(Bytes.getU64(v, 0)).isEqualTo(Bytes.getU64(k, 1) * 3);
        tx.delete(k);
        if (c[0]++ % 100 == 0) {
          tx.put(Bytes.concat(b('r'), k), v); // beyond the scanned range
        }
        return true;
      });
      return c[0];
    });
    assertThat(deleted).isEqualTo(n);
    assertThat(keys(kv, new byte[0], b('r'), 0)).containsExactly("6f", "71");
    assertThat(keys(kv, b('r'), null, 0)).hasSize((n + 99) / 100);
  }

  @Test
  void scan_mergesTheTransactionsOwnWrites_inOrder_withLimits() throws IOException {
    put(kv, b('m', 1), b(1), b('m', 3), b(3), b('m', 5), b(5), b('m', 7), b(7));
    List<String> seen = kv.txn(tx -> {
      tx.put(b('m', 2), b(2)); // new, between committed keys
      tx.delete(b('m', 3)); // committed, deleted here
      tx.put(b('m', 5), b(0x55)); // committed, overwritten here
      tx.put(b('m', 9), b(9)); // new, after the last committed key
      tx.put(b('m', 0), b(0)); // new, before the first
      List<String> out = pairs(tx, b('m'), b('n'), 0);
      assertThat(pairs(tx, b('m'), b('n'), 3)).as("limits count what is visible").isEqualTo(out.subList(0, 3));
      assertThat(pairs(tx, b('m', 3), b('m', 8), 0)).containsExactly("6d05=55", "6d07=07");
      return out;
    });
    assertThat(seen).containsExactly("6d00=00", "6d01=01", "6d02=02", "6d05=55", "6d07=07", "6d09=09");
    List<String> committed = Transactions.read(kv, tx -> pairs(tx, b('m'), b('n'), 0));
    assertThat(committed).isEqualTo(seen);
  }

  @Test
  void getAll_mergesOwnWritesWithCommittedValues_inTheOrderGiven() throws IOException {
    put(kv, b('b'), b(2), b('c'), b(3));
    List<byte[]> got = kv.txn(tx -> {
      tx.put(b('a'), b(1));
      tx.delete(b('b'));
      assertThat(tx.getAll(List.of())).isEmpty();
      return tx.getAll(List.of(b('d'), b('c'), b('b'), b('a'), b('c')));
    });
    assertThat(got).hasSize(5);
    assertThat(got.get(0)).as("missing").isNull();
    assertThat(got.get(1)).containsExactly(3);
    assertThat(got.get(2)).as("deleted in this transaction").isNull();
    assertThat(got.get(3)).as("written in this transaction").containsExactly(1);
    assertThat(got.get(4)).as("asked twice").containsExactly(3);
    List<byte[]> many = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {
      many.add(Bytes.concat(b('g'), Bytes.u64(i)));
    }
    kv.txn(tx -> {
      for (int i = 0; i < many.size(); i += 2) {
        tx.put(many.get(i), Bytes.u64(i));
      }
      return null;
    });
    List<byte[]> values = Transactions.read(kv, tx -> tx.getAll(many));
    for (int i = 0; i < many.size(); i++) {
      if (i % 2 == 0) {
        assertThat(Bytes.getU64(values.get(i), 0)).isEqualTo(i);
      } else {
        assertThat(values.get(i)).isNull();
      }
    }
  }

  @Test
  void incrBy_startsFromZero_returnsTheNewValue_andStoresEightBytesBigEndian() throws IOException {
    kv.txn(tx -> {
      assertThat(tx.incrBy(b('c'), 5)).isEqualTo(5);
      assertThat(tx.incrBy(b('c'), -7)).isEqualTo(-2);
      assertThat(Bytes.getU64(tx.get(b('c')), 0)).as("read your own increment").isEqualTo(-2);
      tx.put(b('d'), Bytes.u64(40));
      assertThat(tx.incrBy(b('d'), 2)).as("over a value put in this transaction").isEqualTo(42);
      assertThat(tx.incrBy(b('z'), 0)).isZero();
      return null;
    });
    assertThat(value(kv, b('c'))).hasSize(8).containsExactly(Bytes.u64(-2));
    assertThat(value(kv, b('d'))).containsExactly(Bytes.u64(42));
    long big = kv.txn(tx -> tx.incrBy(b('c'), Long.MAX_VALUE / 2));
    assertThat(big).isEqualTo(Long.MAX_VALUE / 2 - 2);
    long zero = kv.txn(tx -> tx.incrBy(b('d'), -42));
    assertThat(zero).isZero();
    assertThat(value(kv, b('d'))).as("zero is a value, not a deletion").containsExactly(Bytes.u64(0));
  }

  @Test
  void aBodyThatThrows_leavesNothingBehind() throws IOException {
    put(kv, b(1), b(1), b('c'), Bytes.u64(10));
    assertThatThrownBy(() -> kv.txn(tx -> {
      tx.put(b(1), b(2));
      tx.put(b(2), b(2));
      tx.delete(b(1));
      tx.incrBy(b('c'), 5);
      throw new IOException("boom");
    })).hasMessage("boom");
    assertThatThrownBy(() -> kv.txn(tx -> {
      for (int i = 0; i < 600; i++) {
        tx.put(Bytes.concat(b(3), Bytes.u64(i)), b(3));
      }
      throw new IllegalArgumentException("bad");
    })).isInstanceOf(IllegalArgumentException.class).hasMessage("bad");
    assertThat(keys(kv, new byte[0], null, 0)).containsExactly("01", "63");
    assertThat(value(kv, b(1))).containsExactly(1);
    assertThat(Bytes.getU64(value(kv, b('c')), 0)).isEqualTo(10);
    put(kv, b(4), b(4));
    assertThat(keys(kv, new byte[0], null, 0)).as("the engine is usable after failures").containsExactly("01", "04", "63");
  }

  @Test
  void readTransactions_seeCommittedState_andRefuseEveryWrite() throws IOException {
    put(kv, b(1), b(1));
    byte[] one = kv.read(tx -> tx.get(b(1)));
    assertThat(one).containsExactly(1);
    List<KvCall> writes = List.of(tx -> tx.put(b(2), b(2)), tx -> tx.delete(b(1)), tx -> tx.incrBy(b(3), 1));
    for (KvCall w : writes) {
      assertThatThrownBy(() -> kv.read(tx -> {
        w.run(tx);
        return null;
      })).isInstanceOf(IllegalStateException.class);
    }
    assertThat(keys(kv, new byte[0], null, 0)).containsExactly("01");
  }

  @Test
  void reset_emptiesTheStore_andItStaysUsable() throws IOException {
    kv.txn(tx -> {
      for (int i = 0; i < 700; i++) {
        tx.put(Bytes.concat(b(i % 7 == 0 ? 0xff : 'A'), Bytes.u64(i)), b(1));
      }
      tx.incrBy(b('C'), 3);
      return null;
    });
    try (TxnKv other = openEngine(tmp)) {
      other.reset();
    }
    assertThat(keys(kv, new byte[0], null, 0)).as("another client's reset is seen").isEmpty();
    put(kv, b(5), b(5));
    assertThat(keys(kv, new byte[0], null, 0)).containsExactly("05");
  }

  @Test
  void bulkReads_scanAndGetWhatTransactionsDo_forEveryPageSize_andRefuseWrites() throws IOException {
    Random rnd = new Random(11);
    TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
    for (int i = 0; i < 400; i++) {
      byte[] k = Bytes.concat(b(new int[] {'A', 'A', 'A', 'D', 0x00, 0xff}[rnd.nextInt(6)]), Bytes.u64(rnd.nextInt(50)), b(rnd.nextInt(3)));
      model.put(k, Bytes.u64(i));
    }
    kv.txn(tx -> {
      for (var e : model.entrySet()) {
        tx.put(e.getKey(), e.getValue());
      }
      return null;
    });
    byte[][][] ranges = {{new byte[0], null}, {b('A'), Bytes.prefixEnd(b('A'))}, {Bytes.concat(b('A'), Bytes.u64(20)), b('E')},
        {b(0x00, 0x00), b(0xff, 0, 0, 0, 0, 0, 0, 0, 30)}};
    for (byte[][] r : ranges) {
      List<String> want = Transactions.read(kv, tx -> pairs(tx, r[0], r[1], 0));
      assertThat(want).isNotEmpty();
      for (int page : new int[] {1, 3, 64, 4096}) {
        TxnKv.Bulk<List<String>> got = Transactions.bulk(kv, page, tx -> pairs(tx, r[0], r[1], 0));
        assertThat(got.value()).as("range %s.., page %d", Bytes.hex(r[0]), page).isEqualTo(want);
        assertThat(got.snapshot()).as("nothing was written meanwhile").isTrue();
        assertThat(Transactions.bulk(kv, page, tx -> pairs(tx, r[0], r[1], 7)).value()).isEqualTo(want.subList(0, Math.min(7, want.size())));
      }
    }
    byte[] some = model.firstKey();
    List<byte[]> got = Transactions.bulk(kv, 16, tx -> {
      List<byte[]> out = new ArrayList<>(tx.getAll(List.of(some, b('Z'))));
      out.add(tx.get(some));
      return out;
    }).value();
    assertThat(got.get(0)).isEqualTo(model.get(some));
    assertThat(got.get(1)).isNull();
    assertThat(got.get(2)).isEqualTo(model.get(some));
    assertThatThrownBy(() -> Transactions.bulk(kv, 16, tx -> {
      tx.put(b('Z'), b(1));
      return null;
    })).isInstanceOf(IllegalStateException.class);
    assertThat(value(kv, b('Z'))).isNull();
  }

  @Test
  void describe_namesTheEngine_withoutItsPassword() {
    assertThat(kv.describe()).isNotBlank().contains("://");
    String secret = secretInUrl();
    if (secret != null) {
      assertThat(kv.describe()).doesNotContain(secret);
    }
  }

  /** One write call, for the table of refused writes. */
  @FunctionalInterface
  interface KvCall {
    void run(KvTxn tx) throws IOException;
  }
}
