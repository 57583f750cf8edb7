package io.nectarfs.meta.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.meta.kv.Bytes;
import io.nectarfs.meta.kv.Transactions;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.meta.MetaEngineHook;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key-value contract of a SQL engine, below the metadata suites: order, paging, atomicity. */
abstract class SqlKvContract implements MetaEngineHook {
  @TempDir Path tmp;
  TxnKv kv;

  @BeforeEach
  void openStore() throws IOException {
    kv = openEngine(tmp);
    kv.reset();
  }

  @AfterEach
  void closeStore() throws IOException {
    kv.close();
  }

  static byte[] b(int... v) {
    byte[] out = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (byte) v[i];
    }
    return out;
  }

  static byte[] value(TxnKv kv, byte[] key) throws IOException {
    return kv.read(tx -> tx.get(key));
  }

  static List<String> keys(TxnKv kv, byte[] start, byte[] end, int limit) throws IOException {
    List<String> out = new ArrayList<>();
    kv.read(tx -> {
      tx.scan(start, end, limit, (k, v) -> out.add(Bytes.hex(k)));
      return null;
    });
    return out;
  }

  @Test
  void scan_ordersKeysAsUnsignedBytes() throws IOException {
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
    assertThat(keys(kv, b(0x7f), Bytes.prefixEnd(b(0x7f)), 2)).as("prefix 7f, limit 2").containsExactly("7f", "7f0001");
  }

  @Test
  void scan_pagesThroughLargeRanges_andStopsEarly() throws IOException {
    int n = SqlTxn.PAGE * 2 + 37;
    kv.txn(tx -> {
      for (int i = 0; i < n; i++) {
        tx.put(Bytes.concat(b('p'), Bytes.u64(i)), Bytes.u64(i * 3L));
      }
      tx.put(b('q'), b(1));
      return null;
    });
    byte[] p = b('p');
    List<String> all = keys(kv, p, Bytes.prefixEnd(p), 0);
    assertThat(all).hasSize(n).isSorted();
    assertThat(keys(kv, p, Bytes.prefixEnd(p), SqlTxn.PAGE + 1)).hasSize(SqlTxn.PAGE + 1);
    AtomicInteger seen = new AtomicInteger();
    kv.read(tx -> {
      tx.scan(p, null, 0, (k, v) -> seen.incrementAndGet() < 10);
      return null;
    });
    assertThat(seen).hasValue(10);
    // A visitor may write through the transaction while scanning (here: delete what it visits).
    int deleted = kv.txn(tx -> {
      int[] c = {0};
      tx.scan(p, Bytes.prefixEnd(p), 0, (k, v) -> {
        assertThat(Bytes.getU64(v, 0)).isEqualTo(Bytes.getU64(k, 1) * 3);
        tx.delete(k);
        c[0]++;
        return true;
      });
      return c[0];
    });
    assertThat(deleted).isEqualTo(n);
    assertThat(keys(kv, new byte[0], null, 0)).containsExactly("71");
  }

  @Test
  void getPutDeleteIncr_andReadYourWrites() throws IOException {
    kv.txn(tx -> {
      assertThat(tx.get(b(1))).isNull();
      tx.put(b(1), b(9, 9));
      assertThat(tx.get(b(1))).containsExactly(9, 9);
      tx.put(b(1), new byte[0]);
      tx.put(b(2), b(2));
      tx.delete(b(2));
      tx.delete(b(3));
      assertThat(tx.incrBy(b('c'), 5)).isEqualTo(5);
      assertThat(tx.incrBy(b('c'), -7)).isEqualTo(-2);
      return null;
    });
    kv.read(tx -> {
      assertThat(tx.get(b(1))).as("an empty value is not a missing one").isEmpty();
      assertThat(tx.get(b(2))).isNull();
      assertThat(Bytes.getU64(tx.get(b('c')), 0)).isEqualTo(-2);
      return null;
    });
    byte[] big = new byte[1 << 20];
    big[big.length - 1] = 42;
    kv.txn(tx -> {
      tx.put(b(5), big);
      return null;
    });
    assertThat(value(kv, b(5))).isEqualTo(big);
  }

  @Test
  void failingBody_writesNothing() throws IOException {
    kv.txn(tx -> {
      tx.put(b(1), b(1));
      return null;
    });
    assertThatThrownBy(() -> kv.txn(tx -> {
      tx.put(b(1), b(2));
      tx.put(b(2), b(2));
      tx.delete(b(1));
      throw new IOException("boom");
    })).hasMessage("boom");
    assertThatThrownBy(() -> kv.txn(tx -> {
      tx.put(b(3), b(3));
      throw new IllegalArgumentException("bad");
    })).isInstanceOf(IllegalArgumentException.class);
    assertThat(keys(kv, new byte[0], null, 0)).containsExactly("01");
    assertThat(value(kv, b(1))).containsExactly(1);
  }

  @Test
  void readTransaction_refusesWrites_andReset_emptiesTheVolume() throws IOException {
    kv.txn(tx -> {
      tx.put(b(1), b(1));
      return null;
    });
    assertThatThrownBy(() -> kv.read(tx -> {
      tx.put(b(2), b(2));
      return null;
    })).isInstanceOf(IllegalStateException.class);
    kv.reset();
    assertThat(keys(kv, new byte[0], null, 0)).isEmpty();
  }

  @Test
  void conflictingIncrements_fromEightThreads_addUpExactly() throws Exception {
    int threads = 8;
    int each = 200;
    byte[] counter = b('C', 'n');
    List<TxnKv> engines = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger attempts = new AtomicInteger();
    try (ExecutorService ex = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        // Half the threads share this engine, half have their own (another client of the volume).
        TxnKv e = t % 2 == 0 ? kv : openEngine(tmp);
        if (e != kv) {
          engines.add(e);
        }
        fs.add(ex.submit(() -> {
          start.await();
          for (int i = 0; i < each; i++) {
            Transactions.run(e, tx -> {
              attempts.incrementAndGet();
              long v = tx.incrBy(counter, 1);
              // Also a plain read-modify-write on a second key, the pattern of attribute updates.
              byte[] old = tx.get(b('X'));
              tx.put(b('X'), Bytes.u64((old == null ? 0 : Bytes.getU64(old, 0)) + 2));
              return v;
            });
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      for (TxnKv e : engines) {
        e.close();
      }
    }
    assertThat(Bytes.getU64(value(kv, counter), 0)).isEqualTo((long) threads * each);
    assertThat(Bytes.getU64(value(kv, b('X')), 0)).isEqualTo(2L * threads * each);
    assertThat(attempts.get()).isGreaterThanOrEqualTo(threads * each);
    System.out.printf("%s: %d transactions took %d attempts (%d retried after a conflict)%n", kv.describe(), threads * each,
        attempts.get(), attempts.get() - threads * each);
  }

  /** False where write transactions queue before they start (SQLite), so they cannot interleave. */
  boolean writersOverlap() {
    return true;
  }

  @Test
  void crossedReadsAndWrites_oneOfTwoTransactionsConflicts() throws Exception {
    byte[] a = b('a');
    byte[] z = b('z');
    boolean overlap = writersOverlap();
    CountDownLatch bothRead = new CountDownLatch(overlap ? 2 : 0);
    try (TxnKv other = openEngine(tmp); ExecutorService ex = Executors.newFixedThreadPool(2)) {
      // Each reads one key, waits until the other has read too, reads the other key and writes:
      // a deadlock under locking (InnoDB) or write skew under SSI (PostgreSQL). Where writers
      // queue before they start (SQLite) they cannot interleave, and both commit.
      Future<String> t1 = ex.submit(() -> outcome(kv, a, z, bothRead));
      Future<String> t2 = ex.submit(() -> outcome(other, z, a, bothRead));
      assertThat(List.of(t1.get(), t2.get())).containsExactlyInAnyOrder("committed", overlap ? "conflict" : "committed");
    }
  }

  private static String outcome(TxnKv kv, byte[] first, byte[] second, CountDownLatch bothRead) throws Exception {
    try {
      kv.txn(tx -> {
        tx.get(first);
        bothRead.countDown();
        try {
          bothRead.await(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          throw new java.io.InterruptedIOException();
        }
        tx.get(second);
        tx.put(first, b(1));
        return null;
      });
      return "committed";
    } catch (io.nectarfs.meta.kv.KvConflictException e) {
      return "conflict";
    }
  }

  @Test
  void describe_isRedacted() {
    assertThat(kv.describe()).doesNotContain(passwordOrNull() == null ? "\u0000" : passwordOrNull());
  }

  /** The password of the engine's URL, if it has one. */
  String passwordOrNull() {
    return null;
  }
}
