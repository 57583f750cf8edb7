package io.nectarfs.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Clock;
import io.nectarfs.meta.kv.KvTxn;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * fsck on a volume that changes while it reads, made repeatable: the engine below reads the bulk
 * scan in separate transactions (as Redis does when a commit lands in the volume's ranges) and a
 * client renames a file between two of those reads in every pass, so each pass sees the file in
 * no directory. A CI run of {@code RedisBulkScanTest} reported such a file as "not in any
 * directory" after three passes, because the transactional re-check found its attributes
 * unchanged and did not look for entries the passes had missed.
 */
class CheckerTornReadTest {
  @Test
  void aFileRenamedBetweenTheReadsOfEveryPass_isNotReported() throws IOException {
    TornKv kv = new TornKv(MetaEngines.registry().open("mem://", new Secrets(Map.of())));
    MetaClient.format(kv, Format.builder("torn", "mem://torn").checksum(false).createdMillis(1).storageLayout(Format.LAYOUT_NAME).build(),
        false, Clock.SYSTEM);
    try (MetaClient m = MetaClient.open(kv, MetaConfig.defaults().withBackground(false))) {
      long a = m.mkdir(Ctx.ROOT, Meta.ROOT, "a", 0755, 0).ino();
      long b = m.mkdir(Ctx.ROOT, Meta.ROOT, "b", 0755, 0).ino();
      long f = m.mknod(Ctx.ROOT, b, "moving", FileType.FILE, 0644, 0, 0).ino();
      assertThat(a).isLessThan(b);
      assertThat(b).isLessThan(f); // the scan reads a's entries, then b's, then the file's attributes
      boolean[] inA = {false};
      kv.split = Keys.dentryPrefix(b);
      kv.beforeScan = () -> {
        if (inA[0]) {
          m.rename(Ctx.ROOT, a, "moving", b, "moving", 0);
          inA[0] = false;
        }
      };
      kv.atSplit = () -> {
        m.rename(Ctx.ROOT, b, "moving", a, "moving", 0);
        inA[0] = true;
      };

      assertThat(m.check()).isEmpty();
      assertThat(kv.tornPasses).as("every pass was torn, so the check had to confirm by re-reading").isEqualTo(Checker.MAX_PASSES);

      kv.split = null;
      assertThat(m.check()).as("the volume at rest").isEmpty();
      assertThat(m.lookup(Ctx.ROOT, a, "moving").ino()).isEqualTo(f);
    }
  }

  /**
   * Mem underneath; its bulk read is torn: every read of the body is its own transaction, and the
   * scan of all inodes is read in two parts with {@link #atSplit} run between them.
   */
  private static final class TornKv implements TxnKv {
    private final TxnKv kv;
    volatile byte[] split;
    Action beforeScan = () -> {};
    Action atSplit = () -> {};
    int tornPasses;

    TornKv(TxnKv kv) {
      this.kv = kv;
    }

    @Override
    public <T> T txn(Body<T> body) throws IOException {
      return kv.txn(body);
    }

    @Override
    public <T> T read(Body<T> body) throws IOException {
      return kv.read(body);
    }

    @Override
    public <T> Bulk<T> bulkRead(int pageSize, Body<T> body) throws IOException {
      if (split == null) {
        return kv.bulkRead(pageSize, body);
      }
      tornPasses++;
      return new Bulk<>(body.run(new TornTxn()), false);
    }

    @Override
    public String describe() {
      return "torn " + kv.describe();
    }

    @Override
    public void reset() throws IOException {
      kv.reset();
    }

    @Override
    public void close() throws IOException {
      kv.close();
    }

    private final class TornTxn implements KvTxn {
      @Override
      public byte[] get(byte[] key) throws IOException {
        return kv.read(tx -> tx.get(key));
      }

      @Override
      public void scan(byte[] start, byte[] end, int limit, Visitor visitor) throws IOException {
        boolean all = Arrays.equals(start, Keys.ALL_INODES_PREFIX);
        if (!all || limit != 0) {
          for (Map.Entry<byte[], byte[]> e : page(start, end, limit)) {
            if (!visitor.visit(e.getKey(), e.getValue())) {
              return;
            }
          }
          return;
        }
        beforeScan.run();
        for (Map.Entry<byte[], byte[]> e : page(start, split, 0)) {
          visitor.visit(e.getKey(), e.getValue());
        }
        atSplit.run();
        for (Map.Entry<byte[], byte[]> e : page(split, end, 0)) {
          visitor.visit(e.getKey(), e.getValue());
        }
      }

      private List<Map.Entry<byte[], byte[]>> page(byte[] start, byte[] end, int limit) throws IOException {
        return kv.read(tx -> {
          List<Map.Entry<byte[], byte[]>> out = new java.util.ArrayList<>();
          tx.scan(start, end, limit, (k, v) -> out.add(Map.entry(k, v)));
          return out;
        });
      }

      @Override
      public void put(byte[] key, byte[] value) {
        throw new UnsupportedOperationException("a bulk read does not write");
      }

      @Override
      public void delete(byte[] key) {
        throw new UnsupportedOperationException("a bulk read does not write");
      }

      @Override
      public long incrBy(byte[] key, long delta) {
        throw new UnsupportedOperationException("a bulk read does not write");
      }
    }
  }

  @FunctionalInterface
  private interface Action {
    void run() throws IOException;
  }
}
