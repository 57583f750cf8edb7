package io.nectarfs.meta;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.meta.kv.Bytes;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions, statistics counters and the background jobs: deleting the data of removed files,
 * freeing unreferenced slices, cleaning sessions of crashed clients, expiring the trash.
 *
 * <p>Concurrency: called from the background thread and from {@link MetaClient#close}; each step
 * is its own transaction. Jobs shared by all clients are leased ({@code T} keys) so that one
 * client runs each at a time.
 */
final class Housekeeping {
  private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BATCH = 100;
  private final MetaClient m;

  Housekeeping(MetaClient m) {
    this.m = m;
  }

  // ---- sessions ----

  private long expiry() {
    return m.config.clock().nowMillis() + 5 * Math.max(1, m.config.heartbeat().toMillis());
  }

  /** This host's name, looked up once (a lookup can take tens of milliseconds: not inside a takeover's pause). */
  private static volatile String host;

  private static String host() {
    String h = host;
    if (h == null) {
      try {
        h = InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        h = "unknown";
      }
      host = h;
    }
    return h;
  }

  /**
   * Loads what a session's registration or resume needs (the host name, the record's JSON
   * encoding both ways) without writing: a prepared successor calls it before its pause.
   */
  void warmUp() throws IOException {
    decode(sessionValue(0, 0));
  }

  private byte[] sessionValue(long sid, long expire) throws IOException {
    SessionInfo info = new SessionInfo(sid, expire, host(), ProcessHandle.current().pid(), m.config.mountPoint(),
        String.valueOf(MetaClient.class.getPackage().getImplementationVersion()), m.config.clock().nowMillis(), m.adverts);
    return encode(info);
  }

  /** The stored form of a session: expiry (8 bytes) + info JSON. */
  private static byte[] encode(SessionInfo info) throws IOException {
    long expire = info.expireMillis();
    byte[] json = JSON.writeValueAsBytes(info);
    byte[] v = new byte[8 + json.length];
    Bytes.putU64(v, 0, expire);
    System.arraycopy(json, 0, v, 8, json.length);
    return v;
  }

  long registerSession() throws IOException {
    return m.txn(tx -> {
      long sid = tx.incrBy(Keys.counter("nextSession"), 1);
      tx.put(Keys.session(sid), sessionValue(sid, expiry()));
      return sid;
    });
  }

  /**
   * Continues session {@code sid} left by a predecessor ({@link MetaClient#handOver}): this client
   * learns what the session holds, the inodes it sustains (released at their last close here) and
   * the inodes it holds locks on (released by close(2) here). One read-only transaction, because it
   * falls in a takeover's pause: on SQLite the write this did there took up to 36 ms under a write
   * load (a write waits for the write lock, and may run the log's checkpoint). The record
   * gets this process's details and a fresh expiry afterwards ({@link #claimSession}); until then
   * it keeps the predecessor's, whose expiry is at least four heartbeats away.
   *
   * @throws IOException when the session no longer exists (it ended, or was cleaned as expired)
   */
  long resumeSession(long sid) throws IOException {
    long t0 = System.nanoTime();
    byte[] prefix = Keys.sustainedPrefix(sid);
    Resumed r = m.read(tx -> {
      byte[] old = tx.get(Keys.session(sid));
      if (old == null) {
        return null;
      }
      SessionInfo i = decode(old);
      List<Long> sustained = new ArrayList<>();
      tx.scan(prefix, Bytes.prefixEnd(prefix), 0, (k, v) -> {
        sustained.add(Bytes.getU64(k, 10));
        return true;
      });
      return new Resumed(i, sustained, Locks.lockedBy(tx, sid));
    });
    if (r == null) {
      throw new IOException("metadata session " + sid + " cannot be resumed: it ended or expired and was cleaned"
          + " (its open-but-unlinked files and locks are gone)");
    }
    m.adverts = r.before().adverts() == null ? java.util.Map.of() : r.before().adverts();
    m.sustainedHere.addAll(r.sustained());
    m.locks.adopt(r.locked());
    log.info("resumed metadata session {} of {} pid {} ({} sustained inodes, locks on {} inodes; {} ms)", sid, r.before().host(),
        r.before().pid(), r.sustained().size(), r.locked().size(), (System.nanoTime() - t0) / 1_000_000);
    return sid;
  }

  /**
   * After {@link #resumeSession}: the session's record gets this process's details and a fresh
   * expiry (its adverts stay). A session cleaned meanwhile is left to the next heartbeat, which
   * registers a new one.
   */
  void claimSession() throws IOException {
    long sid = m.sid;
    SessionInfo fresh = decode(sessionValue(sid, expiry()));
    boolean alive = m.txn(tx -> {
      byte[] old = tx.get(Keys.session(sid));
      if (old == null) {
        return false;
      }
      tx.put(Keys.session(sid), encode(fresh.withAdverts(decode(old).adverts())));
      return true;
    });
    if (!alive) {
      log.warn("session {} was cleaned by another client right after this client resumed it", sid);
    }
  }

  /** What {@link #resumeSession} read: the session's record before, the inodes it sustains and those it holds locks on. */
  private record Resumed(SessionInfo before, List<Long> sustained, List<Long> locked) {}

  /**
   * Rewrites this client's session record with {@link MetaClient#adverts} now (one transaction;
   * heartbeats keep the record as it is). A session another client cleaned is registered again,
   * with the adverts, as a heartbeat would.
   */
  void advertise() throws IOException {
    long sid = m.sid;
    boolean alive = m.txn(tx -> {
      byte[] old = tx.get(Keys.session(sid));
      if (old == null) {
        return false;
      }
      SessionInfo i = decode(old);
      tx.put(Keys.session(sid), encode(i.withAdverts(m.adverts).withExpireMillis(expiry())));
      return true;
    });
    if (!alive) {
      log.warn("session {} was cleaned by another client (heartbeats too late?); registering a new one", sid);
      m.sid = registerSession();
    }
  }

  /** A stored session record; the expiry comes from its first 8 bytes. */
  static SessionInfo decode(byte[] v) throws IOException {
    SessionInfo i = JSON.readValue(Arrays.copyOfRange(v, 8, v.length), SessionInfo.class);
    return i.withExpireMillis(Bytes.getU64(v, 0));
  }

  void heartbeat() throws IOException {
    long sid = m.sid;
    if (sid != 0) {
      m.heartbeats.increment();
      boolean alive = m.txn(tx -> {
        byte[] old = tx.get(Keys.session(sid));
        if (old == null) {
          return false;
        }
        byte[] v = old.clone();
        Bytes.putU64(v, 0, expiry());
        tx.put(Keys.session(sid), v);
        return true;
      });
      if (!alive) {
        // Another client judged us dead and cleaned up: register again rather than run without a session.
        log.warn("session {} was cleaned by another client (heartbeats too late?); registering a new one", sid);
        m.sid = registerSession();
      }
    }
    Format f = MetaClient.loadFormat(m.kv);
    if (f != null) {
      m.format = f;
    }
    refreshCounters();
  }

  void deregisterSession() throws IOException {
    long sid = m.sid;
    if (sid == 0) {
      return;
    }
    cleanSession(sid);
  }

  List<SessionInfo> sessions() throws IOException {
    return m.read(tx -> {
      List<SessionInfo> out = new ArrayList<>();
      tx.scan(Keys.SESSION_PREFIX, Bytes.prefixEnd(Keys.SESSION_PREFIX), 0, (k, v) -> {
        out.add(decode(v));
        return true;
      });
      return out;
    });
  }

  /**
   * Frees the inodes a session kept alive, folds its usage into the volume totals and removes the
   * session, in one transaction.
   */
  private void cleanSession(long sid) throws IOException {
    Namespace.Removal r = m.tx(tx -> {
      Namespace.Removal out = new Namespace.Removal();
      for (byte[] k : tx.keys(Keys.sustainedPrefix(sid))) {
        long ino = Bytes.getU64(k, 10);
        Attr a = tx.attrOrNull(ino);
        if (a != null && a.nlink() == 0) {
          m.ns.deleteInode(tx, ino, a, out);
        }
        tx.kv.delete(k);
      }
      tx.kv.delete(Keys.session(sid));
      tx.addStats(-out.space, -out.inodes);
      foldUsage(tx.kv, sid);
      out.unlocked = Locks.dropSession(tx, sid);
      return out;
    });
    m.updateStats(-r.space, -r.inodes);
    for (long ino : r.unlocked) {
      m.locks.notifyRelease(ino);
    }
  }

  void releaseIfSustained(long ino) throws IOException {
    long sid = m.sid;
    if (sid == 0 || !m.sustainedHere.contains(ino)) {
      return; // only this client puts records of its session, and it noted each one
    }
    Namespace.Removal r = m.txRemoval(tx -> {
      Namespace.Removal out = new Namespace.Removal();
      byte[] key = Keys.sustained(sid, ino);
      if (tx.kv.get(key) == null) {
        return out;
      }
      tx.kv.delete(key);
      Attr a = tx.attrOrNull(ino);
      if (a != null && a.nlink() == 0) {
        m.ns.deleteInode(tx, ino, a, out);
      }
      return out;
    });
    m.sustainedHere.remove(ino);
    m.updateStats(-r.space, -r.inodes);
  }

  void cleanStaleSessions() throws IOException {
    long now = m.config.clock().nowMillis();
    List<Long> stale = new ArrayList<>();
    for (SessionInfo s : sessions()) {
      if (s.expireMillis() < now && s.sid() != m.sid) {
        stale.add(s.sid());
      }
    }
    for (long sid : stale) {
      log.info("cleaning stale session {}", sid);
      cleanSession(sid);
    }
  }

  // ---- counters ----

  /** The volume's usage: the base of ended sessions plus every live session's slots. */
  static long[] usage(io.nectarfs.meta.kv.KvTxn tx) throws IOException {
    long[] total = new long[2];
    tx.scan(Keys.USAGE_PREFIX, Bytes.prefixEnd(Keys.USAGE_PREFIX), 0, (k, v) -> {
      total[0] += Bytes.getU64(v, 0);
      total[1] += Bytes.getU64(v, 8);
      return true;
    });
    return total;
  }

  /** Re-reads the volume's usage; this client's estimate starts again from it. */
  void refreshCounters() throws IOException {
    long[] v = m.read(Housekeeping::usage);
    m.pendingSpace.set(0);
    m.pendingInodes.set(0);
    m.knownSpace = v[0];
    m.knownInodes = v[1];
  }

  /** Folds a session's usage slots into the base (in the caller's transaction). */
  private static void foldUsage(io.nectarfs.meta.kv.KvTxn tx, long sid) throws IOException {
    byte[] prefix = Keys.usagePrefix(sid);
    long[] sum = new long[2];
    java.util.List<byte[]> keys = new ArrayList<>();
    tx.scan(prefix, Bytes.prefixEnd(prefix), 0, (k, v) -> {
      sum[0] += Bytes.getU64(v, 0);
      sum[1] += Bytes.getU64(v, 8);
      keys.add(k);
      return true;
    });
    if (keys.isEmpty()) {
      return;
    }
    for (byte[] k : keys) {
      tx.delete(k);
    }
    byte[] base = tx.get(Keys.USAGE_BASE);
    byte[] n = new byte[16];
    Bytes.putU64(n, 0, (base == null ? 0 : Bytes.getU64(base, 0)) + sum[0]);
    Bytes.putU64(n, 8, (base == null ? 0 : Bytes.getU64(base, 8)) + sum[1]);
    tx.put(Keys.USAGE_BASE, n);
  }

  // ---- background jobs ----

  void runAll() throws IOException {
    if (m.config.readOnly()) {
      return;
    }
    refreshCounters();
    if (lease("sessions")) {
      cleanStaleSessions();
    }
    if (lease("delfiles")) {
      deleteFileData();
    }
    SliceDeleter listener = m.sliceListener;
    if (listener != null && lease("freeslices")) { // without a listener the job is left to a client that has one
      freeSlices(listener);
    }
    if (lease("trash")) {
      expireTrash();
    }
  }

  /** Takes the lease of a shared job for one heartbeat period; true if this client holds it. */
  boolean lease(String job) throws IOException {
    long now = m.config.clock().nowMillis();
    long until = now + Math.max(1, m.config.heartbeat().toMillis());
    return m.txn(tx -> {
      byte[] v = tx.get(Keys.lease(job));
      if (v != null && Bytes.getU64(v, 0) != m.sid && Bytes.getU64(v, 8) > now) {
        return false;
      }
      byte[] n = new byte[16];
      Bytes.putU64(n, 0, m.sid);
      Bytes.putU64(n, 8, until);
      tx.put(Keys.lease(job), n);
      return true;
    });
  }

  /**
   * Drops the chunks of removed files: whole files together, up to {@link #BATCH} chunk records
   * per transaction (a larger file over several), so deleting many small files costs a transaction
   * per batch, not per file, and queues their freed slices as one record.
   */
  void deleteFileData() throws IOException {
    List<Long> files = m.read(tx -> {
      List<Long> out = new ArrayList<>();
      tx.scan(Keys.DELFILE_PREFIX, Bytes.prefixEnd(Keys.DELFILE_PREFIX), 1000, (k, v) -> {
        out.add(Bytes.getU64(k, 1));
        return true;
      });
      return out;
    });
    int next = 0;
    while (next < files.size()) {
      int from = next;
      next = m.tx(tx -> {
        List<Slice> records = new ArrayList<>();
        int dropped = 0;
        int i = from;
        while (i < files.size() && dropped < BATCH) {
          long ino = files.get(i);
          byte[] prefix = Keys.chunkPrefix(ino);
          int room = BATCH - dropped;
          List<byte[]> keys = new ArrayList<>();
          tx.kv.scan(prefix, Bytes.prefixEnd(prefix), room, (k, v) -> {
            keys.add(k);
            records.addAll(Codec.slices(v));
            return true;
          });
          for (byte[] k : keys) {
            tx.kv.delete(k);
          }
          dropped += keys.size();
          if (keys.size() == room) {
            break; // this file may have more chunks: the next transaction goes on with it
          }
          tx.kv.delete(Keys.delfile(ino));
          i++;
        }
        m.data.release(tx, records);
        return i;
      });
    }
  }

  /** Frees the objects of queued slices through {@code listener}, then forgets them. */
  void freeSlices(SliceDeleter listener) throws IOException {
    List<byte[][]> queued = m.read(tx -> {
      List<byte[][]> out = new ArrayList<>();
      tx.scan(Keys.FREE_SLICES_PREFIX, Bytes.prefixEnd(Keys.FREE_SLICES_PREFIX), BATCH, (k, v) -> {
        out.add(new byte[][] {k, v});
        return true;
      });
      return out;
    });
    long cutoff = m.config.clock().nowMillis() - m.config.freeDelay().toMillis();
    if (!queued.isEmpty() && Bytes.getU64(queued.get(0)[0], 1) <= cutoff) {
      // The commits that freed these slices must survive a power loss before their objects go:
      // otherwise a lost commit would bring back a file whose data is deleted.
      m.sync();
    }
    List<byte[]> freed = new ArrayList<>(); // records whose objects are gone: forgotten in one transaction
    for (byte[][] kv : queued) {
      if (Bytes.getU64(kv[0], 1) > cutoff) {
        break; // keys sort by time: the rest are younger still
      }
      byte[] v = kv[1];
      try {
        for (int at = 0; at + 12 <= v.length; at += 12) {
          listener.delete(Bytes.getU64(v, at), Bytes.getU32(v, at + 8));
        }
      } catch (IOException e) {
        log.warn("freeing slices failed, will retry: {}", e.toString());
        break;
      }
      freed.add(kv[0]);
    }
    if (!freed.isEmpty()) {
      // A crash before this commit deletes the objects again next time: deletion is idempotent.
      m.txn(tx -> {
        for (byte[] k : freed) {
          tx.delete(k);
        }
        return null;
      });
    }
  }

  /** Removes trash hour directories older than the volume's trash days. */
  void expireTrash() throws IOException {
    int days = m.format.trashDays();
    long cutoff = m.config.clock().nowMillis() - days * 24L * 3600_000L;
    List<DirEntry> hours = m.ns.readdir(Ctx.ROOT, Meta.TRASH, "", 10_000, false);
    for (DirEntry h : hours) {
      long hourMillis;
      try {
        hourMillis = LocalDateTime.parse(h.name() + ":00", java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd-HH:mm")).toInstant(ZoneOffset.UTC).toEpochMilli();
      } catch (RuntimeException e) {
        continue;
      }
      if (hourMillis + 3600_000L <= cutoff || days == 0) {
        removeTree(h.ino());
        m.tx(tx -> {
          tx.deleteDentry(Meta.TRASH, h.name());
          tx.kv.delete(Keys.attr(h.ino()));
          tx.kv.delete(Quotas.statsKey(h.ino()));
          Attr t = tx.attr(Meta.TRASH);
          tx.putAttr(Meta.TRASH, t.withNlink(t.nlink() - 1));
          return null;
        });
      }
    }
  }

  /** Deletes everything below directory {@code dir} (not {@code dir} itself), bypassing the trash. */
  void removeTree(long dir) throws IOException {
    while (true) {
      List<DirEntry> batch = m.ns.readdir(Ctx.ROOT, dir, "", BATCH, false);
      if (batch.isEmpty()) {
        return;
      }
      for (DirEntry e : batch) {
        if (e.type() == FileType.DIR) {
          removeTree(e.ino());
        }
        Namespace.Removal r = m.txRemoval(tx -> {
          Namespace.Removal out = new Namespace.Removal();
          byte[] d = tx.dentry(dir, e.name());
          if (d == null) {
            return out;
          }
          tx.deleteDentry(dir, e.name());
          Attr a = tx.attrOrNull(e.ino());
          if (a == null) {
            return out;
          }
          if (a.isDir()) {
            Attr p = tx.attr(dir);
            tx.putAttr(dir, p.withNlink(p.nlink() - 1));
            m.quotas.account(tx, dir, -MetaClient.accountedSpace(a), -1);
            m.ns.deleteInode(tx, e.ino(), a.withNlink(0), out);
          } else {
            m.ns.dropLink(tx, dir, e.name(), e.ino(), a, m.now(), out);
          }
          return out;
        });
        m.updateStats(-r.space, -r.inodes);
      }
    }
  }

  /** Puts the entries of one trash hour directory back where they came from. */
  int restore(Ctx ctx, String hourName) throws IOException {
    if (!ctx.isRoot()) {
      throw Errno.EPERM.exception("only root may restore from the trash");
    }
    Entry hour = m.lookup(ctx, Meta.TRASH, hourName);
    int restored = 0;
    boolean progress = true;
    while (progress) {
      progress = false;
      for (DirEntry e : m.ns.readdir(ctx, hour.ino(), "", 100_000, false)) {
        Object[] origin = Trash.origin(e.name());
        if (origin == null) {
          continue;
        }
        long parent = (Long) origin[0];
        String name = (String) origin[1];
        boolean moved = m.tx(ctx, tx -> {
          Attr p = tx.attrOrNull(parent);
          if (p == null || !p.isDir() || Trash.inTrash(p.parent()) || tx.dentry(parent, name) != null) {
            return false;
          }
          Attr a = tx.attrOrNull(e.ino());
          if (a == null) {
            return false;
          }
          long now = m.now();
          m.ns.moveStats(tx, e.ino(), a, hour.ino(), parent);
          tx.deleteDentry(hour.ino(), e.name());
          tx.putDentry(parent, name, a.type(), e.ino());
          tx.putAttr(e.ino(), a.withParent(parent).withCtime(now));
          Attr h = tx.attr(hour.ino());
          tx.putAttr(hour.ino(), h.withNlink(h.nlink() - (a.isDir() ? 1 : 0)).withMtimeCtime(now));
          tx.putAttr(parent, p.withNlink(p.nlink() + (a.isDir() ? 1 : 0)).withMtimeCtime(now));
          return true;
        });
        if (moved) {
          restored++;
          progress = true;
        }
      }
    }
    return restored;
  }


}
