package io.nectarfs.meta;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.meta.kv.Bytes;
import io.nectarfs.meta.kv.KvNotifier;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * BSD flock and POSIX byte-range locks kept in the metadata engine, so that they hold across
 * clients. A lock belongs to an owner {@code (session, owner id)}; one key per (inode, kind,
 * owner) holds its state: {@code O ino F sid owner} the flock type, {@code O ino P sid owner} the
 * owner's ranges as {@link Rec} records, sorted and merged.
 *
 * <p>Concurrency: every acquire or release is one transaction (a release on an inode this client
 * never locked none, see {@link #held}). A blocked waiter subscribes to the
 * inode's channel on the engine's {@link KvNotifier} before each attempt, then sleeps on a
 * semaphore that a release's notification (published after its commit) signals; so a release
 * between the attempt and the sleep is not lost. It re-checks anyway every {@link #FALLBACK_MS}
 * (lost messages, other processes on SQLite), and without a notifier (MySQL) polls with backoff
 * from 5 ms to 500 ms. Cancelling the caller's {@link Ctx} wakes the waiter (a callback on the
 * token releases the semaphore) and ends the wait with EINTR; so does interrupting the waiting
 * thread. Invariants: the
 * ranges of one owner never overlap and adjacent ranges of one type are merged; no two owners hold
 * conflicting locks (checked inside the acquiring transaction).
 */
final class Locks {
  static final long FALLBACK_MS = 2000;
  private static final byte FLOCK = 'F';
  private static final byte PLOCK = 'P';
  private final MetaClient m;
  /**
   * Inodes on which this session may hold a lock, each with {acquires running, acquires ended}: a
   * superset, so that closing a file this client never locked needs no transaction. An inode
   * leaves only when a release found no lock of the session left on it and no acquire ran or
   * began since the release read the count of ended ones (an acquire whose commit the release's
   * transaction could not see has either not ended, or ended and changed that count).
   */
  private final java.util.concurrent.ConcurrentHashMap<Long, long[]> held = new java.util.concurrent.ConcurrentHashMap<>();

  Locks(MetaClient m) {
    this.m = m;
  }

  /** One POSIX range of one owner. */
  record Rec(int type, int pid, long start, long end) {}

  // ---- keys and encodings ----

  static final byte[] PREFIX = {'O'};

  static byte[] key(long ino, byte kind, long sid, long owner) {
    byte[] k = new byte[26];
    k[0] = 'O';
    Bytes.putU64(k, 1, ino);
    k[9] = kind;
    Bytes.putU64(k, 10, sid);
    Bytes.putU64(k, 18, owner);
    return k;
  }

  static byte[] inodePrefix(long ino, byte kind) {
    byte[] k = new byte[10];
    k[0] = 'O';
    Bytes.putU64(k, 1, ino);
    k[9] = kind;
    return k;
  }

  static byte[] encode(List<Rec> recs) {
    byte[] b = new byte[recs.size() * 24];
    for (int i = 0; i < recs.size(); i++) {
      Rec r = recs.get(i);
      Bytes.putU32(b, i * 24, r.type);
      Bytes.putU32(b, i * 24 + 4, r.pid);
      Bytes.putU64(b, i * 24 + 8, r.start);
      Bytes.putU64(b, i * 24 + 16, r.end);
    }
    return b;
  }

  static List<Rec> decode(byte[] b) {
    List<Rec> out = new ArrayList<>();
    for (int at = 0; b != null && at + 24 <= b.length; at += 24) {
      out.add(new Rec(Bytes.getU32(b, at), Bytes.getU32(b, at + 4), Bytes.getU64(b, at + 8), Bytes.getU64(b, at + 16)));
    }
    return out;
  }

  private static String channel(long ino) {
    return "lock-" + ino;
  }

  // ---- flock ----

  void flock(Ctx ctx, long ino, long owner, int type, boolean wait) throws IOException {
    checkType(type);
    long sid = m.sid;
    if (type == Meta.F_UNLCK) {
      boolean had = m.tx(ctx, tx -> {
        byte[] k = key(ino, FLOCK, sid, owner);
        if (tx.kv.get(k) == null) {
          return false;
        }
        tx.kv.delete(k);
        return true;
      });
      if (had) {
        notifyRelease(ino);
      }
      return;
    }
    acquire(ctx, ino, wait, () -> m.tx(ctx, tx -> {
      tx.attr(ino);
      byte[] mine = key(ino, FLOCK, sid, owner);
      boolean[] conflict = {false};
      byte[] p = inodePrefix(ino, FLOCK);
      tx.kv.scan(p, Bytes.prefixEnd(p), 0, (k, v) -> {
        if (!java.util.Arrays.equals(k, mine) && (type == Meta.F_WRLCK || v[0] == Meta.F_WRLCK)) {
          conflict[0] = true;
          return false;
        }
        return true;
      });
      if (conflict[0]) {
        return false;
      }
      byte[] old = tx.kv.get(mine);
      if (old == null || old[0] != type) {
        tx.kv.put(mine, new byte[] {(byte) type});
      }
      return true;
    }));
    // A downgrade from write to read lets readers in.
    notifyRelease(ino);
  }

  // ---- POSIX locks ----

  PosixLock getlk(Ctx ctx, long ino, long owner, int type, long start, long end, int pid) throws IOException {
    checkType(type);
    checkRange(start, end);
    if (type == Meta.F_UNLCK) {
      return PosixLock.NONE;
    }
    long sid = m.sid;
    return m.readTx(ctx, tx -> {
      tx.attr(ino);
      PosixLock[] found = {PosixLock.NONE};
      byte[] p = inodePrefix(ino, PLOCK);
      tx.kv.scan(p, Bytes.prefixEnd(p), 0, (k, v) -> {
        if (Bytes.getU64(k, 10) == sid && Bytes.getU64(k, 18) == owner) {
          return true;
        }
        for (Rec r : decode(v)) {
          if (r.start <= end && start <= r.end && (type == Meta.F_WRLCK || r.type == Meta.F_WRLCK)) {
            found[0] = new PosixLock(r.type, r.start, r.end, r.pid);
            return false;
          }
        }
        return true;
      });
      return found[0];
    });
  }

  void setlk(Ctx ctx, long ino, long owner, int type, long start, long end, int pid, boolean wait) throws IOException {
    checkType(type);
    checkRange(start, end);
    long sid = m.sid;
    if (type == Meta.F_UNLCK) {
      boolean changed = m.tx(ctx, tx -> {
        byte[] k = key(ino, PLOCK, sid, owner);
        List<Rec> old = decode(tx.kv.get(k));
        if (old.isEmpty()) {
          return false;
        }
        List<Rec> now = apply(old, new Rec(Meta.F_UNLCK, pid, start, end));
        if (now.equals(old)) {
          return false;
        }
        if (now.isEmpty()) {
          tx.kv.delete(k);
        } else {
          tx.kv.put(k, encode(now));
        }
        return true;
      });
      if (changed) {
        notifyRelease(ino);
      }
      return;
    }
    acquire(ctx, ino, wait, () -> m.tx(ctx, tx -> {
      tx.attr(ino);
      byte[] mine = key(ino, PLOCK, sid, owner);
      boolean[] conflict = {false};
      byte[] p = inodePrefix(ino, PLOCK);
      tx.kv.scan(p, Bytes.prefixEnd(p), 0, (k, v) -> {
        if (java.util.Arrays.equals(k, mine)) {
          return true;
        }
        for (Rec r : decode(v)) {
          if (r.start <= end && start <= r.end && (type == Meta.F_WRLCK || r.type == Meta.F_WRLCK)) {
            conflict[0] = true;
            return false;
          }
        }
        return true;
      });
      if (conflict[0]) {
        return false;
      }
      List<Rec> old = decode(tx.kv.get(mine));
      List<Rec> now = apply(old, new Rec(type, pid, start, end));
      if (!now.equals(old)) {
        tx.kv.put(mine, encode(now));
      }
      return true;
    }));
    notifyRelease(ino); // a shrink or downgrade may admit others
  }

  /**
   * The owner's ranges after setting {@code [r.start, r.end]} to {@code r.type} (F_UNLCK removes):
   * overlapped ranges are cut, the new one inserted, and neighbours of the same type merged.
   */
  static List<Rec> apply(List<Rec> old, Rec r) {
    List<Rec> out = new ArrayList<>();
    for (Rec o : old) {
      if (o.end < r.start || o.start > r.end) {
        out.add(o);
        continue;
      }
      if (o.start < r.start) {
        out.add(new Rec(o.type, o.pid, o.start, r.start - 1));
      }
      if (o.end > r.end) {
        out.add(new Rec(o.type, o.pid, r.end + 1, o.end));
      }
    }
    if (r.type != Meta.F_UNLCK) {
      out.add(r);
    }
    out.sort((a, b) -> Long.compare(a.start, b.start));
    List<Rec> merged = new ArrayList<>();
    for (Rec x : out) {
      Rec last = merged.isEmpty() ? null : merged.getLast();
      if (last != null && last.type == x.type && last.end != Long.MAX_VALUE && last.end + 1 >= x.start) {
        merged.set(merged.size() - 1, new Rec(x.type, x.pid, last.start, Math.max(last.end, x.end)));
      } else {
        merged.add(x);
      }
    }
    return merged;
  }

  /** Releases every lock of {@code owner} on {@code ino} in this session (close / flush). */
  void release(long ino, long owner) throws IOException {
    long sid = m.sid;
    long[] gen = {-1};
    held.computeIfPresent(ino, (k, v) -> {
      gen[0] = v[1];
      return v;
    });
    if (gen[0] < 0) {
      return; // this client never tried to lock the inode (or all its locks on it are gone)
    }
    boolean[] othersLeft = {false};
    boolean had = m.tx(tx -> {
      tx.kv.prefetch(List.of(key(ino, FLOCK, sid, owner), key(ino, PLOCK, sid, owner)));
      boolean any = false;
      othersLeft[0] = false;
      for (byte kind : new byte[] {FLOCK, PLOCK}) {
        byte[] k = key(ino, kind, sid, owner);
        if (tx.kv.get(k) != null) {
          tx.kv.delete(k);
          any = true;
        }
        byte[] p = inodePrefix(ino, kind);
        tx.kv.scan(p, Bytes.prefixEnd(p), 0, (key, v) -> {
          if (Bytes.getU64(key, 10) == sid && !java.util.Arrays.equals(key, k)) {
            othersLeft[0] = true;
            return false;
          }
          return true;
        });
      }
      return any;
    });
    if (!othersLeft[0]) { // forget the inode unless an acquire ran or began meanwhile
      held.computeIfPresent(ino, (k, v) -> v[0] == 0 && v[1] == gen[0] ? null : v);
    }
    if (had) {
      notifyRelease(ino);
    }
  }

  /** The inodes session {@code sid} holds locks on, read in {@code tx}. */
  static List<Long> lockedBy(io.nectarfs.meta.kv.KvTxn tx, long sid) throws IOException {
    List<Long> out = new ArrayList<>();
    tx.scan(PREFIX, Bytes.prefixEnd(PREFIX), 0, (k, v) -> {
      if (k.length == 26 && Bytes.getU64(k, 10) == sid) {
        out.add(Bytes.getU64(k, 1));
      }
      return true;
    });
    return out;
  }

  /**
   * A resumed session ({@link Housekeeping#resumeSession}): notes every inode it holds a lock on
   * ({@link #lockedBy}), so that close(2) through this client releases them.
   */
  void adopt(List<Long> inodes) {
    for (long ino : inodes) {
      held.putIfAbsent(ino, new long[2]);
    }
  }

  /** Deletes every lock of session {@code sid} inside {@code tx}; returns the inodes to notify. */
  static List<Long> dropSession(Tx tx, long sid) throws IOException {
    List<byte[]> keys = new ArrayList<>();
    tx.kv.scan(PREFIX, Bytes.prefixEnd(PREFIX), 0, (k, v) -> {
      if (k.length == 26 && Bytes.getU64(k, 10) == sid) {
        keys.add(k);
      }
      return true;
    });
    List<Long> inodes = new ArrayList<>();
    for (byte[] k : keys) {
      tx.kv.delete(k);
      inodes.add(Bytes.getU64(k, 1));
    }
    return inodes;
  }

  /** Deletes the locks of a deleted inode inside {@code tx}. */
  static void dropInode(Tx tx, long ino) throws IOException {
    for (byte[] k : tx.keys(allOf(ino))) {
      tx.kv.delete(k);
    }
  }

  /**
   * What {@link #dropInode} scans: one prefix ({@code O ino}) holding both kinds of locks of
   * {@code ino}, so one scan finds them and a read-ahead of it covers the scan.
   */
  static byte[] allOf(long ino) {
    return java.util.Arrays.copyOf(inodePrefix(ino, FLOCK), 9);
  }

  void notifyRelease(long ino) {
    KvNotifier n = m.kv.capability(KvNotifier.class).orElse(null);
    if (n != null) {
      try {
        n.publish(channel(ino));
      } catch (RuntimeException e) {
        // Best effort: waiters re-check on their fallback timer.
      }
    }
  }

  @FunctionalInterface
  private interface Attempt {
    boolean tryOnce() throws IOException;
  }

  /**
   * Runs {@code attempt} until it succeeds: EAGAIN at once without {@code wait}, EINTR when the
   * caller is cancelled (or the thread interrupted), ETIMEDOUT past its deadline.
   */
  private void acquire(Ctx ctx, long ino, boolean wait, Attempt attempt) throws IOException {
    held.compute(ino, (k, v) -> {
      long[] n = v == null ? new long[2] : v;
      n[0]++;
      return n;
    });
    try {
      acquireNoted(ctx, ino, wait, attempt);
    } finally {
      held.computeIfPresent(ino, (k, v) -> {
        v[0]--;
        v[1]++;
        return v;
      });
    }
  }

  private void acquireNoted(Ctx ctx, long ino, boolean wait, Attempt attempt) throws IOException {
    m.checkWritable();
    if (m.sid == 0) {
      throw Errno.ENOLCK.exception("locks need a session (read-only client)");
    }
    KvNotifier notifier = m.kv.capability(KvNotifier.class).orElse(null);
    Semaphore signal = new Semaphore(0);
    AutoCloseable sub = wait && notifier != null ? notifier.subscribe(channel(ino), signal::release) : null;
    io.nectarfs.common.Cancellation.Registration woken = ctx.cancellation().onCancel(signal::release);
    try {
      long backoff = 5;
      while (true) {
        signal.drainPermits();
        if (attempt.tryOnce()) {
          return;
        }
        if (!wait) {
          throw Errno.EAGAIN.exception("inode " + ino + " is locked");
        }
        try {
          long cap = Math.min(ctx.deadline().remainingNanos(), io.nectarfs.common.Deadline.MAX_WAIT_NANOS);
          long waitNanos = Math.min(TimeUnit.MILLISECONDS.toNanos(notifier != null ? FALLBACK_MS : backoff),
              ctx.deadline().isSet() ? cap : Long.MAX_VALUE);
          ctx.checkCancelled();
          signal.tryAcquire(waitNanos, TimeUnit.NANOSECONDS);
          if (notifier == null) {
            backoff = Math.min(500, backoff * 2);
          }
          ctx.checkCancelled();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw Errno.EINTR.exception("interrupted while waiting for a lock on inode " + ino);
        }
        if (Thread.currentThread().isInterrupted()) {
          throw Errno.EINTR.exception("interrupted while waiting for a lock on inode " + ino);
        }
      }
    } finally {
      woken.close();
      if (sub != null) {
        try {
          sub.close();
        } catch (Exception ignored) {
          // unsubscribing is best effort
        }
      }
    }
  }

  private static void checkType(int type) throws IOException {
    if (type != Meta.F_RDLCK && type != Meta.F_WRLCK && type != Meta.F_UNLCK) {
      throw Errno.EINVAL.exception("lock type " + type);
    }
  }

  private static void checkRange(long start, long end) throws IOException {
    if (start < 0 || end < start) {
      throw Errno.EINVAL.exception("lock range " + start + "-" + end);
    }
  }
}
