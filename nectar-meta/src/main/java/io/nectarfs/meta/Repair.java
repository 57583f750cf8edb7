package io.nectarfs.meta;

import io.nectarfs.meta.kv.Bytes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * {@code nectar fsck --repair}: rebuilds what the {@link Checker} verifies from the entries, which
 * are the source of truth. Dangling entries are removed; inodes no entry reaches move to
 * {@code /lost+found} (named by inode number); link counts, parents, hard-link parent records,
 * slice reference counts, directory statistics, quota usage and the volume counters are
 * recomputed; locks of dead sessions and references to missing ACL rules are dropped.
 *
 * <p>Concurrency: one transaction over the whole volume, so it is meant for a volume no client is
 * writing (the engine serialises it with any that are, at the cost of conflicts). Invariant: after
 * it commits, {@link Checker} finds nothing.
 */
final class Repair {
  private Repair() {}

  private record Dentry(long parent, String name, FileType type, long ino) {}

  static List<String> run(MetaClient m, Consumer<String> progress) throws IOException {
    long lostFound = m.nextInode();
    List<String> fixed = m.tx(tx -> repairIn(m, tx, lostFound, progress));
    m.hk.refreshCounters();
    return fixed;
  }

  private static boolean special(long ino) {
    return ino == Meta.ROOT || ino == Meta.TRASH || Trash.isTrashHour(ino);
  }

  private static List<String> repairIn(MetaClient m, Tx tx, long lostFoundIno, Consumer<String> progress) throws IOException {
    List<String> fixed = new ArrayList<>();
    Map<Long, Attr> attrs = new TreeMap<>();
    List<Dentry> dentries = new ArrayList<>();
    Set<Long> xattrOwners = new HashSet<>();
    Map<Long, List<byte[]>> chunkKeys = new HashMap<>();
    progress.accept("reading inodes and entries");
    tx.kv.scan(Keys.ALL_INODES_PREFIX, Bytes.prefixEnd(Keys.ALL_INODES_PREFIX), 0, (k, v) -> {
      long ino = Bytes.getU64(k, 1);
      switch (k[9]) {
        case 'I' -> attrs.put(ino, Codec.attr(v));
        case 'D' -> dentries.add(new Dentry(ino, Keys.dentryName(k), Codec.dentryType(v), Codec.dentryIno(v)));
        case 'X' -> xattrOwners.add(ino);
        case 'C' -> chunkKeys.computeIfAbsent(ino, x -> new ArrayList<>()).add(k);
        default -> {}
      }
      return true;
    });
    Set<Long> pendingDelete = new HashSet<>();
    tx.kv.scan(Keys.DELFILE_PREFIX, Bytes.prefixEnd(Keys.DELFILE_PREFIX), 0, (k, v) -> {
      pendingDelete.add(Bytes.getU64(k, 1));
      return true;
    });
    Set<Long> sustained = new HashSet<>();
    byte[] ss = {'S', 'S'};
    tx.kv.scan(ss, Bytes.prefixEnd(ss), 0, (k, v) -> {
      sustained.add(Bytes.getU64(k, 10));
      return true;
    });

    progress.accept("checking " + dentries.size() + " entries");
    List<Dentry> live = new ArrayList<>();
    Set<Long> dirSeen = new HashSet<>();
    for (Dentry d : dentries) {
      Attr p = attrs.get(d.parent);
      Attr c = attrs.get(d.ino);
      if (p == null || !p.isDir() || c == null) {
        tx.deleteDentry(d.parent, d.name);
        fixed.add("removed dangling entry '" + d.name + "' in " + d.parent + " (inode " + d.ino + ")");
        continue;
      }
      if (c.type() != d.type) {
        tx.putDentry(d.parent, d.name, c.type(), d.ino);
        fixed.add("entry '" + d.name + "' in " + d.parent + ": type " + d.type + " corrected to " + c.type());
      }
      if (c.isDir() && !dirSeen.add(d.ino)) {
        tx.deleteDentry(d.parent, d.name);
        fixed.add("removed extra entry '" + d.name + "' of directory " + d.ino);
        continue;
      }
      live.add(new Dentry(d.parent, d.name, c.type(), d.ino));
    }
    Map<Long, Map<Long, Integer>> parents = new HashMap<>();
    for (Dentry d : live) {
      parents.computeIfAbsent(d.ino, x -> new TreeMap<>()).merge(d.parent, 1, Integer::sum);
    }
    // Orphans go to lost+found.
    long lf = 0;
    for (Map.Entry<Long, Attr> e : List.copyOf(attrs.entrySet())) {
      long ino = e.getKey();
      Attr a = e.getValue();
      if (special(ino) || parents.containsKey(ino) || (a.nlink() == 0 && (sustained.contains(ino) || a.isDir()))) {
        continue;
      }
      if (lf == 0) {
        lf = lostFound(m, tx, lostFoundIno, attrs, live, parents);
      }
      String name = Long.toString(ino);
      tx.putDentry(lf, name, a.type(), ino);
      live.add(new Dentry(lf, name, a.type(), ino));
      parents.computeIfAbsent(ino, x -> new TreeMap<>()).merge(lf, 1, Integer::sum);
      fixed.add("moved unreachable inode " + ino + " to /lost+found/" + name);
    }

    progress.accept("fixing link counts and parents of " + attrs.size() + " inodes");
    Map<Long, Integer> subdirs = new HashMap<>();
    for (Dentry d : live) {
      if (d.type == FileType.DIR) {
        subdirs.merge(d.parent, 1, Integer::sum);
      }
    }
    for (Map.Entry<Long, Attr> e : attrs.entrySet()) {
      long ino = e.getKey();
      Attr a = e.getValue();
      Attr n = a;
      Map<Long, Integer> ps = parents.getOrDefault(ino, Map.of());
      if (a.isDir()) {
        n = n.withNlink(2 + subdirs.getOrDefault(ino, 0));
        if (!ps.isEmpty()) {
          n = n.withParent(ps.keySet().iterator().next());
        }
      } else if (!ps.isEmpty()) {
        int links = ps.values().stream().mapToInt(Integer::intValue).sum();
        n = n.withNlink(links).withParent(links == 1 ? ps.keySet().iterator().next() : 0);
        Map<Long, Integer> stored = new HashMap<>();
        for (byte[] k : tx.keys(Keys.parentPrefix(ino))) {
          stored.put(Keys.parentOf(k), Bytes.getU32(tx.kv.get(k), 0));
        }
        Map<Long, Integer> want = links == 1 ? Map.of() : ps;
        if (!stored.equals(want)) {
          for (long p : stored.keySet()) {
            tx.kv.delete(Keys.parentLink(ino, p));
          }
          for (Map.Entry<Long, Integer> pe : want.entrySet()) {
            tx.kv.put(Keys.parentLink(ino, pe.getKey()), Codec.u32(pe.getValue()));
          }
          fixed.add("rebuilt hard-link parents of inode " + ino);
        }
      }
      for (int id : new int[] {n.accessAcl(), n.defaultAcl()}) {
        if (id != 0 && tx.kv.get(Acls.key(id)) == null) {
          n = n.withAcl(n.accessAcl() == id ? 0 : n.accessAcl(), n.defaultAcl() == id ? 0 : n.defaultAcl());
          fixed.add("inode " + ino + ": dropped reference to missing ACL " + id);
        }
      }
      if (!n.isDir() && n.defaultAcl() != 0) {
        n = n.withAcl(n.accessAcl(), 0);
      }
      if (!n.equals(a)) {
        tx.putAttr(ino, n);
        attrs.put(ino, n);
        if (n.nlink() != a.nlink()) {
          fixed.add("inode " + ino + ": nlink " + a.nlink() + " -> " + n.nlink());
        }
        if (n.parent() != a.parent()) {
          fixed.add("inode " + ino + ": parent " + a.parent() + " -> " + n.parent());
        }
      }
    }
    for (long ino : xattrOwners) {
      if (!attrs.containsKey(ino)) {
        for (byte[] k : tx.keys(Keys.xattrPrefix(ino))) {
          tx.kv.delete(k);
        }
        fixed.add("removed extended attributes of missing inode " + ino);
      }
    }
    for (Map.Entry<Long, List<byte[]>> e : chunkKeys.entrySet()) {
      Attr a = attrs.get(e.getKey());
      if ((a == null || a.type() != FileType.FILE) && !pendingDelete.contains(e.getKey())) {
        // Queue the file's data for deletion like a removed file's.
        byte[] v = new byte[16];
        Bytes.putU64(v, 8, m.config.clock().nowMillis());
        tx.kv.put(Keys.delfile(e.getKey()), v);
        fixed.add("queued the chunks of inode " + e.getKey() + ", which is not a live file, for deletion");
      }
    }

    progress.accept("recounting slice references");
    Map<String, long[]> records = new HashMap<>();
    tx.kv.scan(Keys.ALL_INODES_PREFIX, Bytes.prefixEnd(Keys.ALL_INODES_PREFIX), 0, (k, v) -> {
      if (k[9] == 'C') {
        for (Slice s : Codec.slices(v)) {
          if (s.id() != 0) {
            records.computeIfAbsent(s.id() + "/" + s.size(), x -> new long[] {s.id(), s.size(), 0})[2]++;
          }
        }
      }
      return true;
    });
    Map<String, Long> refs = new HashMap<>();
    tx.kv.scan(Keys.SLICE_REF_PREFIX, Bytes.prefixEnd(Keys.SLICE_REF_PREFIX), 0, (k, v) -> {
      refs.put(Bytes.getU64(k, 1) + "/" + Bytes.getU32(k, 9), Bytes.getU64(v, 0));
      return true;
    });
    for (Map.Entry<String, long[]> e : records.entrySet()) {
      long want = e.getValue()[2] - 1;
      long have = refs.getOrDefault(e.getKey(), 0L);
      if (want != have) {
        byte[] k = Keys.sliceRef(e.getValue()[0], (int) e.getValue()[1]);
        if (want == 0) {
          tx.kv.delete(k);
        } else {
          tx.kv.put(k, Bytes.u64(want));
        }
        fixed.add("slice " + e.getKey() + ": reference count " + (have + 1) + " -> " + (want + 1));
      }
    }
    for (String k : refs.keySet()) {
      if (!records.containsKey(k)) {
        String[] p = k.split("/");
        tx.kv.delete(Keys.sliceRef(Long.parseLong(p[0]), Integer.parseInt(p[1])));
        fixed.add("dropped the reference count of unused slice " + k);
      }
    }
    java.util.Set<Long> inlineUsed = new java.util.HashSet<>();
    for (long[] r : records.values()) {
      if (Slice.isInline(r[0])) {
        inlineUsed.add(r[0]);
      }
    }
    List<byte[]> unusedInline = new ArrayList<>();
    tx.kv.scan(Keys.INLINE_PREFIX, Bytes.prefixEnd(Keys.INLINE_PREFIX), 0, (k, v) -> {
      if (!inlineUsed.contains(Bytes.getU64(k, 1))) {
        unusedInline.add(k);
      }
      return true;
    });
    for (byte[] k : unusedInline) {
      tx.kv.delete(k);
      fixed.add("dropped the data of unused inline slice " + Long.toHexString(Bytes.getU64(k, 1)));
    }

    progress.accept("recomputing directory statistics and quotas");
    Map<Long, long[]> stats = new HashMap<>();
    Map<Long, List<Long>> childDirs = new HashMap<>();
    for (Dentry d : live) {
      if (Trash.inTrash(d.parent)) {
        continue;
      }
      long[] s = stats.computeIfAbsent(d.parent, x -> new long[2]);
      s[0] += MetaClient.accountedSpace(attrs.get(d.ino));
      s[1]++;
      if (d.type == FileType.DIR) {
        childDirs.computeIfAbsent(d.parent, x -> new ArrayList<>()).add(d.ino);
      }
    }
    Map<Long, long[]> storedStats = new HashMap<>();
    tx.kv.scan(Quotas.STATS_PREFIX, Bytes.prefixEnd(Quotas.STATS_PREFIX), 0, (k, v) -> {
      storedStats.put(Bytes.getU64(k, 1), Quotas.longs(v, 2));
      return true;
    });
    Set<Long> dirs = new HashSet<>(stats.keySet());
    dirs.addAll(storedStats.keySet());
    dirs.removeIf(Trash::inTrash);
    for (long d : dirs) {
      long[] want = stats.getOrDefault(d, new long[2]);
      long[] have = storedStats.getOrDefault(d, new long[2]);
      Attr a = attrs.get(d);
      if (a == null || !a.isDir()) {
        tx.kv.delete(Quotas.statsKey(d));
        fixed.add("dropped statistics of inode " + d + ", which is not a directory");
      } else if (want[0] != have[0] || want[1] != have[1]) {
        tx.kv.put(Quotas.statsKey(d), Quotas.bytes(want[0], want[1]));
        fixed.add("directory " + d + ": statistics corrected");
      }
    }
    List<Quota> quotas = new ArrayList<>();
    tx.kv.scan(Quotas.QUOTA_PREFIX, Bytes.prefixEnd(Quotas.QUOTA_PREFIX), 0, (k, v) -> {
      quotas.add(Quotas.quota(Bytes.getU64(k, 1), v));
      return true;
    });
    for (Quota q : quotas) {
      if (!attrs.containsKey(q.ino()) || !attrs.get(q.ino()).isDir()) {
        tx.kv.delete(Quotas.quotaKey(q.ino()));
        fixed.add("dropped the quota of missing directory " + q.ino());
        continue;
      }
      long space = 0;
      long inodes = 0;
      java.util.ArrayDeque<Long> todo = new java.util.ArrayDeque<>(List.of(q.ino()));
      while (!todo.isEmpty()) {
        long d = todo.pop();
        long[] s = stats.getOrDefault(d, new long[2]);
        space += s[0];
        inodes += s[1];
        todo.addAll(childDirs.getOrDefault(d, List.of()));
      }
      if (space != q.usedSpace() || inodes != q.usedInodes()) {
        tx.kv.put(Quotas.quotaKey(q.ino()), Quotas.bytes(q.maxSpace(), q.maxInodes(), space, inodes));
        fixed.add("quota of directory " + q.ino() + ": usage corrected to " + space + " bytes, " + inodes + " inodes");
      }
    }
    long liveQuotas = quotas.stream().filter(q -> attrs.containsKey(q.ino()) && attrs.get(q.ino()).isDir()).count();
    byte[] qc = tx.kv.get(Keys.counter("quotas"));
    if ((qc == null ? 0 : Bytes.getU64(qc, 0)) != liveQuotas) {
      tx.kv.put(Keys.counter("quotas"), Bytes.u64(liveQuotas));
      fixed.add("quota counter corrected to " + liveQuotas);
    }

    progress.accept("recounting volume usage and checking locks");
    long space = 0;
    long inodes = 0;
    for (Map.Entry<Long, Attr> e : attrs.entrySet()) {
      if (!special(e.getKey())) {
        space += MetaClient.accountedSpace(e.getValue());
        inodes++;
      }
    }
    long[] have = Housekeeping.usage(tx.kv);
    if (have[0] != space || have[1] != inodes) {
      for (byte[] k : tx.keys(Keys.USAGE_PREFIX)) {
        tx.kv.delete(k);
      }
      byte[] v = new byte[16];
      Bytes.putU64(v, 0, space);
      Bytes.putU64(v, 8, inodes);
      tx.kv.put(Keys.USAGE_BASE, v);
      fixed.add("usage: " + have[0] + " bytes, " + have[1] + " inodes -> " + space + " bytes, " + inodes + " inodes");
    }
    Set<Long> sessions = new HashSet<>();
    tx.kv.scan(Keys.SESSION_PREFIX, Bytes.prefixEnd(Keys.SESSION_PREFIX), 0, (k, v) -> {
      sessions.add(Bytes.getU64(k, 2));
      return true;
    });
    List<byte[]> deadLocks = new ArrayList<>();
    tx.kv.scan(Locks.PREFIX, Bytes.prefixEnd(Locks.PREFIX), 0, (k, v) -> {
      if (!sessions.contains(Bytes.getU64(k, 10)) || !attrs.containsKey(Bytes.getU64(k, 1))) {
        deadLocks.add(k);
      }
      return true;
    });
    for (byte[] k : deadLocks) {
      tx.kv.delete(k);
      fixed.add("released a lock on inode " + Bytes.getU64(k, 1) + " of dead session " + Bytes.getU64(k, 10));
    }
    return fixed;
  }

  /** The /lost+found directory, created (root, 0700) when missing. */
  private static long lostFound(MetaClient m, Tx tx, long newIno, Map<Long, Attr> attrs, List<Dentry> live, Map<Long, Map<Long, Integer>> parents)
      throws IOException {
    byte[] d = tx.dentry(Meta.ROOT, "lost+found");
    if (d != null) {
      return Codec.dentryIno(d);
    }
    long now = m.now();
    Attr a = new Attr(FileType.DIR, 0700, 0, 0, now, now, now, 2, Attr.DIR_SIZE, 0, 0, Meta.ROOT);
    tx.putAttr(newIno, a);
    tx.putDentry(Meta.ROOT, "lost+found", FileType.DIR, newIno);
    attrs.put(newIno, a);
    live.add(new Dentry(Meta.ROOT, "lost+found", FileType.DIR, newIno));
    parents.computeIfAbsent(newIno, x -> new TreeMap<>()).merge(Meta.ROOT, 1, Integer::sum);
    return newIno;
  }
}
