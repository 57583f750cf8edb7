package io.nectarfs.meta;

import io.nectarfs.common.Errno;
import io.nectarfs.meta.kv.Bytes;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Directory statistics and directory quotas, both kept exact in the same transaction as the
 * change (no flush, nothing lost when a client dies).
 *
 * <pre>
 * U ino     direct statistics of a directory: space (8) + inodes (8) of the entries in it
 * Q ino     quota: max space (8), max inodes (8), used space (8), used inodes (8) of the whole tree
 * C quotas  how many quotas exist (0: no ancestor walk at all)
 * </pre>
 *
 * <p>Why this split: the direct statistics of a directory change only when its entries change, in
 * transactions that already write the directory's attributes (mtime), so they add no new hot row.
 * Recursive usage is kept only where it is needed, for directories with a quota: a change walks
 * its ancestors (one attribute read each) when the volume has quotas, checks every quota on the
 * way (nested quotas: all ancestors), and updates their usage; EDQUOT aborts the transaction.
 * Recursive statistics of any other directory ({@link #summary}) add up the direct statistics of
 * its subdirectories: it reads directory entries, never a file's inode. A file with several hard
 * links counts once per entry, in each parent.
 *
 * <p>Concurrency: everything happens inside the caller's engine transaction, so concurrent clients
 * are serialised by the engine and usage is exact. Invariants (checked by {@link Checker}): {@code
 * U d} equals the sum over d's entries; {@code Q d}'s usage equals the sum over its tree.
 */
final class Quotas {
  static final byte[] STATS_PREFIX = {'U'};
  static final byte[] QUOTA_PREFIX = {'Q'};
  private final MetaClient m;

  Quotas(MetaClient m) {
    this.m = m;
  }

  static byte[] statsKey(long ino) {
    byte[] k = new byte[9];
    k[0] = 'U';
    Bytes.putU64(k, 1, ino);
    return k;
  }

  static byte[] quotaKey(long ino) {
    byte[] k = new byte[9];
    k[0] = 'Q';
    Bytes.putU64(k, 1, ino);
    return k;
  }

  static long[] longs(byte[] v, int n) {
    long[] out = new long[n];
    for (int i = 0; v != null && i < n && i * 8 + 8 <= v.length; i++) {
      out[i] = Bytes.getU64(v, i * 8);
    }
    return out;
  }

  static byte[] bytes(long... v) {
    byte[] b = new byte[v.length * 8];
    for (int i = 0; i < v.length; i++) {
      Bytes.putU64(b, i * 8, v[i]);
    }
    return b;
  }

  static Quota quota(long ino, byte[] v) {
    long[] q = longs(v, 4);
    return new Quota(ino, q[0], q[1], q[2], q[3]);
  }

  /**
   * An entry of {@code space} bytes and {@code inodes} inodes appeared in ({@code > 0}) or left
   * ({@code < 0}) directory {@code dir}; {@code treeSpace}/{@code treeInodes} is what moves with it
   * below (a directory's subtree), counted by quotas only. EDQUOT when a quota would be exceeded.
   */
  void account(Tx tx, long dir, long space, long inodes, long treeSpace, long treeInodes) throws IOException {
    if (dir == 0 || Trash.inTrash(dir) || (space == 0 && inodes == 0 && treeSpace == 0 && treeInodes == 0)) {
      return;
    }
    if (space != 0 || inodes != 0) {
      byte[] k = statsKey(dir);
      long[] u = longs(tx.kv.get(k), 2);
      tx.kv.put(k, bytes(u[0] + space, u[1] + inodes));
    }
    if (!anyQuota(tx)) {
      return;
    }
    long addSpace = space + treeSpace;
    long addInodes = inodes + treeInodes;
    long at = dir;
    for (int depth = 0; depth < 100_000 && at != 0; depth++) {
      byte[] qk = quotaKey(at);
      byte[] v = tx.kv.get(qk);
      if (v != null) {
        Quota q = quota(at, v);
        if (addSpace > 0 && q.maxSpace() > 0 && q.usedSpace() + addSpace > q.maxSpace()) {
          throw Errno.EDQUOT.exception("space quota of directory " + at + " (" + q.maxSpace() + " bytes) exceeded");
        }
        if (addInodes > 0 && q.maxInodes() > 0 && q.usedInodes() + addInodes > q.maxInodes()) {
          throw Errno.EDQUOT.exception("inode quota of directory " + at + " (" + q.maxInodes() + ") exceeded");
        }
        tx.kv.put(qk, bytes(q.maxSpace(), q.maxInodes(), q.usedSpace() + addSpace, q.usedInodes() + addInodes));
      }
      if (at == Meta.ROOT || Trash.inTrash(at)) {
        return;
      }
      Attr a = tx.attrOrNull(at);
      at = a == null ? 0 : a.parent();
    }
  }

  void account(Tx tx, long dir, long space, long inodes) throws IOException {
    account(tx, dir, space, inodes, 0, 0);
  }

  /**
   * EDQUOT when {@code space} more bytes in the directories holding {@code a} would exceed a
   * space quota; charges nothing (fallocate with FALLOC_FL_KEEP_SIZE promises space it does not
   * account).
   */
  void checkFileRoom(Tx tx, long ino, Attr a, long space) throws IOException {
    if (space <= 0 || a.nlink() == 0 || !anyQuota(tx)) {
      return;
    }
    if (a.parent() != 0) {
      checkRoom(tx, a.parent(), space);
      return;
    }
    for (byte[] k : tx.keys(Keys.parentPrefix(ino))) {
      checkRoom(tx, Keys.parentOf(k), space * Bytes.getU32(tx.kv.get(k), 0));
    }
  }

  private void checkRoom(Tx tx, long dir, long space) throws IOException {
    long at = dir;
    for (int depth = 0; depth < 100_000 && at != 0 && at != Meta.TRASH; depth++) {
      byte[] v = tx.kv.get(quotaKey(at));
      if (v != null) {
        Quota q = quota(at, v);
        if (q.maxSpace() > 0 && q.usedSpace() + space > q.maxSpace()) {
          throw Errno.EDQUOT.exception("space quota of directory " + at + " (" + q.maxSpace() + " bytes) exceeded");
        }
      }
      if (at == Meta.ROOT || Trash.inTrash(at)) {
        return;
      }
      Attr a = tx.attrOrNull(at);
      at = a == null ? 0 : a.parent();
    }
  }

  /** A file's size changed by {@code delta} accounted bytes: charge every directory holding an entry of it. */
  void accountFile(Tx tx, long ino, Attr a, long delta) throws IOException {
    if (delta == 0 || a.nlink() == 0) {
      return;
    }
    if (a.parent() != 0) {
      account(tx, a.parent(), delta, 0);
      return;
    }
    for (byte[] k : tx.keys(Keys.parentPrefix(ino))) {
      int count = Bytes.getU32(tx.kv.get(k), 0);
      account(tx, Keys.parentOf(k), delta * count, 0);
    }
  }

  boolean anyQuota(Tx tx) throws IOException {
    byte[] v = tx.kv.get(Keys.counter("quotas"));
    return v != null && Bytes.getU64(v, 0) > 0;
  }

  /** The direct statistics of {@code dir}: {space, inodes}. */
  static long[] direct(Tx tx, long dir) throws IOException {
    return longs(tx.kv.get(statsKey(dir)), 2);
  }

  /** Recursive statistics of the tree below {@code dir}, from the direct statistics of its directories. */
  static DirStats summary(Tx tx, long dir) throws IOException {
    return summary(tx.kv, dir);
  }

  /**
   * {@link #summary(Tx, long)} on any reader, level by level: the direct statistics of up to {@link
   * MetaClient#BULK_PAGE} directories in one {@code getAll}, then each one's entries.
   */
  static DirStats summary(io.nectarfs.meta.kv.KvTxn kv, long dir) throws IOException {
    long space = 0;
    long inodes = 0;
    long dirs = 0;
    List<Long> level = List.of(dir);
    while (!level.isEmpty()) {
      List<Long> next = new ArrayList<>();
      for (int from = 0; from < level.size(); from += MetaClient.BULK_PAGE) {
        List<Long> batch = level.subList(from, Math.min(level.size(), from + MetaClient.BULK_PAGE));
        List<byte[]> stats = kv.getAll(batch.stream().map(Quotas::statsKey).toList());
        for (int i = 0; i < batch.size(); i++) {
          boolean trash = Trash.inTrash(batch.get(i)); // keeps no statistics (see Trash): its entries are counted
          List<Long> entries = new ArrayList<>();
          if (!trash) {
            long[] u = longs(stats.get(i), 2);
            space += u[0];
            inodes += u[1];
          }
          byte[] p = Keys.dentryPrefix(batch.get(i));
          kv.scan(p, Bytes.prefixEnd(p), 0, (k, v) -> {
            if (Codec.dentryType(v) == FileType.DIR) {
              next.add(Codec.dentryIno(v));
            }
            if (trash) {
              entries.add(Codec.dentryIno(v));
            }
            return true;
          });
          for (byte[] a : entries.isEmpty() ? List.<byte[]>of() : kv.getAll(entries.stream().map(Keys::attr).toList())) {
            if (a != null) {
              space += MetaClient.accountedSpace(Codec.attr(a));
              inodes++;
            }
          }
        }
      }
      dirs += next.size();
      level = next;
    }
    return new DirStats(space, inodes, dirs);
  }

  /** What a full scan finds below {@code dir}: entries and their inodes' accounted space. */
  static DirStats scan(Tx tx, long dir) throws IOException {
    return bulkScan(tx.kv, dir);
  }

  /** The quota at or nearest above {@code ino}, or null. */
  Quota nearest(Tx tx, long ino) throws IOException {
    if (!anyQuota(tx)) {
      return null;
    }
    long at = ino;
    Attr a = tx.attr(ino);
    if (!a.isDir()) {
      at = a.parent();
    }
    for (int depth = 0; depth < 100_000 && at != 0; depth++) {
      byte[] v = tx.kv.get(quotaKey(at));
      if (v != null) {
        return quota(at, v);
      }
      if (at == Meta.ROOT || Trash.inTrash(at)) {
        return null;
      }
      Attr d = tx.attrOrNull(at);
      at = d == null ? 0 : d.parent();
    }
    return null;
  }

  /** statfs as seen under quota {@code q}: its limits where set, the volume's otherwise (never more than the volume has). */
  static StatFs statfs(Quota q, StatFs volume) {
    long total = volume.totalSpace();
    long avail = volume.availSpace();
    if (q.maxSpace() > 0) {
      total = q.maxSpace();
      avail = Math.min(avail, Math.max(0, q.maxSpace() - q.usedSpace()));
    }
    long used = volume.usedInodes();
    long availInodes = volume.availInodes();
    if (q.maxInodes() > 0) {
      used = q.usedInodes();
      availInodes = Math.min(availInodes, Math.max(0, q.maxInodes() - q.usedInodes()));
    }
    return new StatFs(total, avail, used, availInodes);
  }

  /** Sets (or changes the limits of) the quota of directory {@code dir}; usage is computed by a scan when new. */
  Quota set(long dir, long maxSpace, long maxInodes) throws IOException {
    if (maxSpace < 0 || maxInodes < 0) {
      throw Errno.EINVAL.exception("negative quota");
    }
    return m.tx(tx -> {
      tx.dir(dir);
      if (Trash.inTrash(dir)) {
        throw Errno.EPERM.exception("no quotas in the trash");
      }
      byte[] k = quotaKey(dir);
      byte[] old = tx.kv.get(k);
      long usedSpace;
      long usedInodes;
      if (old == null) {
        DirStats s = scan(tx, dir);
        usedSpace = s.space();
        usedInodes = s.inodes();
        tx.kv.incrBy(Keys.counter("quotas"), 1);
      } else {
        Quota q = quota(dir, old);
        usedSpace = q.usedSpace();
        usedInodes = q.usedInodes();
      }
      tx.kv.put(k, bytes(maxSpace, maxInodes, usedSpace, usedInodes));
      return new Quota(dir, maxSpace, maxInodes, usedSpace, usedInodes);
    });
  }

  Quota get(long dir) throws IOException {
    return m.readTx(tx -> {
      byte[] v = tx.kv.get(quotaKey(dir));
      return v == null ? null : quota(dir, v);
    });
  }

  List<Quota> list() throws IOException {
    return m.readTx(tx -> {
      List<Quota> out = new ArrayList<>();
      tx.kv.scan(QUOTA_PREFIX, Bytes.prefixEnd(QUOTA_PREFIX), 0, (k, v) -> {
        out.add(quota(Bytes.getU64(k, 1), v));
        return true;
      });
      return out;
    });
  }

  boolean delete(long dir) throws IOException {
    return m.tx(tx -> dropQuota(tx, dir));
  }

  static boolean dropQuota(Tx tx, long dir) throws IOException {
    byte[] k = quotaKey(dir);
    if (tx.kv.get(k) == null) {
      return false;
    }
    tx.kv.delete(k);
    tx.kv.incrBy(Keys.counter("quotas"), -1);
    return true;
  }

  /** Bulk reads of a quota's tree before a repair gives up on a tree that never holds still. */
  static final int CHECK_READS = 3;

  /**
   * Compares each quota's usage with a full scan of its tree (a bulk read: large pages, no conflict
   * tracking, retried until it is a snapshot, at most {@link #CHECK_READS} times); with {@code
   * repair} stores the scanned usage, only from a snapshot and only if the quota record is still
   * the one read with the tree (every change below a quota rewrites its usage, so an unchanged
   * record means an unchanged usage). Returns, per quota, the stored and the scanned value.
   */
  Map<Quota, DirStats> check(Long only, boolean repair) throws IOException {
    return check(only, repair, n -> {});
  }

  /** {@link #check(Long, boolean)} reporting 1 to {@code checked} per quota done. */
  Map<Quota, DirStats> check(Long only, boolean repair, java.util.function.LongConsumer checked) throws IOException {
    Map<Quota, DirStats> out = new java.util.LinkedHashMap<>();
    for (Quota q : list()) {
      if (only != null && q.ino() != only) {
        continue;
      }
      io.nectarfs.meta.kv.TxnKv.Bulk<Object[]> b = null;
      for (int i = 0; i < CHECK_READS && (b == null || !b.snapshot()); i++) {
        b = m.bulk(kv -> {
          byte[] v = kv.get(quotaKey(q.ino()));
          return v == null ? null : new Object[] {v, bulkScan(kv, q.ino())};
        });
      }
      if (b.value() == null) {
        continue;
      }
      byte[] stored = (byte[]) b.value()[0];
      DirStats scanned = (DirStats) b.value()[1];
      Quota now = quota(q.ino(), stored);
      out.put(now, scanned);
      checked.accept(1);
      if (!repair || (now.usedSpace() == scanned.space() && now.usedInodes() == scanned.inodes())) {
        continue;
      }
      if (!b.snapshot()) {
        throw new IOException("the tree of the quota of directory " + q.ino() + " changed during each of " + CHECK_READS
            + " scans; repair it when writes are quieter");
      }
      boolean stored2 = m.tx(tx -> {
        if (!java.util.Arrays.equals(tx.kv.get(quotaKey(q.ino())), stored)) {
          return false;
        }
        tx.kv.put(quotaKey(q.ino()), bytes(now.maxSpace(), now.maxInodes(), scanned.space(), scanned.inodes()));
        return true;
      });
      if (!stored2) {
        throw new IOException("the quota of directory " + q.ino() + " changed during the check; run it again");
      }
    }
    return out;
  }

  /** {@link #scan} in a transaction or a bulk read: the attributes of each directory's children read in batches. */
  static DirStats bulkScan(io.nectarfs.meta.kv.KvTxn kv, long dir) throws IOException {
    long space = 0;
    long inodes = 0;
    long dirs = 0;
    Deque<Long> todo = new ArrayDeque<>();
    todo.push(dir);
    while (!todo.isEmpty()) {
      long d = todo.pop();
      byte[] p = Keys.dentryPrefix(d);
      List<Long> children = new ArrayList<>();
      Set<Long> subdirs = new HashSet<>();
      kv.scan(p, Bytes.prefixEnd(p), 0, (k, v) -> {
        children.add(Codec.dentryIno(v));
        if (Codec.dentryType(v) == FileType.DIR) {
          subdirs.add(Codec.dentryIno(v));
        }
        return true;
      });
      for (int from = 0; from < children.size(); from += MetaClient.BULK_PAGE) {
        List<Long> batch = children.subList(from, Math.min(children.size(), from + MetaClient.BULK_PAGE));
        List<byte[]> attrs = kv.getAll(batch.stream().map(Keys::attr).toList());
        for (int i = 0; i < batch.size(); i++) {
          if (attrs.get(i) == null) {
            continue;
          }
          Attr a = Codec.attr(attrs.get(i));
          space += MetaClient.accountedSpace(a);
          inodes++;
          if (subdirs.contains(batch.get(i))) {
            dirs++;
            todo.push(batch.get(i));
          }
        }
      }
    }
    return new DirStats(space, inodes, dirs);
  }
}
