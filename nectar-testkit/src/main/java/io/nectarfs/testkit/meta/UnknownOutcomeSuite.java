package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.FsException;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.DirEntry;
import io.nectarfs.meta.Entry;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.Slice;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.kv.KvFaults;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failures the client cannot hide: errors on chosen calls, commits that did not happen and commits
 * that happened but whose answer was lost (the client sees an error either way). Random
 * namespace and data operations run on the engine under these faults and, without faults, on a
 * reference volume in memory. After every operation:
 *
 * <ul>
 *   <li>an operation that succeeded or failed with an errno did exactly what it did on the
 *       reference (the same tree, the same errno): faults never change a POSIX result;
 *   <li>an operation that failed with the injected error happened completely or not at all (the
 *       tree is the reference's before or after it); when it did not happen, the application
 *       runs it again, as it would, and it must then do what it did on the reference;
 *   <li>the consistency check finds nothing (every 20 operations, and after the test).
 * </ul>
 *
 * Open files are part of it: files and directories are opened, and closed oldest first, so that
 * removals of open inodes (kept by the session until the last close) fail and succeed too.
 *
 * <p>Trees are compared by names, types, modes, link counts, lengths, link targets and xattrs (inode
 * numbers differ). A failure names the seed and step.
 */
public abstract class UnknownOutcomeSuite extends MetaTestBase {
  private static final String[] DIRS = {"", "d1", "d2", "d1/d3"};
  private static final String[] NAMES = {"a", "b", "c", "d1", "d2", "d3"};
  private static final int STEPS = 200;

  /** The faults of seed {@code s}: errors, lost and unacknowledged commits, and some conflicts. */
  protected KvFaults plan(long s) {
    return KvFaults.builder(s).conflicts(0.03).errors(0.01).commitsLost(0.04).commitsUnacknowledged(0.04).build();
  }

  /** The inodes each volume's client has open, oldest first (the same sequence on both). */
  private final Map<Meta, Deque<Long>> open = new IdentityHashMap<>();

  @FunctionalInterface
  private interface Op {
    void run(Meta m) throws IOException;
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  void everyOperation_happensCompletelyOrNotAtAll_andPosixResultsStayTheSame(long s) throws IOException {
    KvFaults plan = plan(s);
    plan.enabled(false);
    Random rnd = new Random(s);
    int injected = 0;
    try (TxnKv refKv = MetaEngines.registry().open("mem://unknown-outcome-ref-" + UUID.randomUUID(), new Secrets(Map.of()));
        TxnKv faultyKv = plan.wrap(openEngine(tmp))) {
      MetaClient.format(refKv, newFormat(), false, clock);
      MetaClient ref = MetaClient.open(refKv, config());
      MetaClient faulty = MetaClient.open(faultyKv, config());
      for (int i = 0; i < STEPS; i++) {
        String step = "seed " + s + " step " + i;
        String[] desc = {""};
        Op op = randomOp(rnd, desc);
        step += " (" + desc[0] + ")";
        Map<String, String> before = tree(ref);
        String refOutcome = outcome(ref, op);
        Map<String, String> after = tree(ref);
        plan.enabled(true);
        String got;
        try {
          got = outcome(faulty, op);
        } finally {
          plan.enabled(false);
        }
        Map<String, String> now = tree(faulty);
        if (got.equals("injected")) {
          injected++;
          assertThat(now).as("%s: failed with an injected error, so all or nothing", step).isIn(before, after);
          if (now.equals(before)) {
            // As the application would: run it again (also when it changed nothing visible, e.g. an open).
            assertThat(outcome(faulty, op)).as("%s: run again", step).isEqualTo(refOutcome);
            now = tree(faulty);
          }
        } else {
          assertThat(got).as("%s: outcome", step).isEqualTo(refOutcome);
        }
        assertThat(now).as("%s: tree", step).isEqualTo(after);
        if (i % 20 == 19) {
          assertThat(meta.check()).as("%s: consistency", step).isEmpty();
        }
      }
      for (MetaClient m : List.of(faulty, ref)) {
        for (long ino : open.getOrDefault(m, new ArrayDeque<>())) {
          m.close(root, ino);
        }
      }
      assertThat(faulty.check()).as("seed %d: consistency with every file closed", s).isEmpty();
      faulty.close();
      ref.close();
    }
    assertThat(injected).as("operations that met an injected error").isPositive();
  }

  /** "ok", the errno's name, or "injected" for the plan's error; anything else fails the test. */
  private static String outcome(Meta m, Op op) throws IOException {
    try {
      op.run(m);
      return "ok";
    } catch (FsException e) {
      return e.errno().name();
    } catch (KvFaults.InjectedException e) {
      return "injected";
    } catch (IOException e) {
      for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
        if (t instanceof KvFaults.InjectedException) {
          return "injected";
        }
      }
      throw e;
    }
  }

  private Op randomOp(Random rnd, String[] desc) {
    String dir = DIRS[rnd.nextInt(DIRS.length)];
    String name = NAMES[rnd.nextInt(NAMES.length)];
    String path = dir.isEmpty() ? name : dir + "/" + name;
    String other = DIRS[rnd.nextInt(DIRS.length)];
    String name2 = NAMES[rnd.nextInt(NAMES.length)];
    String path2 = other.isEmpty() ? name2 : other + "/" + name2;
    int kind = rnd.nextInt(12);
    long len = rnd.nextInt(3) * 70_000L + rnd.nextInt(5000);
    desc[0] = switch (kind) {
      case 0 -> "mkdir " + path;
      case 1 -> "create " + path;
      case 2 -> "symlink " + path;
      case 3 -> "unlink " + path;
      case 4 -> "rmdir " + path;
      case 5 -> "rename " + path + " " + path2;
      case 6 -> "link " + path + " " + path2;
      case 7 -> "write " + path + " " + len;
      case 8 -> "truncate " + path + " " + len;
      case 9 -> "setxattr " + path;
      case 10 -> "open " + path;
      default -> "close the oldest open file";
    };
    return m -> {
      switch (kind) {
        case 0 -> m.mkdir(root, resolve(m, dir), name, 0755, 022);
        case 1 -> m.mknod(root, resolve(m, dir), name, FileType.FILE, 0644, 022, 0);
        case 2 -> m.symlink(root, resolve(m, dir), name, "target-" + len);
        case 3 -> m.unlink(root, resolve(m, dir), name);
        case 4 -> m.rmdir(root, resolve(m, dir), name);
        case 5 -> m.rename(root, resolve(m, dir), name, resolve(m, other), name2, 0);
        case 6 -> m.link(root, resolve(m, path), resolve(m, other), name2);
        case 7 -> {
          long ino = resolve(m, path);
          int n = (int) (len % 60_000 + 1);
          m.write(root, ino, 0, new Slice((int) (len / 2), m.newSliceId(), n, 0, n), clock.nowNanos());
        }
        case 8 -> m.setattr(root, resolve(m, path), SetAttr.truncate(len));
        case 9 -> m.setxattr(root, resolve(m, path), "user.k", ("v" + len).getBytes(), 0);
        case 10 -> {
          long ino = resolve(m, path);
          m.open(root, ino, 0);
          open.computeIfAbsent(m, k -> new ArrayDeque<>()).addLast(ino);
        }
        default -> {
          Deque<Long> q = open.computeIfAbsent(m, k -> new ArrayDeque<>());
          if (!q.isEmpty()) {
            m.close(root, q.peekFirst());
            q.removeFirst();
          }
        }
      }
    };
  }

  /** The inode at {@code path} (relative to the root, "" is the root). */
  private long resolve(Meta m, String path) throws IOException {
    long ino = Meta.ROOT;
    if (path.isEmpty()) {
      return ino;
    }
    for (String part : path.split("/")) {
      Entry e = m.lookup(root, ino, part);
      ino = e.ino();
    }
    return ino;
  }

  /** The whole tree as path → description, read without faults. */
  private Map<String, String> tree(Meta m) throws IOException {
    Map<String, String> out = new TreeMap<>();
    walk(m, Meta.ROOT, "", out);
    return out;
  }

  private void walk(Meta m, long dir, String path, Map<String, String> out) throws IOException {
    List<DirEntry> all = new ArrayList<>();
    String after = null;
    while (true) {
      List<DirEntry> page = m.readdir(root, dir, after, 100, true);
      if (page.isEmpty()) {
        break;
      }
      all.addAll(page);
      after = page.getLast().name();
    }
    for (DirEntry e : all) {
      if (dir == Meta.ROOT && e.name().equals(".trash")) {
        continue;
      }
      String p = path + "/" + e.name();
      Attr a = m.getattr(root, e.ino());
      StringBuilder d = new StringBuilder(a.type() + " mode " + Integer.toOctalString(a.mode()) + " nlink " + a.nlink());
      if (a.type() == FileType.FILE) {
        d.append(" length ").append(a.length());
      }
      if (a.type() == FileType.SYMLINK) {
        d.append(" -> ").append(m.readlink(root, e.ino()));
      }
      for (String x : m.listxattr(root, e.ino())) {
        d.append(" ").append(x).append("=").append(new String(m.getxattr(root, e.ino(), x)));
      }
      out.put(p, d.toString());
      if (a.isDir()) {
        walk(m, e.ino(), p, out);
      }
    }
  }
}
