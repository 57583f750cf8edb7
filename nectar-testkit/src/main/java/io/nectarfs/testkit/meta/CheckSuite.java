package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.meta.kv.Bytes;
import io.nectarfs.meta.kv.Transactions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The consistency check finds damage written behind the facade's back (so a clean check means something). */
public abstract class CheckSuite extends MetaTestBase {
  private static byte[] dentryKey(long parent, String name) {
    return Bytes.concat(new byte[] {'A'}, Bytes.u64(parent), new byte[] {'D'}, name.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void check_findsADanglingEntry_andAWrongLinkCount() throws IOException {
    long f = file(ROOT, "f");
    assertThat(meta.check()).isEmpty();
    byte[] ghost = dentryKey(ROOT, "ghost");
    byte[] extra = dentryKey(ROOT, "second-name");
    Transactions.run(engine, tx -> {
      tx.put(ghost, Bytes.concat(new byte[] {1}, Bytes.u64(987_654_321L)));
      tx.put(extra, Bytes.concat(new byte[] {1}, Bytes.u64(f)));
      return null;
    });
    assertThat(meta.check())
        .anySatisfy(p -> assertThat(p).contains("ghost").contains("missing inode 987654321"))
        .anySatisfy(p -> assertThat(p).contains("inode " + f).contains("nlink 1 but 2 entries"));
    Transactions.run(engine, tx -> {
      tx.delete(ghost);
      tx.delete(extra);
      return null;
    });
  }

  @Test
  void repair_fixesWhatCheckFinds() throws IOException {
    long d = mkdir(ROOT, "d");
    long f = file(d, "f");
    long g = file(d, "g");
    meta.write(root, g, 0, new io.nectarfs.meta.Slice(0, meta.newSliceId(), 5000, 0, 5000), 1);
    new io.nectarfs.meta.MetaAdmin(meta).setQuota(d, 0, 100);
    byte[] ghost = dentryKey(d, "ghost");
    byte[] orphanAttr = Bytes.concat(new byte[] {'A'}, Bytes.u64(f), new byte[] {'I'});
    Transactions.run(engine, tx -> {
      tx.put(ghost, Bytes.concat(new byte[] {1}, Bytes.u64(987_654_321L)));
      tx.put(dentryKey(d, "second"), Bytes.concat(new byte[] {1}, Bytes.u64(g)));
      tx.delete(dentryKey(d, "f")); // f becomes unreachable
      tx.put(Bytes.concat(new byte[] {'U'}, Bytes.u64(d)), Bytes.concat(Bytes.u64(1), Bytes.u64(1)));
      tx.incrBy(Bytes.concat(new byte[] {'C'}, "usedSpace".getBytes(StandardCharsets.UTF_8)), 777);
      return null;
    });
    assertThat(meta.check()).hasSizeGreaterThan(3);
    java.util.List<String> fixed = new io.nectarfs.meta.MetaAdmin(meta).repair(x -> {});
    assertThat(fixed).anySatisfy(p -> assertThat(p).contains("ghost"))
        .anySatisfy(p -> assertThat(p).contains("lost+found/" + f))
        .anySatisfy(p -> assertThat(p).contains("nlink 1 -> 2"));
    assertThat(meta.check()).isEmpty();
    assertThat(meta.lookup(root, meta.lookup(root, ROOT, "lost+found").ino(), Long.toString(f)).ino()).isEqualTo(f);
    assertThat(new io.nectarfs.meta.MetaAdmin(meta).repair(x -> {})).as("a second repair finds nothing").isEmpty();
    assertThat(orphanAttr).isNotEmpty();
  }
}
