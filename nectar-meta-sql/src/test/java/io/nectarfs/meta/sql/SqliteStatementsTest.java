package io.nectarfs.meta.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.Slice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Statements per metadata operation on SQLite (issue #13), counted, never timed: a warm client
 * prepares no statement (each connection keeps what it prepared), and each operation runs a fixed
 * number of statements, BEGIN and COMMIT included, so a regression shows.
 */
class SqliteStatementsTest {
  @TempDir Path tmp;

  @FunctionalInterface
  private interface Op {
    void run(int i) throws IOException;
  }

  @Test
  void aWarmClientPreparesNothing_andEachOperationRunsItsFewStatements() throws IOException {
    Ctx ctx = Ctx.ROOT;
    try (SqlKv kv = (SqlKv) SqliteMetaTest.open("sqlite3://" + tmp.resolve("volume.db"))) {
      MetaClient.format(kv, Format.builder("stmts", "mem://stmts").checksum(false).createdMillis(1).storageLayout(Format.LAYOUT_NAME).build(),
          false, Clock.SYSTEM);
      try (MetaClient m = MetaClient.open(kv, MetaConfig.defaults().withBackground(false))) {
        long dir = m.mkdir(ctx, Meta.ROOT, "d", 0755, 0).ino();
        long[] ino = new long[3];
        Map<String, Op> ops = new LinkedHashMap<>();
        ops.put("create", i -> ino[i] = m.mknod(ctx, dir, "f" + i, FileType.FILE, 0644, 0, 0).ino());
        ops.put("lookup", i -> m.lookup(ctx, dir, "f" + i));
        ops.put("getattr", i -> m.getattr(ctx, ino[i]));
        ops.put("getxattr", i -> assertThatThrownBy(() -> m.getxattr(ctx, ino[i], "security.capability"))
            .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENODATA)));
        ops.put("listxattr", i -> assertThat(m.listxattr(ctx, ino[i])).isEmpty());
        long[] link = new long[3];
        ops.put("symlink", i -> link[i] = m.symlink(ctx, dir, "l" + i, "f" + i).ino());
        ops.put("readlink", i -> assertThat(m.readlink(ctx, link[i])).isEqualTo("f" + i));
        ops.put("readdir", i -> m.readdir(ctx, dir, "", 100, true));
        ops.put("setattr", i -> m.setattr(ctx, ino[i], new SetAttr(SetAttr.MODE, 0600, 0, 0, 0, 0, 0, 0, false)));
        ops.put("write", i -> m.write(ctx, ino[i], 0, new Slice(0, 1000 + i, 4096, 0, 4096), 1));
        ops.put("rename", i -> m.rename(ctx, dir, "f" + i, dir, "g" + i, 0));
        ops.put("unlink", i -> m.unlink(ctx, dir, "g" + i));
        Map<String, Long> statements = new LinkedHashMap<>();
        Map<String, Long> prepared = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
          for (var op : ops.entrySet()) {
            long s = kv.statements();
            long p = kv.prepared();
            op.getValue().run(i);
            if (i > 0) { // the first round warms the connection up
              statements.merge(op.getKey(), kv.statements() - s, Math::max);
              prepared.merge(op.getKey(), kv.prepared() - p, Math::max);
            }
          }
        }
        // Before (statements prepared per transaction, one per write, five reads per slice commit):
        // create 8, getxattr 4, write 11, rename 7, unlink 11; unlink 7 before its ranges (locks,
        // extended attributes) were read with its keys. Reads of one statement run it alone (lazy
        // BEGIN): lookup, getattr and getxattr 3 -> 1; readdir begins at once (KvTxn.snapshotNow);
        // listxattr and readlink 5 -> 1 (their two reads in one statement, not a lone first one
        // and then a transaction that reads it again).
        assertThat(statements).as("statements per operation, BEGIN and COMMIT included").isEqualTo(Map.ofEntries(
            Map.entry("create", 4L), Map.entry("lookup", 1L), Map.entry("getattr", 1L), Map.entry("getxattr", 1L),
            Map.entry("listxattr", 1L), Map.entry("symlink", 4L), Map.entry("readlink", 1L), Map.entry("readdir", 5L),
            Map.entry("setattr", 4L), Map.entry("write", 5L), Map.entry("rename", 5L), Map.entry("unlink", 5L)));
        assertThat(kv.lazyReruns()).as("reads run again (nothing changed under them)").isZero();
        assertThat(prepared).as("statements prepared per operation by a warm client").allSatisfy((op, n) -> assertThat(n).as(op).isZero());
      }
    }
  }

  @Test
  void manyAndLargeWritesOfOneTransaction_goInBatches_andReadBack() throws IOException {
    try (SqlKv kv = (SqlKv) SqliteMetaTest.open("sqlite3://" + tmp.resolve("batches.db"))) {
      int n = 250; // more rows than one statement takes, and more bytes (250 x 10 KiB)
      kv.txn(tx -> {
        for (int i = 0; i < n; i++) {
          tx.put(key(i), value(i));
        }
        return null;
      });
      long before = kv.statements();
      int scanned = kv.txn(tx -> {
        for (int i = 0; i < n; i += 2) {
          tx.delete(key(i));
        }
        tx.put(key(1), new byte[] {7});
        int[] seen = {0};
        tx.scan(key(0), key(n), 0, (k, v) -> { // sees this transaction's own writes
          seen[0]++;
          return true;
        });
        return seen[0];
      });
      assertThat(scanned).isEqualTo(n / 2);
      assertThat(kv.statements() - before).as("BEGIN, one upsert, two deletes of 100 and 25 keys, one scan, COMMIT").isEqualTo(6);
      kv.read(tx -> {
        assertThat(tx.get(key(0))).isNull();
        assertThat(tx.get(key(1))).containsExactly(7);
        assertThat(tx.get(key(3))).isEqualTo(value(3));
        return null;
      });
    }
  }

  @Test
  void aRangeReadWithTheKeysAnswersItsScan_withTheTransactionsOwnWritesOverIt() throws IOException {
    try (SqlKv kv = (SqlKv) SqliteMetaTest.open("sqlite3://" + tmp.resolve("ranges.db"))) {
      byte[] p = {'r'};
      kv.txn(tx -> {
        tx.put(new byte[] {'r', 1}, new byte[] {1});
        tx.put(new byte[] {'r', 2}, new byte[] {2});
        tx.put(new byte[] {'s', 1}, new byte[] {9});
        return null;
      });
      long before = kv.statements();
      List<String> seen = kv.txn(tx -> {
        tx.prefetch(List.of(new byte[] {'s', 1}, new byte[] {'s', 2}), List.of(p, new byte[] {'q'}));
        List<String> out = new ArrayList<>();
        out.add(scan(tx, p, 0) + " s1=" + java.util.Arrays.toString(tx.get(new byte[] {'s', 1})) + " s2=" + java.util.Arrays.toString(tx.get(new byte[] {'s', 2})));
        tx.delete(new byte[] {'r', 1});
        tx.put(new byte[] {'r', 3}, new byte[] {3});
        tx.put(new byte[] {'r', 2}, new byte[] {22});
        out.add(scan(tx, p, 0));
        out.add(scan(tx, p, 1));
        out.add(scan(tx, new byte[] {'q'}, 0));
        return out;
      });
      assertThat(seen).containsExactly("[r1=1, r2=2] s1=[9] s2=null", "[r2=22, r3=3]", "[r2=22]", "[]");
      assertThat(kv.statements() - before).as("BEGIN, one read of keys and ranges, one upsert, one delete, COMMIT").isEqualTo(5);
      String committed = kv.read(tx -> scan(tx, p, 0));
      assertThat(committed).isEqualTo("[r2=22, r3=3]");
      kv.txn(tx -> { // a range with more rows than a prefetch reads is scanned as before
        for (int i = 10; i < 10 + SqlTxn.RANGE_ROWS; i++) {
          tx.put(new byte[] {'r', (byte) i}, new byte[] {(byte) i});
        }
        return null;
      });
      int n = kv.txn(tx -> {
        tx.prefetch(List.of(), List.of(p));
        int[] c = {0};
        tx.scan(p, io.nectarfs.meta.kv.Bytes.prefixEnd(p), 0, (k, v) -> ++c[0] > 0);
        return c[0];
      });
      assertThat(n).isEqualTo(2 + SqlTxn.RANGE_ROWS);
    }
  }

  private static String scan(io.nectarfs.meta.kv.KvTxn tx, byte[] prefix, int limit) throws IOException {
    List<String> rows = new ArrayList<>();
    tx.scan(prefix, io.nectarfs.meta.kv.Bytes.prefixEnd(prefix), limit, (k, v) -> rows.add((char) k[0] + "" + k[1] + "=" + v[0]));
    return rows.toString();
  }

  /**
   * A read's first point read runs alone (no BEGIN); at its second statement the transaction
   * begins and reads the first one's keys again: unchanged, the body goes on (once); changed by
   * another writer in between, the body runs again inside one snapshot and sees the change in
   * both its reads.
   */
  @Test
  void aLazyRead_goesOnWhenItsFirstReadStillHolds_andRunsAgainWhenItChanged() throws Exception {
    try (SqlKv kv = (SqlKv) SqliteMetaTest.open("sqlite3://" + tmp.resolve("lazy.db"))) {
      kv.txn(tx -> {
        tx.put(key(1), value(1));
        tx.put(key(2), value(2));
        return null;
      });
      for (boolean change : new boolean[] {false, true}) {
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        long before = kv.statements();
        List<byte[]> seen = kv.read(tx -> {
          List<byte[]> out = new ArrayList<>();
          out.add(tx.get(key(1)));
          if (runs.incrementAndGet() == 1 && change) { // another writer, between this read's two statements
            Thread w = Thread.ofPlatform().start(() -> {
              try {
                kv.txn(t -> {
                  t.put(key(1), value(9));
                  return null;
                });
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
            try {
              w.join();
            } catch (InterruptedException e) {
              throw new IOException(e);
            }
          }
          tx.scan(key(0), key(3), 0, (k, v) -> out.add(v));
          return out;
        });
        if (!change) {
          assertThat(runs).hasValue(1);
          assertThat(kv.statements() - before).as("the get alone, BEGIN, the get again, the scan, COMMIT").isEqualTo(5);
          assertThat(seen).containsExactly(value(1), value(1), value(2));
          assertThat(kv.lazyReruns()).isZero();
        } else {
          assertThat(runs).as("run again").hasValue(2);
          assertThat(seen).as("one snapshot: the change in both reads").containsExactly(value(9), value(9), value(2));
          assertThat(kv.lazyReruns()).isEqualTo(1);
        }
      }
    }
  }

  private static byte[] key(int i) {
    return new byte[] {'t', (byte) (i >> 8), (byte) i};
  }

  private static byte[] value(int i) {
    byte[] v = new byte[10 << 10];
    java.util.Arrays.fill(v, (byte) i);
    return v;
  }
}
