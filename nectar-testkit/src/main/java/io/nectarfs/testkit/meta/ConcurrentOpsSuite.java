package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.FsException;
import io.nectarfs.meta.Entry;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.Slice;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two clients, four threads each, race random namespace and data operations over a few names:
 * the engine serializes them (with conflicts and retries, more of them under {@link
 * RetryableFaults}). Every operation succeeds or fails with an errno, and afterwards the
 * consistency check (entries, link counts, parents, slice references, usage counters) finds
 * nothing wrong. Outcomes are not compared: which of two racing operations wins is up to the
 * engine.
 */
public abstract class ConcurrentOpsSuite extends MetaTestBase {
  private static final String[] DIRS = {"", "d1", "d2"};
  private static final String[] NAMES = {"a", "b", "d1", "d2"};
  private static final int THREADS_PER_CLIENT = 4;
  private static final int OPS = 120;

  @Test
  void racingOperations_fromTwoClients_leaveAConsistentVolume() throws Exception {
    List<MetaClient> clients = List.of(meta, newClient());
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(THREADS_PER_CLIENT * clients.size())) {
      for (int t = 0; t < THREADS_PER_CLIENT * clients.size(); t++) {
        MetaClient m = clients.get(t % clients.size());
        Random rnd = new Random(t);
        results.add(pool.submit(() -> {
          start.await();
          int ok = 0;
          for (int i = 0; i < OPS; i++) {
            try {
              randomOp(m, rnd);
              ok++;
            } catch (FsException expected) {
              // ENOENT, EEXIST, ENOTEMPTY...: the race decided
            }
          }
          return ok;
        }));
      }
      start.countDown();
      int ok = 0;
      for (Future<Integer> f : results) {
        ok += f.get(10, TimeUnit.MINUTES);
      }
      assertThat(ok).as("operations that succeeded").isPositive();
    }
    assertThat(meta.check()).as("consistency after the race").isEmpty();
  }

  private void randomOp(Meta m, Random rnd) throws IOException {
    String dir = DIRS[rnd.nextInt(DIRS.length)];
    String name = NAMES[rnd.nextInt(NAMES.length)];
    String other = DIRS[rnd.nextInt(DIRS.length)];
    String name2 = NAMES[rnd.nextInt(NAMES.length)];
    long len = rnd.nextInt(3) * 70_000L + rnd.nextInt(5000);
    switch (rnd.nextInt(9)) {
      case 0 -> m.mkdir(root, resolve(m, dir), name, 0755, 0);
      case 1 -> m.mknod(root, resolve(m, dir), name, FileType.FILE, 0644, 0, 0);
      case 2 -> m.unlink(root, resolve(m, dir), name);
      case 3 -> m.rmdir(root, resolve(m, dir), name);
      case 4 -> m.rename(root, resolve(m, dir), name, resolve(m, other), name2, 0);
      case 5 -> m.link(root, m.lookup(root, resolve(m, dir), name).ino(), resolve(m, other), name2);
      case 6 -> {
        long ino = m.lookup(root, resolve(m, dir), name).ino();
        int n = (int) (len % 60_000 + 1);
        m.write(root, ino, 0, new Slice((int) (len / 2), m.newSliceId(), n, 0, n), clock.nowNanos());
      }
      case 7 -> m.setattr(root, m.lookup(root, resolve(m, dir), name).ino(), SetAttr.truncate(len));
      default -> m.symlink(root, resolve(m, dir), name, "t" + len);
    }
  }

  private long resolve(Meta m, String path) throws IOException {
    long ino = Meta.ROOT;
    if (!path.isEmpty()) {
      for (String part : path.split("/")) {
        Entry e = m.lookup(root, ino, part);
        ino = e.ino();
      }
    }
    return ino;
  }
}
