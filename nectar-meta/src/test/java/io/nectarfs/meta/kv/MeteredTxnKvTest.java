package io.nectarfs.meta.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.nectarfs.common.Metrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link MeteredTxnKv}: one timing per attempt, conflicts and retries counted, the engine label is the scheme only. */
class MeteredTxnKvTest {
  private final Metrics metrics = Metrics.create();
  private final MeterRegistry r = metrics.registry();

  private long attempts(String op) {
    return metrics.findLatency("nectar_meta_txn", "op", op, "engine", "mem").orElseThrow().count();
  }

  private double counter(String name, String op) {
    return r.get(name).tags("op", op, "engine", "mem").counter().count();
  }

  @Test
  void countsEachTransactionAttempt_andConflictsAndRetries() throws IOException {
    TxnKv kv = MeteredTxnKv.wrap(MemKv.named(""), metrics);
    byte[] key = "k".getBytes(StandardCharsets.UTF_8);
    Transactions.run(kv, tx -> {
      tx.put(key, new byte[] {1});
      return null;
    });
    Transactions.read(kv, tx -> tx.get(key));
    Transactions.read(kv, tx -> tx.get(key));
    AtomicInteger runs = new AtomicInteger();
    Transactions.run(kv, tx -> {
      if (runs.incrementAndGet() <= 2) {
        throw new KvConflictException("simulated conflict");
      }
      tx.put(key, new byte[] {2});
      return null;
    });
    assertThat(attempts("txn")).isEqualTo(1 + 3);
    assertThat(attempts("read")).isEqualTo(2);
    assertThat(counter("nectar_meta_txn_conflicts", "txn")).isEqualTo(2);
    assertThat(counter("nectar_meta_txn_retries", "txn")).isEqualTo(2);
    assertThat(counter("nectar_meta_txn_conflicts", "read")).isZero();
    assertThat(metrics.scrape()).contains("nectar_meta_txn_seconds_count{engine=\"mem\",op=\"txn\"} 4");
  }

  @Test
  void keepsTheNotifierCapability() {
    TxnKv engine = MemKv.named("");
    assertThat(MeteredTxnKv.wrap(engine, metrics).capability(KvNotifier.class)).isEqualTo(engine.capability(KvNotifier.class)).isPresent();
  }

  @Test
  void engineLabel_isTheSchemeOnly_neverTheAddressOrPassword() {
    assertThat(MeteredTxnKv.engine("postgres://nectar:hunter2@db.example.com:5432/nectar")).isEqualTo("postgres");
    assertThat(MeteredTxnKv.engine("redis://:hunter2@127.0.0.1:6379/1")).isEqualTo("redis");
    assertThat(MeteredTxnKv.engine("no scheme with hunter2")).isEqualTo("unknown");
    assertThat(MeteredTxnKv.engine("hunter2 x://y")).isEqualTo("unknown");
  }
}
