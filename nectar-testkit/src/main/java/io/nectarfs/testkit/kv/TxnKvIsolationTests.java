package io.nectarfs.testkit.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.meta.kv.Bytes;
import io.nectarfs.meta.kv.KvConflictException;
import io.nectarfs.meta.kv.Transactions;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The isolation half of the {@link TxnKvContract}: transactions on several threads and clients are
 * serializable. Racing read-modify-writes add up exactly (the losers conflict and retry), write
 * skew is impossible (one of two crossed transactions conflicts and writes nothing), and a read
 * transaction sees one state while writers move values around. Every wait has a generous deadline
 * and no assertion depends on timing.
 */
abstract class TxnKvIsolationTests extends KvFixture {
  private static final long DEADLINE_SECONDS = 300;

  @Test
  void racingIncrementsAndReadModifyWrites_fromEightThreadsAndTwoClients_addUpExactly() throws Exception {
    int threads = 8;
    int each = 100;
    byte[] counter = b('C', 'n');
    byte[] plain = b('X');
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger attempts = new AtomicInteger();
    TxnKv second = another();
    try (ExecutorService ex = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        TxnKv e = t % 2 == 0 ? kv : second; // four threads per client
        fs.add(ex.submit(() -> {
          start.await();
          for (int i = 0; i < each; i++) {
            Transactions.run(e, tx -> {
              attempts.incrementAndGet();
              long v = tx.incrBy(counter, 1);
              byte[] old = tx.get(plain); // the pattern of attribute updates
              tx.put(plain, Bytes.u64((old == null ? 0 : Bytes.getU64(old, 0)) + 2));
              return v;
            });
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : fs) {
        f.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
      }
    }
    assertThat(Bytes.getU64(value(kv, counter), 0)).isEqualTo((long) threads * each);
    assertThat(Bytes.getU64(value(kv, plain), 0)).isEqualTo(2L * threads * each);
    System.out.printf("%s: %d transactions took %d attempts%n", kv.describe(), threads * each, attempts.get());
  }

  @Test
  void crossedReadsAndWrites_oneOfTwoTransactionsConflicts_andWritesNothing() throws Exception {
    byte[] a = b('a');
    byte[] z = b('z');
    boolean overlap = writersOverlap();
    CountDownLatch firstRead = new CountDownLatch(overlap ? 2 : 0);
    CountDownLatch secondRead = new CountDownLatch(overlap ? 2 : 0);
    TxnKv other = another();
    try (ExecutorService ex = Executors.newFixedThreadPool(2)) {
      // Each reads one key, waits until the other has too, reads the other key, waits again, and
      // writes the key it read first: a deadlock under locking, write skew under snapshot
      // isolation, a changed WATCH under optimistic locking. Where writers queue before they start
      // they cannot interleave, and both commit.
      Future<String> t1 = ex.submit(() -> crossed(kv, a, z, firstRead, secondRead));
      Future<String> t2 = ex.submit(() -> crossed(other, z, a, firstRead, secondRead));
      List<String> outcomes = List.of(t1.get(DEADLINE_SECONDS, TimeUnit.SECONDS), t2.get(DEADLINE_SECONDS, TimeUnit.SECONDS));
      assertThat(outcomes).containsExactlyInAnyOrder("committed", overlap ? "conflict" : "committed");
      assertThat(keys(kv, new byte[0], null, 0)).as("only what committed was written").hasSize(overlap ? 1 : 2);
    }
  }

  private static String crossed(TxnKv kv, byte[] first, byte[] second, CountDownLatch firstRead, CountDownLatch secondRead)
      throws IOException {
    try {
      kv.txn(tx -> {
        tx.get(first);
        await(firstRead);
        tx.get(second); // a locking engine detects the deadlock here and aborts one of the two
        await(secondRead);
        tx.put(first, b(1));
        return null;
      });
      return "committed";
    } catch (KvConflictException e) {
      secondRead.countDown(); // the survivor must not wait for the loser
      return "conflict";
    }
  }

  private static void await(CountDownLatch latch) throws InterruptedIOException {
    latch.countDown();
    try {
      latch.await(DEADLINE_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      throw new InterruptedIOException();
    }
  }

  /**
   * rmdir against a concurrent create: A writes a marker only if a prefix is empty, B inserts into
   * the prefix only if there is no marker. Serializable means exactly one of them wrote.
   */
  @Test
  void scanThenWrite_racingAnInsert_commitsExactlyOne() throws Exception {
    TxnKv other = another();
    try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
      for (int r = 0; r < 40; r++) {
        byte[] dir = Bytes.concat(b('A'), Bytes.u64(1000 + r), b('D'));
        byte[] marker = Bytes.concat(b('T', 'm'), Bytes.u64(r));
        CyclicBarrier go = new CyclicBarrier(2);
        Future<?> a = pool.submit(() -> {
          go.await(DEADLINE_SECONDS, TimeUnit.SECONDS);
          return Transactions.run(kv, tx -> {
            boolean[] empty = {true};
            tx.scan(dir, Bytes.prefixEnd(dir), 1, (k, v) -> empty[0] = false);
            if (empty[0]) {
              tx.put(marker, b(1));
            }
            return null;
          });
        });
        Future<?> c = pool.submit(() -> {
          go.await(DEADLINE_SECONDS, TimeUnit.SECONDS);
          return Transactions.run(other, tx -> {
            if (tx.get(marker) == null) {
              tx.put(Bytes.concat(dir, b('f')), b(1));
            }
            return null;
          });
        });
        a.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        c.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        boolean hasMarker = value(kv, marker) != null;
        boolean hasEntry = !keys(kv, dir, Bytes.prefixEnd(dir), 0).isEmpty();
        assertThat(hasMarker ^ hasEntry).as("round %d: marker %s, entry %s", r, hasMarker, hasEntry).isTrue();
      }
    }
  }

  /** Transfers between five keys keep their sum; every read (and every snapshot bulk read) sees it. */
  @Test
  void readTransactions_seeOneState_whileWritersMoveValues() throws Exception {
    int keys = 5;
    long total = 1000;
    kv.txn(tx -> {
      for (int i = 0; i < keys; i++) {
        tx.put(b('B', i), Bytes.u64(total / keys));
      }
      return null;
    });
    TxnKv other = another();
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger reads = new AtomicInteger();
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        TxnKv e = w == 0 ? kv : other;
        int seed = w;
        writers.add(pool.submit(() -> {
          java.util.Random rnd = new java.util.Random(seed);
          for (int i = 0; i < 150; i++) {
            int from = rnd.nextInt(keys);
            int to = rnd.nextInt(keys);
            long amount = rnd.nextInt(50);
            Transactions.run(e, tx -> {
              long f = Bytes.getU64(tx.get(b('B', from)), 0);
              tx.put(b('B', from), Bytes.u64(f - amount));
              long t = Bytes.getU64(tx.get(b('B', to)), 0);
              tx.put(b('B', to), Bytes.u64(t + amount));
              return null;
            });
          }
          return null;
        }));
      }
      List<Future<?>> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        TxnKv e = r == 0 ? kv : other;
        boolean bulk = r == 1;
        readers.add(pool.submit(() -> {
          // At least a few reads, then until the writers are done.
          for (int i = 0; i < 3 || writing.get(); i++) {
            TxnKv.Body<Long> sum = tx -> {
              long[] s = {0};
              tx.scan(b('B'), b('C'), 0, (k, v) -> {
                s[0] += Bytes.getU64(v, 0);
                return true;
              });
              return s[0];
            };
            if (bulk) {
              TxnKv.Bulk<Long> got = Transactions.bulk(e, 2, sum);
              if (got.snapshot()) {
                assertThat(got.value()).as("a snapshot bulk read").isEqualTo(total);
              }
            } else {
              assertThat(Transactions.read(e, sum)).as("a read transaction").isEqualTo(total);
            }
            reads.incrementAndGet();
          }
          return null;
        }));
      }
      try {
        for (Future<?> f : writers) {
          f.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        }
      } finally {
        writing.set(false);
      }
      for (Future<?> f : readers) {
        f.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
      }
    }
    assertThat(reads.get()).isGreaterThanOrEqualTo(6);
    long after = Transactions.read(kv, tx -> {
      long s = 0;
      for (byte[] v : tx.getAll(List.of(b('B', 0), b('B', 1), b('B', 2), b('B', 3), b('B', 4)))) {
        s += Bytes.getU64(v, 0);
      }
      return s;
    });
    assertThat(after).isEqualTo(total);
  }
}
