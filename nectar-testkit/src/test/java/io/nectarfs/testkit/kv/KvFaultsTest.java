package io.nectarfs.testkit.kv;

import static io.nectarfs.testkit.kv.KvFixture.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.Bytes;
import io.nectarfs.meta.kv.KvConflictException;
import io.nectarfs.meta.kv.KvNotifier;
import io.nectarfs.meta.kv.Transactions;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.kv.KvFaults.Fault;
import io.nectarfs.testkit.kv.KvFaults.Kind;
import io.nectarfs.testkit.kv.KvFaults.Point;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fault wrapper does what its plan says, and nothing else: on the in-memory engine. */
class KvFaultsTest {
  private TxnKv engine;

  @BeforeEach
  void open() throws IOException {
    engine = MetaEngines.registry().open("mem://faults-" + UUID.randomUUID(), new Secrets(Map.of()));
  }

  @AfterEach
  void close() throws IOException {
    engine.close();
  }

  private byte[] value(byte[] key) throws IOException {
    return engine.read(tx -> tx.get(key));
  }

  private static KvFaults at(Point point, long txn, Fault fault) {
    return KvFaults.builder(1).rule(c -> c.point() == point && c.txn() == txn ? fault : null).build();
  }

  @Test
  void aConflictAtCommit_rollsBackTheBodyThatRan_andTransactionsRunsItAgain() throws IOException {
    KvFaults plan = at(Point.COMMIT, 1, Fault.CONFLICT);
    TxnKv kv = plan.wrap(engine);
    AtomicInteger runs = new AtomicInteger();
    long v = Transactions.run(kv, tx -> {
      runs.incrementAndGet();
      return tx.incrBy(b('c'), 1);
    });
    assertThat(runs).hasValue(2);
    assertThat(v).isEqualTo(1);
    assertThat(Bytes.getU64(value(b('c')), 0)).as("the first run wrote nothing").isEqualTo(1);
    assertThat(plan.injected(Fault.CONFLICT)).isEqualTo(1);
  }

  @Test
  void aConflictOnACall_thatTheBodySwallows_stillFailsTheCommit() throws IOException {
    TxnKv kv = at(Point.GET, 1, Fault.CONFLICT).wrap(engine);
    assertThatThrownBy(() -> kv.txn(tx -> {
      try {
        tx.get(b(1));
      } catch (KvConflictException swallowed) {
        // carry on, as careless code would
      }
      tx.put(b(2), b(2));
      return null;
    })).isInstanceOf(KvConflictException.class).hasMessageContaining("injected conflict at GET on mem://");
    assertThat(value(b(2))).isNull();
  }

  @Test
  void anErrorAtCommit_isACommitThatDidNotHappen() throws IOException {
    TxnKv kv = at(Point.COMMIT, 1, Fault.ERROR).wrap(engine);
    assertThatThrownBy(() -> Transactions.run(kv, tx -> {
      tx.put(b(1), b(1));
      return null;
    })).isInstanceOf(KvFaults.InjectedException.class).hasMessageContaining("did not happen");
    assertThat(value(b(1))).isNull();
  }

  @Test
  void anUnacknowledgedCommit_happened_butTheClientSeesAnError() throws IOException {
    TxnKv kv = at(Point.COMMIT, 1, Fault.COMMIT_UNACKNOWLEDGED).wrap(engine);
    assertThatThrownBy(() -> Transactions.run(kv, tx -> {
      tx.put(b(1), b(1));
      return null;
    })).isInstanceOf(KvFaults.InjectedException.class).hasMessageContaining("the commit happened");
    assertThat(value(b(1))).containsExactly(1);
  }

  @Test
  void anErrorOnACall_abortsTheBody_andNothingIsWritten() throws IOException {
    KvFaults plan = KvFaults.builder(1).rule(c -> c.point() == Point.PUT && c.index() == 1 ? Fault.ERROR : null).build();
    TxnKv kv = plan.wrap(engine);
    assertThatThrownBy(() -> kv.txn(tx -> {
      tx.put(b(1), b(1));
      tx.put(b(2), b(2));
      return null;
    })).isInstanceOf(KvFaults.InjectedException.class).hasMessageContaining("PUT");
    assertThat(value(b(1))).isNull();
    assertThat(plan.injected(Fault.ERROR)).isEqualTo(1);
  }

  @Test
  void readsAndBulkReads_meetFaultsToo_andAnUnacknowledgedReadIsAnError() throws IOException {
    engine.txn(tx -> {
      tx.put(b(1), b(1));
      return null;
    });
    TxnKv kv = KvFaults.builder(1).rule(c -> c.kind() == Kind.READ && c.point() == Point.COMMIT ? Fault.COMMIT_UNACKNOWLEDGED
        : c.kind() == Kind.BULK && c.point() == Point.SCAN && c.txn() == 2 ? Fault.CONFLICT : null).build().wrap(engine);
    assertThatThrownBy(() -> kv.read(tx -> tx.get(b(1)))).isInstanceOf(KvFaults.InjectedException.class);
    List<String> seen = Transactions.bulk(kv, 1, tx -> KvFixture.scanHex(tx, new byte[0], null, 0)).value();
    assertThat(seen).containsExactly("01");
  }

  @Test
  void theSameSeed_meetsTheSameFaults() throws IOException {
    assertThat(outcomes(7)).isEqualTo(outcomes(7)).isNotEqualTo(outcomes(8));
  }

  private List<String> outcomes(long seed) throws IOException {
    TxnKv fresh = MetaEngines.registry().open("mem://faults-" + UUID.randomUUID(), new Secrets(Map.of()));
    KvFaults plan = KvFaults.builder(seed).conflicts(0.1).errors(0.05).commitsLost(0.05).commitsUnacknowledged(0.05)
        .latency(0.1, java.time.Duration.ofNanos(1000)).build();
    TxnKv kv = plan.wrap(fresh);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      int n = i;
      try {
        kv.txn(tx -> {
          tx.get(b(n % 7));
          tx.put(b(n % 7), b(n));
          return null;
        });
        out.add("ok");
      } catch (IOException e) {
        out.add(e.getClass().getSimpleName());
      }
    }
    assertThat(plan.injected(Fault.LATENCY)).isPositive();
    fresh.close();
    return out;
  }

  @Test
  void conflictsEverywhere_stillLetTransactionsProgress() throws IOException {
    KvFaults plan = KvFaults.builder(3).conflicts(1.0).maxConsecutiveConflicts(3).build();
    TxnKv kv = plan.wrap(engine);
    for (int i = 0; i < 20; i++) {
      Transactions.run(kv, tx -> tx.incrBy(b('n'), 1));
    }
    assertThat(Bytes.getU64(value(b('n')), 0)).isEqualTo(20);
    assertThat(plan.injected(Fault.CONFLICT)).isEqualTo(60);
    plan.enabled(false);
    Transactions.run(kv, tx -> tx.incrBy(b('n'), 1));
    assertThat(plan.injected(Fault.CONFLICT)).as("nothing injected while disabled").isEqualTo(60);
  }

  @Test
  void theWrapperKeepsTheEnginesNotifications_andItsDescription() {
    TxnKv kv = KvFaults.retryable(1, 0.1).wrap(engine);
    assertThat(kv.capability(KvNotifier.class)).isEqualTo(engine.capability(KvNotifier.class)).isPresent();
    assertThat(kv).isNotInstanceOf(KvNotifier.class);
    assertThat(kv.describe()).isEqualTo(engine.describe());
    TxnKv plain = new TxnKv() {
      @Override
      public <T> T txn(Body<T> body) {
        throw new UnsupportedOperationException();
      }

      @Override
      public String describe() {
        return "plain://";
      }

      @Override
      public void reset() {}

      @Override
      public void close() {}
    };
    assertThat(KvFaults.retryable(1, 0.1).wrap(plain).capability(KvNotifier.class)).isEmpty();
  }
}
