package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.StatFs;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.kv.KvFaults;
import io.nectarfs.testkit.kv.KvFaults.Fault;
import io.nectarfs.testkit.kv.KvFaults.Kind;
import io.nectarfs.testkit.kv.KvFaults.Point;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A transaction body may run more than once; what the client does after the commit must come from
 * the attempt that committed, not from one that was rolled back. Each test makes the first attempt
 * conflict and lets another client change the state before the retry ({@link
 * KvFaults.Builder#afterConflict}), so the retry takes another path than the first attempt.
 */
class RetriedBodyTest extends MetaTestBase {
  private final AtomicBoolean armed = new AtomicBoolean();
  private MetaClient other;

  @Override
  public TxnKv openEngine(Path tmp) throws IOException {
    return MetaEngines.registry().open("mem://" + tmp.getFileName() + "-retried", new Secrets(Map.of()));
  }

  /** Conflicts the first write commit after {@link #armed} is set, then runs {@code between}. */
  @Override
  public KvFaults faults() {
    return KvFaults.builder(1)
        .rule(c -> c.kind() == Kind.WRITE && c.point() == Point.COMMIT && armed.compareAndSet(true, false) ? Fault.CONFLICT : null)
        .afterConflict(c -> between.run())
        .build();
  }

  private Runnable between = () -> {};

  private long used(MetaClient m) throws IOException {
    StatFs s = m.statfs(root, ROOT);
    return s.totalSpace() - s.availSpace();
  }

  @Test
  void aTruncateWhoseRetryFindsTheSizeAlreadySet_countsNoSpace() throws IOException {
    long ino = file(ROOT, "f");
    other = newClient();
    long before = used(meta);
    between = () -> {
      try {
        other.setattr(root, ino, SetAttr.truncate(100_000)); // another client got there first
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
    armed.set(true);
    meta.setattr(root, ino, SetAttr.truncate(100_000));
    assertThat(armed).as("the first attempt conflicted").isFalse();
    assertThat(meta.getattr(root, ino).length()).isEqualTo(100_000);
    assertThat(used(meta)).as("this client's own committed change is none: the other client grew the file").isEqualTo(before);
  }
}
