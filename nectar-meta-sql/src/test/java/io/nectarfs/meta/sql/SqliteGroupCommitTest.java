package io.nectarfs.meta.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.meta.kv.Bytes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit on SQLite: write transactions that queue while another holds the write lock run
 * together, in one database transaction, each body in its own savepoint. Made deterministic by
 * holding the lock in a first body until the others are queued.
 */
class SqliteGroupCommitTest {
  private static final int WAITERS = 8;
  @TempDir Path tmp;

  private static byte[] key(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void queuedWrites_commitTogether_aFailingBodyIsRolledBackAlone_andLaterBodiesSeeEarlierOnes() throws Exception {
    try (SqlKv kv = (SqlKv) SqliteMetaTest.open("sqlite3://" + tmp.resolve("group.db"))) {
      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
        try {
          kv.txn(tx -> {
            tx.put(key("first"), Bytes.u64(1));
            holding.countDown();
            try {
              release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              throw new java.io.InterruptedIOException();
            }
            return null;
          });
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      assertThat(holding.await(60, TimeUnit.SECONDS)).isTrue();
      List<CompletableFuture<Long>> waiters = new ArrayList<>();
      for (int i = 0; i < WAITERS; i++) {
        int n = i;
        waiters.add(CompletableFuture.supplyAsync(() -> {
          try {
            return kv.txn(tx -> {
              long seen = tx.incrBy(key("counter"), 1); // sees the bodies before it in its group
              tx.put(key("w" + n), Bytes.u64(seen));
              if (n == 3) {
                throw new IOException("body 3 fails");
              }
              return seen;
            });
          } catch (IOException e) {
            return -1L;
          }
        }, Thread::startVirtualThread));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (kv.queued() < WAITERS) { // the holder's own entry has left the queue
        assertThat(System.nanoTime()).as("all waiters queued").isLessThan(deadline);
        Thread.onSpinWait();
      }
      release.countDown();
      holder.get(60, TimeUnit.SECONDS);
      List<Long> seen = new ArrayList<>();
      for (CompletableFuture<Long> w : waiters) {
        seen.add(w.get(60, TimeUnit.SECONDS));
      }

      assertThat(kv.groups()).as("one transaction for the queued bodies").isEqualTo(1);
      assertThat(seen.get(3)).as("the failing body's caller gets its failure").isEqualTo(-1L);
      List<Long> ok = seen.stream().filter(v -> v > 0).sorted().toList();
      assertThat(ok).as("each later body saw the earlier ones' increments, not the failed one's").containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
      kv.read(tx -> {
        assertThat(Bytes.getU64(tx.get(key("counter")), 0)).isEqualTo(WAITERS - 1);
        assertThat(tx.get(key("w3"))).as("rolled back to its savepoint").isNull();
        for (int i = 0; i < WAITERS; i++) {
          if (i != 3) {
            assertThat(tx.get(key("w" + i))).as("w%d", i).isNotNull();
          }
        }
        assertThat(tx.get(key("first"))).isNotNull();
        return null;
      });
    } catch (ExecutionException e) {
      throw new AssertionError(e.getCause());
    }
  }
}
