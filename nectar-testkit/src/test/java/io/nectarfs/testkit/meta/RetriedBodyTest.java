package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Meta;
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

  /**
   * Random operations of this client, each of whose first commit conflicts while the other client
   * runs a random operation in between: each client counts exactly its own committed changes, so
   * both estimates together add up to the volume's usage.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "seed {0}")
  @org.junit.jupiter.params.provider.ValueSource(longs = {1, 2, 3, 4, 5})
  void retriesThatTakeAnotherPath_keepEveryClientsUsageExact(long seed) throws IOException {
    // Ballast, so that no client's estimate goes below zero (statfs clamps there).
    long ballast = mkdir(ROOT, "ballast");
    for (int i = 0; i < 300; i++) {
      file(ballast, "f" + i);
    }
    meta.setattr(root, file(ballast, "big"), SetAttr.truncate(1L << 40));
    other = newClient();
    meta.runBackgroundJobs();
    other.runBackgroundJobs();
    StatFs base = meta.statfs(root, ROOT);
    java.util.Random rnd = new java.util.Random(seed);
    between = () -> {
      try {
        randomOp(other, rnd);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
    for (int i = 0; i < 600; i++) {
      armed.set(true);
      randomOp(meta, rnd);
    }
    armed.set(false);
    StatFs a = meta.statfs(root, ROOT);
    StatFs b = other.statfs(root, ROOT);
    MetaClient fresh = newClient();
    StatFs truth = fresh.statfs(root, ROOT);
    long usedBase = base.totalSpace() - base.availSpace();
    assertThat((a.totalSpace() - a.availSpace()) + (b.totalSpace() - b.availSpace()) - usedBase).as("space")
        .isEqualTo(truth.totalSpace() - truth.availSpace());
    assertThat(a.usedInodes() + b.usedInodes() - base.usedInodes()).as("inodes").isEqualTo(truth.usedInodes());
  }

  private static final String[] NAMES = {"a", "b", "c", "d"};

  private void randomOp(MetaClient m, java.util.Random rnd) throws IOException {
    String name = NAMES[rnd.nextInt(NAMES.length)];
    String name2 = NAMES[rnd.nextInt(NAMES.length)];
    long len = rnd.nextInt(4) * 50_000L;
    try {
      switch (rnd.nextInt(13)) {
        case 0 -> m.mkdir(root, ROOT, name, 0755, 0);
        case 1 -> m.mknod(root, ROOT, name, io.nectarfs.meta.FileType.FILE, 0644, 0, 0);
        case 2 -> m.unlink(root, ROOT, name);
        case 3 -> m.rmdir(root, ROOT, name);
        case 4 -> m.rename(root, ROOT, name, ROOT, name2, 0);
        case 5 -> m.link(root, m.lookup(root, ROOT, name).ino(), ROOT, name2);
        case 6 -> m.setattr(root, m.lookup(root, ROOT, name).ino(), SetAttr.truncate(len));
        case 8 -> m.append(root, m.lookup(root, ROOT, name).ino(), m.newSliceId(), (int) (len % 40_000 + 1), clock.nowNanos());
        case 9 -> m.fallocate(root, m.lookup(root, ROOT, name).ino(), rnd.nextBoolean() ? 0 : Meta.FALLOC_PUNCH_HOLE | Meta.FALLOC_KEEP_SIZE,
            len / 2, 30_000);
        case 10 -> m.copyFileRange(root, m.lookup(root, ROOT, name).ino(), 0, m.lookup(root, ROOT, name2).ino(), len / 3, 80_000);
        case 11 -> m.clone(root, m.lookup(root, ROOT, name).ino(), ROOT, name2);
        default -> {
          long ino = m.lookup(root, ROOT, name).ino();
          int n = (int) (len % 40_000 + 1);
          m.write(root, ino, 0, new io.nectarfs.meta.Slice((int) len, m.newSliceId(), n, 0, n), clock.nowNanos());
        }
      }
    } catch (io.nectarfs.common.FsException expected) {
      // ENOENT, EEXIST, EISDIR...: fine, the usage must still add up
    }
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
