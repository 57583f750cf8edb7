package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.meta.kv.Bytes;
import io.nectarfs.meta.kv.KvTxn;
import io.nectarfs.meta.kv.Transactions;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The bulk-read SPI ({@link TxnKv#bulkRead}) on a real volume's keys: its scans return exactly what
 * a transactional scan returns, in order, for every page size and range shape (ranges across many
 * partitions, starting inside one, partitions larger than a page); gets agree; writes are refused;
 * and a write committed while a bulk read runs is either invisible or reported (no snapshot).
 */
public abstract class BulkReadSuite extends MetaTestBase {
  /** False for engines whose writers wait until a bulk read ends (mem): the concurrent-write test then only checks invisibility. */
  protected boolean writersRunDuringBulkReads() {
    return true;
  }

  private long bigDir;

  private void populate() throws IOException {
    bigDir = mkdir(ROOT, "big");
    for (int i = 0; i < 150; i++) {
      file(bigDir, "f" + i);
    }
    for (int d = 0; d < 20; d++) {
      long sub = mkdir(ROOT, "d" + d);
      for (int i = 0; i < 3; i++) {
        file(sub, "g" + i);
      }
    }
  }

  private static List<String> collect(KvTxn tx, byte[] start, byte[] end, int limit) throws IOException {
    List<String> out = new ArrayList<>();
    tx.scan(start, end, limit, (k, v) -> {
      out.add(Bytes.hex(k) + "=" + Bytes.hex(v));
      return true;
    });
    return out;
  }

  @Test
  void bulkScans_returnWhatATransactionalScanReturns_forEveryPageSizeAndRange() throws IOException {
    populate();
    byte[] all = new byte[0];
    byte[] a = {'A'};
    byte[] insideBigDir = Bytes.concat(new byte[] {'A'}, Bytes.u64(bigDir), new byte[] {'D'}, "f5".getBytes());
    byte[] laterAttr = Bytes.concat(new byte[] {'A'}, Bytes.u64(bigDir + 7), new byte[] {'I'});
    byte[][][] ranges = {{all, null}, {a, Bytes.prefixEnd(a)}, {insideBigDir, laterAttr}, {insideBigDir, Bytes.prefixEnd(a)},
        {Bytes.concat(new byte[] {'A'}, Bytes.u64(bigDir), new byte[] {'D'}), Bytes.prefixEnd(Bytes.concat(new byte[] {'A'}, Bytes.u64(bigDir), new byte[] {'D'}))}};
    for (byte[][] r : ranges) {
      List<String> want = engine.read(tx -> collect(tx, r[0], r[1], 0));
      assertThat(want).isNotEmpty();
      for (int page : new int[] {1, 3, 64, 4096}) {
        TxnKv.Bulk<List<String>> got = Transactions.bulk(engine, page, tx -> collect(tx, r[0], r[1], 0));
        assertThat(got.value()).as("range %s..%s, page %d", Bytes.hex(r[0]), r[1] == null ? "end" : Bytes.hex(r[1]), page).isEqualTo(want);
        assertThat(got.snapshot()).as("nothing was written meanwhile").isTrue();
        List<String> limited = Transactions.bulk(engine, page, tx -> collect(tx, r[0], r[1], 5)).value();
        assertThat(limited).isEqualTo(want.subList(0, Math.min(5, want.size())));
      }
    }
    List<String> empty = Transactions.bulk(engine, 16, tx -> collect(tx, new byte[] {'A', 0}, new byte[] {'A', 0}, 0)).value();
    assertThat(empty).isEmpty();
  }

  @Test
  void bulkGets_agree_andWritesAreRefused() throws IOException {
    populate();
    byte[] attr = Bytes.concat(new byte[] {'A'}, Bytes.u64(bigDir), new byte[] {'I'});
    byte[] missing = Bytes.concat(new byte[] {'A'}, Bytes.u64(987_654_321L), new byte[] {'I'});
    byte[] want = engine.read(tx -> tx.get(attr));
    List<byte[]> got = Transactions.bulk(engine, 16, tx -> {
      List<byte[]> out = new ArrayList<>(tx.getAll(List.of(attr, missing)));
      out.add(tx.get(attr));
      return out;
    }).value();
    assertThat(got.get(0)).isEqualTo(want);
    assertThat(got.get(1)).isNull();
    assertThat(got.get(2)).isEqualTo(want);
    assertThatThrownBy(() -> Transactions.bulk(engine, 16, tx -> {
      tx.put(new byte[] {'Z'}, new byte[] {1});
      return null;
    })).isInstanceOf(IllegalStateException.class);
    assertThat((Object) engine.read(tx -> tx.get(new byte[] {'Z'}))).isNull();
  }

  @Test
  void aWriteDuringABulkRead_isInvisible_orTheReadIsNoSnapshot() throws Exception {
    populate();
    byte[] a = {'A'};
    @SuppressWarnings("unchecked")
    CompletableFuture<Void>[] writer = new CompletableFuture[1];
    TxnKv.Bulk<List<String>> got = Transactions.bulk(engine, 1, tx -> {
      List<String> out = new ArrayList<>();
      boolean[] started = {false};
      tx.scan(a, Bytes.prefixEnd(a), 0, (k, v) -> {
        out.add(Bytes.hex(k));
        if (!started[0]) {
          started[0] = true;
          // Another client renames a file the scan has not reached yet (its entry moves to the root).
          writer[0] = CompletableFuture.runAsync(() -> {
            try {
              meta.rename(root, bigDir, "f149", ROOT, "moved", 0);
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
          if (writersRunDuringBulkReads()) {
            writer[0].join();
          }
        }
        return true;
      });
      return out;
    });
    writer[0].get(5, TimeUnit.MINUTES);
    byte[] moved = Bytes.concat(new byte[] {'A'}, Bytes.u64(bigDir), new byte[] {'D'}, "f149".getBytes());
    if (got.snapshot()) {
      assertThat(got.value()).as("a snapshot shows the state before the rename").contains(Bytes.hex(moved));
    }
    if (writersRunDuringBulkReads()) {
      boolean sawOld = got.value().contains(Bytes.hex(moved));
      if (!sawOld) {
        assertThat(got.snapshot()).as("the scan saw the rename half-way, so it is no snapshot").isFalse();
      }
    }
  }
}
