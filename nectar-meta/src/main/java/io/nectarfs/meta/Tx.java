package io.nectarfs.meta;

import io.nectarfs.common.Errno;
import io.nectarfs.meta.kv.Bytes;
import io.nectarfs.meta.kv.KvTxn;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Typed reads and writes of the key schema inside one transaction. */
final class Tx {
  final KvTxn kv;
  private final long sid;
  /** This transaction's usage slot lease ({@link UsageSlots}), or -1 for reads and sessionless work. */
  private final int usageLease;

  Tx(KvTxn kv, long sid) {
    this(kv, sid, -1);
  }

  Tx(KvTxn kv, long sid, int usageLease) {
    this.kv = kv;
    this.sid = sid;
    this.usageLease = usageLease;
  }

  /**
   * Accounts space and inodes in the same transaction as the change: into this session's usage
   * slots (each running transaction of a client holds its own, {@link UsageSlots}), folded into the volume
   * totals when the session ends. Crash-safe: nothing is held only in memory.
   */
  void addStats(long space, long inodes) throws IOException {
    if (space == 0 && inodes == 0) {
      return;
    }
    byte[] key = usageKey();
    byte[] v = kv.get(key);
    byte[] n = new byte[16];
    Bytes.putU64(n, 0, (v == null ? 0 : Bytes.getU64(v, 0)) + space);
    Bytes.putU64(n, 8, (v == null ? 0 : Bytes.getU64(v, 8)) + inodes);
    kv.put(key, n);
  }

  /** The usage slot {@link #addStats} of this transaction writes. */
  byte[] usageKey() {
    if (sid == 0) {
      return Keys.USAGE_BASE;
    }
    int slot = usageLease >= 0 ? UsageSlots.slot(usageLease) : (int) (Thread.currentThread().threadId() & (UsageSlots.SLOTS - 1));
    return Keys.usage(sid, slot);
  }

  /**
   * Reads ahead what an operation on entry {@code name} of {@code parent} reads first: the
   * directory, the entry, and, when {@code changes}, the directory's statistics, the quota counter
   * and this thread's usage slot (one round trip on engines that batch, see {@link KvTxn#prefetch}).
   */
  void prefetchEntry(long parent, String name, boolean changes) throws IOException {
    prefetchEntry(parent, name, changes, 0);
  }

  /**
   * As {@link #prefetchEntry(long, String, boolean)}, and the attributes of {@code hint} (when not
   * 0), the inode the entry is expected to name (see {@link EntryHints}), in the same round trip.
   */
  void prefetchEntry(long parent, String name, boolean changes, long hint) throws IOException {
    List<byte[]> keys = new ArrayList<>(changes
        ? List.of(Keys.attr(parent), Keys.dentry(parent, name), Quotas.statsKey(parent), Keys.counter("quotas"), usageKey())
        : List.of(Keys.attr(parent), Keys.dentry(parent, name)));
    if (hint != 0) {
      keys.add(Keys.attr(hint));
    }
    kv.prefetch(keys);
  }

  /**
   * Reads ahead, in one round trip, what committing a slice to chunk {@code index} of {@code ino}
   * reads: the inode, the chunk, this thread's usage slot and the quota count (the parent's
   * statistics need the inode's parent first).
   */
  void prefetchSliceCommit(long ino, int index) throws IOException {
    kv.prefetch(List.of(Keys.attr(ino), Keys.chunk(ino, index), usageKey(), Keys.counter("quotas")));
  }

  /**
   * Reads ahead, in one round trip, what removing {@code name} of {@code parent} reads: the entry
   * as {@link #prefetchEntry(long, String, boolean)} and, for the inode {@code hint} it is expected
   * to name, what {@link #prefetchInode} reads.
   */
  void prefetchEntryAndInode(long parent, String name, long hint) throws IOException {
    kv.prefetch(List.of(Keys.attr(parent), Keys.dentry(parent, name), Quotas.statsKey(parent), Keys.counter("quotas"), usageKey(),
        Keys.attr(hint)), removalRanges(hint));
  }

  /**
   * Reads ahead what removing the last link of {@code ino} reads: its inode, extended attributes
   * and locks (see {@link KvTxn#prefetch(List, List)}).
   */
  void prefetchInode(long ino) throws IOException {
    kv.prefetch(List.of(Keys.attr(ino)), removalRanges(ino));
  }

  /** What removing the last link of {@code ino} scans: its locks and extended attributes. */
  private static List<byte[]> removalRanges(long ino) {
    return List.of(Locks.allOf(ino), Keys.xattrPrefix(ino));
  }

  Attr attrOrNull(long ino) throws IOException {
    byte[] v = kv.get(Keys.attr(ino));
    return v == null ? null : Codec.attr(v);
  }

  Attr attr(long ino) throws IOException {
    Attr a = attrOrNull(ino);
    if (a == null) {
      throw Errno.ENOENT.exception("inode " + ino);
    }
    return a;
  }

  Attr dir(long ino) throws IOException {
    Attr a = attr(ino);
    if (!a.isDir()) {
      throw Errno.ENOTDIR.exception("inode " + ino);
    }
    return a;
  }

  void putAttr(long ino, Attr a) throws IOException {
    kv.put(Keys.attr(ino), Codec.attr(a));
  }

  /** The entry's value (type + inode), or null. */
  byte[] dentry(long parent, String name) throws IOException {
    return kv.get(Keys.dentry(parent, name));
  }

  void putDentry(long parent, String name, FileType type, long ino) throws IOException {
    kv.put(Keys.dentry(parent, name), Codec.dentry(type, ino));
  }

  void deleteDentry(long parent, String name) throws IOException {
    kv.delete(Keys.dentry(parent, name));
  }

  boolean hasEntries(long dir) throws IOException {
    byte[] p = Keys.dentryPrefix(dir);
    boolean[] any = {false};
    kv.scan(p, Bytes.prefixEnd(p), 1, (k, v) -> {
      any[0] = true;
      return false;
    });
    return any[0];
  }

  List<Slice> chunk(long ino, int index) throws IOException {
    return Codec.slices(kv.get(Keys.chunk(ino, index)));
  }

  /** Appends slice records to chunk {@code index}; returns how many records the chunk then holds. */
  int appendSlices(long ino, int index, List<Slice> add) throws IOException {
    byte[] key = Keys.chunk(ino, index);
    byte[] old = kv.get(key);
    byte[] more = Codec.slices(add);
    kv.put(key, old == null ? more : Bytes.concat(old, more));
    return Codec.sliceCount(old) + add.size();
  }

  /** Keys of everything under one prefix. */
  List<byte[]> keys(byte[] prefix) throws IOException {
    List<byte[]> out = new ArrayList<>();
    kv.scan(prefix, Bytes.prefixEnd(prefix), 0, (k, v) -> {
      out.add(k);
      return true;
    });
    return out;
  }

  /** Adds {@code n} references to a slice (beyond the first, which every slice has implicitly). */
  void addSliceRefs(long id, int size, int n) throws IOException {
    if (id != 0 && n != 0) {
      kv.incrBy(Keys.sliceRef(id, size), n);
    }
  }

  /**
   * Drops one reference of each non-hole slice record; those whose last reference this was are
   * queued in {@code freed}.
   */
  void dropSliceRefs(List<Slice> records, List<Slice> freed) throws IOException {
    for (Slice s : records) {
      if (s.id() == 0) {
        continue;
      }
      byte[] key = Keys.sliceRef(s.id(), s.size());
      byte[] v = kv.get(key);
      if (v == null) {
        freed.add(s);
      } else {
        long extra = Bytes.getU64(v, 0) - 1;
        if (extra <= 0) {
          kv.delete(key);
        } else {
          kv.put(key, Bytes.u64(extra));
        }
      }
    }
  }
}
