package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** getAll sees the transaction's own writes and deletions and the committed state, in key order given. */
class KvGetAllTest {
  @Test
  void getAll_mergesOwnWritesWithCommittedValues() throws Exception {
    try (TxnKv kv = MetaEngines.registry().open("mem://getall-" + UUID.randomUUID(), new Secrets(Map.of()))) {
      byte[] a = {'a'};
      byte[] b = {'b'};
      byte[] c = {'c'};
      byte[] d = {'d'};
      kv.txn(tx -> {
        tx.put(b, new byte[] {2});
        tx.put(c, new byte[] {3});
        return null;
      });
      List<byte[]> got = kv.txn(tx -> {
        tx.put(a, new byte[] {1});
        tx.delete(b);
        return tx.getAll(List.of(d, c, b, a));
      });
      assertThat(got).hasSize(4);
      assertThat(got.get(0)).isNull();
      assertThat(Arrays.equals(got.get(1), new byte[] {3})).isTrue();
      assertThat(got.get(2)).as("deleted in this transaction").isNull();
      assertThat(Arrays.equals(got.get(3), new byte[] {1})).as("written in this transaction").isTrue();
    }
  }
}
