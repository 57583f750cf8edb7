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
}
