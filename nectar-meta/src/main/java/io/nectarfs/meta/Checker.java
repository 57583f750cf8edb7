package io.nectarfs.meta;

import io.nectarfs.meta.kv.Bytes;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata consistency check: reads every key in one bulk read ({@link TxnKv#bulkRead}: large
 * pages, no conflict tracking) and verifies the invariants that the operations keep (entries point
 * to inodes of their type, link counts, parents, slice reference counts, statistics counters).
 * Returns one line per problem.
 *
 * <p>Exactness: when the engine reports the bulk read as a snapshot (SQL and mem always; Redis
 * when no commit wrote into the volume's ranges meanwhile) the result is exact. Otherwise a
 * concurrent writer may have been seen half-way, which can only look like damage; the check then
 * runs again (up to {@link #MAX_PASSES} passes, stopping at the first snapshot) and reports only
 * the problems found, word for word, in every pass; a problem about one inode or directory must
 * then also find that inode's records unchanged in a transaction, with no entry for it in the
 * directories its records name that the passes missed (see {@link Pass#unchanged}). The usage
 * counters are compared only when they held still during the pass (every change of space or
 * inodes rewrites them) and, even then, reported only from a snapshot: counters that read the same
 * before and after a pass may have gone up and back (a directory made and removed meanwhile) while
 * the pass saw the intermediate state, in every pass alike (a fsck of a Redis volume with a client
 * making and removing a directory in a loop reported such a difference three times). Problems
 * about slice references, quotas, ACLs and locks rely on the repetition alone.
 *
 * <p>Concurrency: single-threaded; the progress callback runs on the caller's thread.
 */
final class Checker {
  /** Passes of a check whose reads were not one snapshot, before the repeated problems are reported. */
  static final int MAX_PASSES = 3;
  /** Keys between two progress reports. */
  private static final int PROGRESS_EVERY = 10_000;

  private static final Logger log = LoggerFactory.getLogger(Checker.class);

  private Checker() {}

  static List<String> check(MetaClient m, LongConsumer progress) throws IOException {
    List<String> confirmed = null;
    Pass last = null;
    for (int n = 1; ; n++) {
      TxnKv.Bulk<Pass> b = m.bulk(tx -> checkIn(tx, progress));
      if (b.snapshot()) {
        return b.value().problems;
      }
      last = b.value();
      last.problems.removeAll(last.counterProblems); // not provable without a snapshot (see the class comment)
      if (confirmed == null) {
        confirmed = new ArrayList<>(last.problems);
      } else {
        Set<String> again = new HashSet<>(last.problems);
        confirmed.removeIf(p -> !again.contains(p));
      }
      if (confirmed.isEmpty() || n == MAX_PASSES) {
        break;
      }
      log.info("the volume changed during the check; checking again to confirm {} problem(s)", confirmed.size());
    }
    // Problems with a re-check are confirmed only if it still finds them, in one transaction.
    List<String> out = new ArrayList<>();
    for (String p : confirmed) {
      Recheck r = last.suspects.get(p);
      if (r == null || m.read(r::stillWrong)) {
        out.add(p);
      }
    }
    return out;
  }

  /**
   * What one pass found, and what it saw of each inode a problem is about: its attributes, the
   * entries pointing to it and its hard-link parent records. Every link, unlink and rename of an
   * inode rewrites its attributes (ctime), so records that are unchanged in a later transaction
   * were not caught half-way through such an operation.
   */
  private static final class Pass {
    final List<String> problems;
    /** Those of {@link #problems} that compare the usage counters. */
    final Set<String> counterProblems = new HashSet<>();
    final Map<String, Recheck> suspects = new HashMap<>();
    private final Map<Long, Attr> attrs;
    private final List<Dentry> dentries;
    private final Map<Long, Map<Long, Integer>> parentLinks;

    Pass(List<String> problems, Map<Long, Attr> attrs, List<Dentry> dentries, Map<Long, Map<Long, Integer>> parentLinks) {
      this.problems = problems;
      this.attrs = attrs;
      this.dentries = dentries;
      this.parentLinks = parentLinks;
    }

    /** A problem about one inode, confirmed when the inode's records are still those seen. */
    void add(long ino, String problem) {
      add(problem, tx -> unchanged(tx, ino));
    }

    void add(String problem, Recheck recheck) {
      problems.add(problem);
      suspects.put(problem, recheck);
    }

    /**
     * In a transaction: the inode's records are still those this pass saw, and the directories
     * that its records name (its parent, its hard-link parents) hold exactly the entries for it
     * that the pass saw there. The second half catches a pass that read a directory's entries
     * before a rename moved the inode in and the inode's attributes after it (the attributes then
     * match while the pass saw the inode in no directory).
     */
    boolean unchanged(io.nectarfs.meta.kv.KvTxn tx, long ino) throws IOException {
      byte[] a = tx.get(Keys.attr(ino));
      Attr now = a == null ? null : Codec.attr(a);
      if (!java.util.Objects.equals(now, attrs.get(ino))) {
        return false;
      }
      Set<String> seen = new HashSet<>();
      for (Dentry d : dentries) {
        if (d.ino == ino) {
          seen.add(d.parent + "/" + d.name);
          byte[] v = tx.get(Keys.dentry(d.parent, d.name));
          if (v == null || Codec.dentryIno(v) != ino) {
            return false;
          }
        }
      }
      Map<Long, Integer> links = new HashMap<>();
      byte[] pp = Keys.parentPrefix(ino);
      tx.scan(pp, Bytes.prefixEnd(pp), 0, (k, v) -> {
        links.put(Keys.parentOf(k), Bytes.getU32(v, 0));
        return true;
      });
      if (!links.equals(parentLinks.getOrDefault(ino, Map.of()))) {
        return false;
      }
      Set<Long> parents = new HashSet<>(links.keySet());
      if (now != null && now.parent() != 0) {
        parents.add(now.parent());
      }
      for (long p : parents) {
        byte[] dp = Keys.dentryPrefix(p);
        boolean[] unseen = {false};
        tx.scan(dp, Bytes.prefixEnd(dp), 0, (k, v) -> {
          unseen[0] = Codec.dentryIno(v) == ino && !seen.contains(p + "/" + Keys.dentryName(k));
          return !unseen[0];
        });
        if (unseen[0]) {
          return false;
        }
      }
      return true;
    }
  }

  /** A transactional re-check of one problem found by a pass whose reads were not one snapshot. */
  @FunctionalInterface
  private interface Recheck {
    boolean stillWrong(io.nectarfs.meta.kv.KvTxn tx) throws IOException;
  }

  /**
   * In a transaction: the direct statistics of directory {@code dir} differ from its entries. A
   * pass that was not one snapshot may have seen an attribute, the entry list and the statistics
   * at different moments (paged reads), so its own view cannot confirm such a problem.
   */
  private static boolean statsWrong(io.nectarfs.meta.kv.KvTxn tx, long dir) throws IOException {
    long[] want = new long[2];
    if (!Trash.inTrash(dir)) {
      List<Long> children = new ArrayList<>();
      byte[] p = Keys.dentryPrefix(dir);
      tx.scan(p, Bytes.prefixEnd(p), 0, (k, v) -> {
        children.add(Codec.dentryIno(v));
        return true;
      });
      List<byte[]> attrs = tx.getAll(children.stream().map(Keys::attr).toList());
      for (byte[] a : attrs) {
        if (a != null) {
          want[0] += MetaClient.accountedSpace(Codec.attr(a));
          want[1]++;
        }
      }
    }
    byte[] v = tx.get(Quotas.statsKey(dir));
    long[] have = v == null ? new long[2] : Quotas.longs(v, 2);
    return want[0] != have[0] || want[1] != have[1];
  }

  /** Counts visited keys for the progress callback. */
  private static final class Counter {
    private final LongConsumer progress;
    private long n;

    Counter(LongConsumer progress) {
      this.progress = progress;
    }

    void tick() {
      if (++n % PROGRESS_EVERY == 0) {
        progress.accept(PROGRESS_EVERY);
      }
    }
  }

  private record Dentry(long parent, String name, FileType type, long ino) {}

  private record SliceKey(long id, int size) {}

  /** Direct statistics of every directory and the usage of every quota, against the entries. */
  private static void checkStats(io.nectarfs.meta.kv.KvTxn tx, Map<Long, Attr> attrs, List<Dentry> dentries, Pass pass) throws IOException {
    List<String> problems = pass.problems;
    Map<Long, long[]> want = new HashMap<>();
    Map<Long, List<Long>> subdirs = new HashMap<>();
    for (Dentry d : dentries) {
      Attr c = attrs.get(d.ino);
      if (c == null || Trash.inTrash(d.parent)) {
        continue;
      }
      long[] w = want.computeIfAbsent(d.parent, x -> new long[2]);
      w[0] += MetaClient.accountedSpace(c);
      w[1]++;
      if (c.isDir()) {
        subdirs.computeIfAbsent(d.parent, x -> new ArrayList<>()).add(d.ino);
      }
    }
    Map<Long, long[]> have = new HashMap<>();
    tx.scan(Quotas.STATS_PREFIX, Bytes.prefixEnd(Quotas.STATS_PREFIX), 0, (k, v) -> {
      have.put(Bytes.getU64(k, 1), Quotas.longs(v, 2));
      return true;
    });
    Set<Long> dirs = new HashSet<>(want.keySet());
    dirs.addAll(have.keySet());
    dirs.removeIf(Trash::inTrash); // the trash keeps no statistics (an older version's are left until the hour goes)
    for (long d : dirs) {
      long[] w = want.getOrDefault(d, new long[2]);
      long[] h = have.getOrDefault(d, new long[2]);
      if (w[0] != h[0] || w[1] != h[1]) {
        pass.add("directory " + d + " statistics say " + h[0] + " bytes, " + h[1] + " inodes but its entries have " + w[0] + " bytes, " + w[1] + " inodes",
            tx2 -> statsWrong(tx2, d));
      }
      if (have.containsKey(d) && (attrs.get(d) == null || !attrs.get(d).isDir())) {
        problems.add("statistics kept for inode " + d + ", which is not a directory");
      }
    }
    long[] quotaCount = {0};
    List<String> quotaProblems = new ArrayList<>();
    tx.scan(Quotas.QUOTA_PREFIX, Bytes.prefixEnd(Quotas.QUOTA_PREFIX), 0, (k, v) -> {
      quotaCount[0]++;
      Quota q = Quotas.quota(Bytes.getU64(k, 1), v);
      long space = 0;
      long inodes = 0;
      java.util.ArrayDeque<Long> todo = new java.util.ArrayDeque<>(List.of(q.ino()));
      while (!todo.isEmpty()) {
        long d = todo.pop();
        long[] w = want.getOrDefault(d, new long[2]);
        space += w[0];
        inodes += w[1];
        todo.addAll(subdirs.getOrDefault(d, List.of()));
      }
      if (q.usedSpace() != space || q.usedInodes() != inodes) {
        quotaProblems.add("quota of directory " + q.ino() + " records " + q.usedSpace() + " bytes, " + q.usedInodes() + " inodes but its tree has " + space + " bytes, " + inodes + " inodes");
      }
      if (attrs.get(q.ino()) == null) {
        quotaProblems.add("quota kept for missing directory " + q.ino());
      }
      return true;
    });
    problems.addAll(quotaProblems);
    byte[] c = tx.get(Keys.counter("quotas"));
    long counted = c == null ? 0 : Bytes.getU64(c, 0);
    if (counted != quotaCount[0]) {
      problems.add("quota counter is " + counted + " but " + quotaCount[0] + " quotas exist");
    }
  }

  /** ACL references resolve; locks belong to live sessions and existing inodes, with sorted disjoint ranges. */
  private static void checkAclsAndLocks(io.nectarfs.meta.kv.KvTxn tx, Map<Long, Attr> attrs, List<String> problems) throws IOException {
    Set<Integer> rules = new HashSet<>();
    tx.scan(Acls.PREFIX, Bytes.prefixEnd(Acls.PREFIX), 0, (k, v) -> {
      rules.add(Bytes.getU32(k, 1));
      return true;
    });
    for (Map.Entry<Long, Attr> e : attrs.entrySet()) {
      for (int id : new int[] {e.getValue().accessAcl(), e.getValue().defaultAcl()}) {
        if (id != 0 && !rules.contains(id)) {
          problems.add("inode " + e.getKey() + " refers to missing ACL rule " + id);
        }
      }
      if (e.getValue().defaultAcl() != 0 && !e.getValue().isDir()) {
        problems.add("inode " + e.getKey() + " is not a directory but has a default ACL");
      }
    }
    Set<Long> sessions = new HashSet<>();
    tx.scan(Keys.SESSION_PREFIX, Bytes.prefixEnd(Keys.SESSION_PREFIX), 0, (k, v) -> {
      sessions.add(Bytes.getU64(k, 2));
      return true;
    });
    tx.scan(Locks.PREFIX, Bytes.prefixEnd(Locks.PREFIX), 0, (k, v) -> {
      long ino = Bytes.getU64(k, 1);
      long sid = Bytes.getU64(k, 10);
      if (!sessions.contains(sid)) {
        problems.add("lock on inode " + ino + " held by dead session " + sid);
      }
      if (!attrs.containsKey(ino)) {
        problems.add("lock held on missing inode " + ino);
      }
      if (k[9] == 'P') {
        List<Locks.Rec> recs = Locks.decode(v);
        for (int i = 0; i < recs.size(); i++) {
          Locks.Rec r = recs.get(i);
          if (r.start() > r.end() || (i > 0 && recs.get(i - 1).end() >= r.start())) {
            problems.add("POSIX locks of session " + sid + " on inode " + ino + " overlap or are unsorted");
            break;
          }
        }
      }
      return true;
    });
  }

  private static Pass checkIn(io.nectarfs.meta.kv.KvTxn tx, LongConsumer progress) throws IOException {
    {
      Counter counter = new Counter(progress);
      long[] usageBefore = Housekeeping.usage(tx);
      Map<Long, Attr> attrs = new HashMap<>();
      List<Dentry> dentries = new ArrayList<>();
      Map<Long, Map<Long, Integer>> parentLinks = new HashMap<>();
      Map<SliceKey, Integer> records = new HashMap<>();
      Set<Long> chunkOwners = new HashSet<>();
      Set<Long> symlinks = new HashSet<>();
      Set<Long> xattrOwners = new HashSet<>();
      List<String> problems = new ArrayList<>();
      Pass pass = new Pass(problems, attrs, dentries, parentLinks);
      tx.scan(Keys.ALL_INODES_PREFIX, Bytes.prefixEnd(Keys.ALL_INODES_PREFIX), 0, (k, v) -> {
        counter.tick();
        long ino = Bytes.getU64(k, 1);
        switch (k[9]) {
          case 'I' -> attrs.put(ino, Codec.attr(v));
          case 'D' -> dentries.add(new Dentry(ino, Keys.dentryName(k), Codec.dentryType(v), Codec.dentryIno(v)));
          case 'P' -> parentLinks.computeIfAbsent(ino, x -> new HashMap<>()).put(Keys.parentOf(k), Bytes.getU32(v, 0));
          case 'C' -> {
            chunkOwners.add(ino);
            for (Slice s : Codec.slices(v)) {
              if (s.id() != 0) {
                records.merge(new SliceKey(s.id(), s.size()), 1, Integer::sum);
              }
            }
          }
          case 'S' -> symlinks.add(ino);
          case 'X' -> xattrOwners.add(ino);
          default -> problems.add("unknown key kind '" + (char) k[9] + "' for inode " + ino);
        }
        return true;
      });
      Set<Long> pendingDelete = new HashSet<>();
      tx.scan(Keys.DELFILE_PREFIX, Bytes.prefixEnd(Keys.DELFILE_PREFIX), 0, (k, v) -> {
        pendingDelete.add(Bytes.getU64(k, 1));
        return true;
      });
      Set<Long> sustained = new HashSet<>();
      byte[] ss = {'S', 'S'};
      tx.scan(ss, Bytes.prefixEnd(ss), 0, (k, v) -> {
        sustained.add(Bytes.getU64(k, 10));
        return true;
      });
      Map<SliceKey, Long> refs = new HashMap<>();
      tx.scan(Keys.SLICE_REF_PREFIX, Bytes.prefixEnd(Keys.SLICE_REF_PREFIX), 0, (k, v) -> {
        refs.put(new SliceKey(Bytes.getU64(k, 1), Bytes.getU32(k, 9)), Bytes.getU64(v, 0));
        return true;
      });

      // Entries.
      Map<Long, Integer> links = new HashMap<>();
      Map<Long, Map<Long, Integer>> linksPerParent = new HashMap<>();
      Map<Long, Integer> subdirs = new HashMap<>();
      for (Dentry d : dentries) {
        Attr p = attrs.get(d.parent);
        if (p == null || !p.isDir()) {
          pass.add(d.ino, "entry '" + io.nectarfs.common.Names.escape(d.name) + "' is in inode " + d.parent + ", which is not a directory");
        }
        Attr c = attrs.get(d.ino);
        if (c == null) {
          pass.add(d.ino, "entry '" + io.nectarfs.common.Names.escape(d.name) + "' in directory " + d.parent + " points to missing inode " + d.ino);
          continue;
        }
        if (c.type() != d.type) {
          pass.add(d.ino, "entry '" + io.nectarfs.common.Names.escape(d.name) + "' in directory " + d.parent + " says " + d.type + " but inode " + d.ino + " is " + c.type());
        }
        links.merge(d.ino, 1, Integer::sum);
        linksPerParent.computeIfAbsent(d.ino, x -> new HashMap<>()).merge(d.parent, 1, Integer::sum);
        if (c.isDir()) {
          subdirs.merge(d.parent, 1, Integer::sum);
          if (c.parent() != d.parent) {
            pass.add(d.ino, "directory " + d.ino + " ('" + io.nectarfs.common.Names.escape(d.name) + "') records parent " + c.parent() + " but is in " + d.parent);
          }
        }
      }

      // Inodes.
      long space = 0;
      long inodes = 0;
      for (Map.Entry<Long, Attr> e : attrs.entrySet()) {
        long ino = e.getKey();
        Attr a = e.getValue();
        boolean special = ino == Meta.ROOT || ino == Meta.TRASH || Trash.isTrashHour(ino);
        if (!special) {
          space += MetaClient.accountedSpace(a);
          inodes++;
        }
        int n = links.getOrDefault(ino, 0);
        if (a.isDir() && n == 0 && a.nlink() == 0 && sustained.contains(ino)) {
          continue; // removed while open: freed at its last close
        }
        if (a.isDir()) {
          int want = 2 + subdirs.getOrDefault(ino, 0);
          if (a.nlink() != want) {
            pass.add(ino, "directory " + ino + " has nlink " + a.nlink() + ", expected " + want);
          }
          if (!special && n != 1) {
            pass.add(ino, "directory " + ino + " has " + n + " entries pointing to it");
          }
          continue;
        }
        if (n == 0) {
          if (!(a.nlink() == 0 && sustained.contains(ino))) {
            pass.add(ino, "inode " + ino + " (" + a.type() + ") is not in any directory (nlink " + a.nlink() + ")");
          }
          continue;
        }
        if (a.nlink() != n) {
          pass.add(ino, "inode " + ino + " has nlink " + a.nlink() + " but " + n + " entries");
        }
        Map<Long, Integer> perParent = linksPerParent.get(ino);
        if (n == 1) {
          long only = perParent.keySet().iterator().next();
          if (a.parent() != only) {
            pass.add(ino, "inode " + ino + " records parent " + a.parent() + " but is in " + only);
          }
          if (parentLinks.containsKey(ino)) {
            pass.add(ino, "inode " + ino + " has one link but hard-link parent records");
          }
        } else {
          if (a.parent() != 0) {
            pass.add(ino, "inode " + ino + " has " + n + " links but records a single parent " + a.parent());
          }
          if (!perParent.equals(parentLinks.getOrDefault(ino, Map.of()))) {
            pass.add(ino, "inode " + ino + " hard-link parents " + parentLinks.get(ino) + " differ from its entries " + perParent);
          }
        }
        if (a.type() == FileType.SYMLINK && !symlinks.contains(ino)) {
          pass.add(ino, "symbolic link " + ino + " has no target");
        }
      }
      for (long ino : symlinks) {
        Attr a = attrs.get(ino);
        if (a == null || a.type() != FileType.SYMLINK) {
          problems.add("symlink target stored for inode " + ino + ", which is not a symbolic link");
        }
      }
      for (long ino : xattrOwners) {
        if (!attrs.containsKey(ino)) {
          problems.add("extended attributes stored for missing inode " + ino);
        }
      }
      for (long ino : chunkOwners) {
        Attr a = attrs.get(ino);
        if ((a == null || a.type() != FileType.FILE) && !pendingDelete.contains(ino)) {
          problems.add("chunks stored for inode " + ino + ", which is not a live file");
        }
      }
      for (Map.Entry<SliceKey, Integer> e : records.entrySet()) {
        long want = e.getValue() - 1;
        long have = refs.getOrDefault(e.getKey(), 0L);
        if (want != have) {
          problems.add("slice " + e.getKey().id() + " has " + e.getValue() + " records but reference count " + (have + 1));
        }
      }
      for (SliceKey k : refs.keySet()) {
        if (!records.containsKey(k)) {
          problems.add("reference count kept for slice " + k.id() + ", which no chunk uses");
        }
      }
      Set<Long> inlineData = new HashSet<>();
      tx.scan(Keys.INLINE_PREFIX, Bytes.prefixEnd(Keys.INLINE_PREFIX), 0, (k, v) -> {
        inlineData.add(Bytes.getU64(k, 1));
        return true;
      });
      Set<Long> inlineUsed = new HashSet<>();
      for (SliceKey k : records.keySet()) {
        if (Slice.isInline(k.id())) {
          inlineUsed.add(k.id());
          if (!inlineData.contains(k.id())) {
            problems.add("inline slice " + Long.toHexString(k.id()) + " has no data");
          }
        }
      }
      for (long id : inlineData) {
        if (!inlineUsed.contains(id)) {
          problems.add("inline data kept for slice " + Long.toHexString(id) + ", which no chunk uses");
        }
      }
      long[] usage = Housekeeping.usage(tx);
      long storedSpace = usage[0];
      long storedInodes = usage[1];
      // Every change of space or inodes updates the usage in the same transaction: counters that
      // held still during the pass were not changed by anything the pass read half-way.
      boolean countersStill = java.util.Arrays.equals(usage, usageBefore);
      if (!countersStill) {
        log.info("the usage counters changed during the check; they are not compared in this pass");
      }
      if (countersStill && storedSpace != space) {
        String p = "used space counter is " + storedSpace + " but inodes account for " + space;
        problems.add(p);
        pass.counterProblems.add(p);
      }
      if (countersStill && storedInodes != inodes) {
        String p = "inode counter is " + storedInodes + " but " + inodes + " inodes exist";
        problems.add(p);
        pass.counterProblems.add(p);
      }
      checkStats(tx, attrs, dentries, pass);
      checkAclsAndLocks(tx, attrs, problems);
      return pass;
    }
  }
}
