package io.nectarfs.meta;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Names;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.kv.KvTxn;
import io.nectarfs.meta.kv.Transactions;
import io.nectarfs.meta.kv.MeteredTxnKv;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one {@link Meta} implementation: validation and POSIX rules here and in its helpers
 * ({@link Namespace}, {@link FileData}, {@link Xattrs}, {@link Housekeeping}), state in any {@link
 * TxnKv} engine.
 *
 * <p>Concurrency: every operation is an engine transaction, retried on conflict, so clients on
 * other machines are serialised by the engine. In-process state is small and thread-safe: the
 * open-file counts ({@link ConcurrentHashMap}), the id allocators (synchronized), and this
 * client's estimate of the volume's usage for limits and statfs (atomics: the total read at the
 * last heartbeat or background run plus this client's committed changes since; nothing is flushed
 * from it). Usage itself is written in each transaction into this session's usage slots and folded
 * into the volume's base when the session ends (docs/decisions.md). Invariant: an inode
 * in {@link #openCounts} with nlink 0 has a sustained record in this session.
 */
public final class MetaClient implements Meta {
  private static final Logger log = LoggerFactory.getLogger(MetaClient.class);
  static final int INODE_BATCH = 1024;
  static final int SLICE_BATCH = 4096;

  final TxnKv kv;
  /** The engine's durability barrier; null when every commit is durable on return. */
  private final io.nectarfs.meta.kv.KvDurability durability;
  final MetaConfig config;
  volatile Format format;
  volatile long sid;
  /** What this client's session record advertises ({@link #advertise}); written with the session. */
  volatile java.util.Map<String, String> adverts = java.util.Map.of();
  final Map<Long, Integer> openCounts = new ConcurrentHashMap<>();
  /**
   * Inodes that may have a sustained record of this session (a superset: added in the body that
   * puts the record, removed after the transaction that deleted it), so the last close of every
   * other file needs no transaction.
   */
  final java.util.Set<Long> sustainedHere = ConcurrentHashMap.newKeySet();
  final AtomicLong pendingSpace = new AtomicLong();
  final AtomicLong pendingInodes = new AtomicLong();
  volatile long knownSpace;
  volatile long knownInodes;
  private final UsageSlots usageSlots = new UsageSlots();
  private final IdPool inodes = new IdPool("nextInode", INODE_BATCH);
  private final IdPool slices = new IdPool("nextSlice", SLICE_BATCH);
  final Namespace ns = new Namespace(this);
  final FileData data = new FileData(this);
  final Xattrs xattrs = new Xattrs(this);
  final Housekeeping hk = new Housekeeping(this);
  final Acls acls = new Acls();
  final Locks locks = new Locks(this);
  final Quotas quotas = new Quotas(this);
  private ScheduledExecutorService background;
  private volatile boolean closed;
  /** Opened by {@link #openUnbound} and not yet {@link #bindSession bound}. */
  private volatile boolean unbound;
  /** Deletes the objects of freed slices; null until the data layer registers it. */
  volatile SliceDeleter sliceListener;

  /** Session heartbeats this client sent ({@code nectar_meta_session_heartbeats_total}). */
  final io.micrometer.core.instrument.Counter heartbeats;

  private MetaClient(TxnKv kv, MetaConfig config, Format format) {
    this.kv = kv;
    this.durability = kv.capability(io.nectarfs.meta.kv.KvDurability.class).orElse(null);
    this.config = config;
    this.format = format;
    this.heartbeats = io.micrometer.core.instrument.Counter.builder("nectar_meta_session_heartbeats")
        .description("metadata session heartbeats sent").register(config.metrics().registry());
  }

  /**
   * Connects to the volume at {@code url}: loads its format, registers a session (unless
   * read-only) and starts the background jobs.
   *
   * @throws IOException "volume not formatted: run nectar format" when there is no format record
   */
  public static MetaClient open(String url, MetaConfig config, Secrets secrets) throws IOException {
    TxnKv kv = MetaEngines.registry().open(url, secrets);
    try {
      return open(kv, config);
    } catch (IOException | RuntimeException e) {
      kv.close();
      throw e;
    }
  }

  /** Opens a volume on an engine already connected. */
  public static MetaClient open(TxnKv kv, MetaConfig config) throws IOException {
    return open(kv, config, loadFormat(kv));
  }

  /**
   * Opens a volume on an engine already connected whose format record the caller has just read
   * with {@link #loadFormat} (saves a round trip); {@code f} null means none was found.
   */
  public static MetaClient open(TxnKv kv, MetaConfig config, Format f) throws IOException {
    MetaClient m = openUnbound(kv, config, f);
    try {
      m.bindSession(config.resumeSession());
    } catch (IOException | RuntimeException e) {
      m.closed = true; // the caller closes the engine; nothing of the session is released
      throw e;
    }
    return m;
  }

  /**
   * Opens a volume as {@link #open(TxnKv, MetaConfig, Format)} does but without a session and
   * without background jobs yet (the first phase of a takeover: everything that does not need the
   * session is made ready before the predecessor stops). {@link MetaConfig#resumeSession()} is
   * ignored; {@link #bindSession} must be called before any operation. Closing an unbound client
   * only closes the engine connection.
   */
  public static MetaClient openUnbound(TxnKv kv, MetaConfig config, Format f) throws IOException {
    if (f == null) {
      throw new IOException("no volume is formatted at " + kv.describe() + ": run 'nectar format' first");
    }
    if (f.metaVersion() > Format.META_VERSION) {
      throw new IOException("the volume at " + kv.describe() + " has metadata version " + f.metaVersion() + ", newer than this client supports (" + Format.META_VERSION + "): upgrade nectar");
    }
    if (!f.unknownFeatures().isEmpty()) {
      throw new IOException("the volume at " + kv.describe() + " needs features this client does not know (" + String.join(", ", f.unknownFeatures())
          + "): upgrade nectar");
    }
    MetaClient m = new MetaClient(kv, config, f);
    m.hk.refreshCounters();
    m.unbound = true;
    return m;
  }

  /**
   * Binds a client from {@link #openUnbound} to its session: registers a new one ({@code resume}
   * 0) or continues the live session {@code resume} a predecessor handed over ({@link
   * #handOver}); none when read-only. Then starts the background jobs. Once only; if it fails the
   * client stays unbound (close it).
   *
   * @throws IOException the session cannot be resumed (it ended, or expired and was cleaned)
   * @throws IllegalStateException when already bound
   */
  public synchronized void bindSession(long resume) throws IOException {
    if (!unbound || closed) {
      throw new IllegalStateException("the metadata client is already bound to a session or closed");
    }
    if (resume != 0 && config.readOnly()) {
      throw new IllegalArgumentException("a read-only client has no session to resume");
    }
    if (!config.readOnly()) {
      sid = resume != 0 ? hk.resumeSession(resume) : hk.registerSession();
    }
    unbound = false;
    if (config.background()) {
      startBackground();
      if (resume != 0) {
        background.execute(() -> { // outside the pause: the record gets this process's details
          try {
            hk.claimSession();
          } catch (IOException | RuntimeException e) {
            log.warn("could not write this client's details into the resumed session {}: {}", sid, e.toString());
          }
        });
      }
    } else if (resume != 0) {
      hk.claimSession();
    }
  }

  /**
   * Runs one transaction that reads the format record and changes nothing, so that a process about
   * to resume a session (a takeover's successor, a recovering worker) has the transaction path
   * loaded and its connection to the engine ready before its pause rather than in it.
   */
  public void warmUpTransactions() throws IOException {
    txn(tx -> tx.get(Keys.FORMAT));
    hk.warmUp();
  }

  /** The stored format record, or null when the engine holds no volume. */
  public static Format loadFormat(TxnKv kv) throws IOException {
    byte[] v = Transactions.read(kv, tx -> tx.get(Keys.FORMAT));
    return v == null ? null : Format.fromJson(new String(v, StandardCharsets.UTF_8));
  }

  /**
   * Formats a volume: stores the format record and creates the root and trash directories. Running
   * it again with the same settings is a no-op; with different immutable settings it fails unless
   * {@code force}.
   *
   * @return the stored record (the existing one when nothing changed)
   */
  public static Format format(TxnKv kv, Format wanted, boolean force, io.nectarfs.common.Clock clock) throws IOException {
    return format(kv, wanted, force, clock, 0777, 0, 0);
  }

  /**
   * Formats a volume as {@link #format(TxnKv, Format, boolean, io.nectarfs.common.Clock)} does,
   * with a root directory of mode {@code rootMode} (permission bits, sticky included) owned by
   * {@code rootUid:rootGid}. The root's attributes are set only when the volume is created; a
   * later format leaves them alone. (The four-argument form keeps the embedded default, 0777
   * owned by 0:0; {@code nectar format} passes 0755 owned by the formatting user.)
   */
  public static Format format(TxnKv kv, Format wanted, boolean force, io.nectarfs.common.Clock clock, int rootMode, int rootUid, int rootGid)
      throws IOException {
    if ((rootMode & ~07777) != 0 || rootUid < 0 || rootGid < 0) {
      throw new IllegalArgumentException("root mode must be an octal mode up to 7777 and its owner non-negative ids");
    }
    wanted.validated();
    return Transactions.run(kv, tx -> {
      byte[] old = tx.get(Keys.FORMAT);
      if (old != null) {
        Format existing = Format.fromJson(new String(old, StandardCharsets.UTF_8));
        String diff = FormatRules.incompatibleChange(existing, wanted);
        if (diff != null && !force) {
          throw new IOException("volume '" + existing.name() + "' is already formatted with a different " + diff + ": use --force to change it, or 'nectar config' for mutable settings");
        }
        Format merged = FormatRules.merge(existing, wanted);
        if (!merged.equals(existing)) {
          tx.put(Keys.FORMAT, merged.toJson().getBytes(StandardCharsets.UTF_8));
        }
        return merged;
      }
      tx.put(Keys.FORMAT, wanted.toJson().getBytes(StandardCharsets.UTF_8));
      long now = clock.nowNanos();
      Tx t = new Tx(tx, 0);
      t.putAttr(ROOT, new Attr(FileType.DIR, rootMode, rootUid, rootGid, now, now, now, 2, Attr.DIR_SIZE, 0, 0, ROOT));
      t.putAttr(TRASH, new Attr(FileType.DIR, 0555, 0, 0, now, now, now, 2, Attr.DIR_SIZE, 0, 0, ROOT));
      tx.incrBy(Keys.counter("nextInode"), 1); // inode 1 is the root
      return wanted;
    });
  }

  /** Replaces the mutable settings of the format record (see {@link FormatRules#mutable}). */
  public static Format updateFormat(TxnKv kv, java.util.function.UnaryOperator<Format> change) throws IOException {
    return Transactions.run(kv, tx -> {
      byte[] old = tx.get(Keys.FORMAT);
      if (old == null) {
        throw new IOException("no volume is formatted at " + kv.describe() + ": run 'nectar format' first");
      }
      Format f = Format.fromJson(new String(old, StandardCharsets.UTF_8));
      Format n = change.apply(f).validated();
      String diff = FormatRules.incompatibleChange(f, n);
      if (diff != null) {
        throw new IOException("the " + diff + " of a volume cannot be changed after format");
      }
      tx.put(Keys.FORMAT, n.toJson().getBytes(StandardCharsets.UTF_8));
      return n;
    });
  }

  /**
   * Points the volume at other storage, for when its objects were copied there ({@code nectar
   * config --storage}): only the storage URL changes, and only if it is still {@code expected}
   * (else an IOException: another client changed it meanwhile).
   */
  public static Format updateStorage(TxnKv kv, String expected, String storage) throws IOException {
    return Transactions.run(kv, tx -> {
      byte[] old = tx.get(Keys.FORMAT);
      if (old == null) {
        throw new IOException("no volume is formatted at " + kv.describe() + ": run 'nectar format' first");
      }
      Format f = Format.fromJson(new String(old, StandardCharsets.UTF_8));
      if (!f.storage().equals(expected)) {
        throw new IOException("the volume's storage was changed meanwhile (now " + io.nectarfs.common.Uris.redact(f.storage()) + ")");
      }
      Format n = f.withStorage(storage).validated();
      tx.put(Keys.FORMAT, n.toJson().getBytes(StandardCharsets.UTF_8));
      return n;
    });
  }

  // ---- plumbing shared by the helpers ----

  <T> T txn(TxnKv.Body<T> body) throws IOException {
    return txn(Ctx.ROOT, body);
  }

  /** A transaction of an operation of {@code ctx}: stops at check points when it is cancelled (see {@link Transactions}). */
  <T> T txn(Ctx ctx, TxnKv.Body<T> body) throws IOException {
    checkOpen();
    return Transactions.run(kv, ctx, body);
  }

  <T> T read(TxnKv.Body<T> body) throws IOException {
    return read(Ctx.ROOT, body);
  }

  <T> T read(Ctx ctx, TxnKv.Body<T> body) throws IOException {
    checkOpen();
    return Transactions.read(kv, ctx, body);
  }

  /** Keys per engine round trip in whole-volume scans. */
  static final int BULK_PAGE = 4096;

  /** A whole-volume read in large pages without conflict tracking (see {@link TxnKv#bulkRead}). */
  <T> TxnKv.Bulk<T> bulk(TxnKv.Body<T> body) throws IOException {
    checkOpen();
    return Transactions.bulk(kv, BULK_PAGE, body);
  }

  /** A transaction of background work (never cancelled). */
  <T> T tx(TxBody<T> body) throws IOException {
    return tx(Ctx.ROOT, body);
  }

  <T> T tx(Ctx ctx, TxBody<T> body) throws IOException {
    int lease = usageSlots.acquire();
    try {
      return txn(ctx, k -> body.run(new Tx(k, sid, lease)));
    } finally {
      usageSlots.release(lease);
    }
  }

  <T> T readTx(TxBody<T> body) throws IOException {
    return readTx(Ctx.ROOT, body);
  }

  <T> T readTx(Ctx ctx, TxBody<T> body) throws IOException {
    return read(ctx, k -> body.run(new Tx(k, sid)));
  }

  /** A transaction that removes inodes: the space and inodes it frees are accounted in it. */
  Namespace.Removal txRemoval(TxBody<Namespace.Removal> body) throws IOException {
    return txRemoval(Ctx.ROOT, body);
  }

  Namespace.Removal txRemoval(Ctx ctx, TxBody<Namespace.Removal> body) throws IOException {
    return tx(ctx, t -> {
      Namespace.Removal r = body.run(t);
      t.addStats(-r.space, -r.inodes);
      return r;
    });
  }

  @FunctionalInterface
  interface TxBody<T> {
    T run(Tx tx) throws IOException;
  }

  private void checkOpen() throws IOException {
    if (closed) {
      throw new IOException("metadata client is closed");
    }
  }

  void checkWritable() throws FsException {
    if (config.readOnly()) {
      throw Errno.EROFS.exception("read-only mount");
    }
  }

  long now() {
    return config.clock().nowNanos();
  }

  long nextInode() throws IOException {
    return inodes.next();
  }

  /** Space as accounted: lengths rounded up to 4 KiB; directories and symlinks count 4 KiB. */
  static long accountedSpace(Attr a) {
    return a.type() == FileType.FILE ? align4k(a.length()) : 4096;
  }

  static long align4k(long n) {
    return (n + 4095) & ~4095L;
  }

  /** Adjusts this client's estimate of usage after a committed change (limits, statfs). */
  void updateStats(long spaceDelta, long inodeDelta) {
    if (spaceDelta != 0) {
      pendingSpace.addAndGet(spaceDelta);
    }
    if (inodeDelta != 0) {
      pendingInodes.addAndGet(inodeDelta);
    }
  }

  /** ENOSPC when adding {@code space} bytes or {@code inodes} inodes would exceed the volume's limits. */
  void checkLimits(long space, long inodeCount) throws FsException {
    Format f = format;
    if (space > 0 && f.capacity() > 0 && knownSpace + pendingSpace.get() + space > f.capacity()) {
      throw Errno.ENOSPC.exception("volume capacity " + f.capacity() + " bytes reached");
    }
    if (inodeCount > 0 && f.inodes() > 0 && knownInodes + pendingInodes.get() + inodeCount > f.inodes()) {
      throw Errno.ENOSPC.exception("volume inode limit " + f.inodes() + " reached");
    }
  }

  static void checkName(String name) throws FsException {
    if (name == null || name.isEmpty() || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
      throw Errno.EINVAL.exception("invalid name '" + (name == null ? "" : Names.escape(name)) + "'");
    }
    if (nameBytes(name).length > MAX_NAME) {
      throw Errno.ENAMETOOLONG.exception("name longer than " + MAX_NAME + " bytes");
    }
  }

  /** The bytes of a name or symlink target ({@link Names#encode}); EILSEQ for a stray surrogate. */
  static byte[] nameBytes(String name) throws FsException {
    try {
      return Names.encode(name);
    } catch (IllegalArgumentException e) {
      throw Errno.EILSEQ.exception(e.getMessage());
    }
  }

  /** Allocates ids from a counter in batches (inodes, slices). */
  private final class IdPool {
    private final String counter;
    private final int batch;
    private long next;
    private long end;

    IdPool(String counter, int batch) {
      this.counter = counter;
      this.batch = batch;
    }

    synchronized long next() throws IOException {
      if (next >= end) {
        long top = txn(tx -> tx.incrBy(Keys.counter(counter), batch));
        end = top + 1;
        next = top - batch + 1;
      }
      return next++;
    }
  }

  // ---- Meta ----

  @Override
  public Format format() {
    return format;
  }

  @Override
  public long sessionId() {
    return sid;
  }

  @Override
  public Entry lookup(Ctx ctx, long parent, String name) throws IOException {
    if (name.equals(".") || name.equals("..")) {
      return ns.lookupDots(ctx, parent, name);
    }
    checkName(name);
    return ns.lookup(ctx, parent, name);
  }

  @Override
  public Attr getattr(Ctx ctx, long ino) throws IOException {
    return readTx(ctx, tx -> tx.attr(ino));
  }

  @Override
  public Attr setattr(Ctx ctx, long ino, SetAttr req) throws IOException {
    checkWritable();
    return ns.setattr(ctx, ino, req);
  }

  @Override
  public Entry mknod(Ctx ctx, long parent, String name, FileType type, int mode, int umask, int rdev) throws IOException {
    if (type == FileType.DIR || type == FileType.SYMLINK) {
      throw Errno.EINVAL.exception("mknod cannot create a " + type.name().toLowerCase(java.util.Locale.ROOT));
    }
    if ((type == FileType.CHAR || type == FileType.BLOCK) && !ctx.isRoot()) {
      throw Errno.EPERM.exception("only root may create device nodes");
    }
    return create(ctx, parent, name, type, mode, umask, rdev, null);
  }

  @Override
  public Entry mkdir(Ctx ctx, long parent, String name, int mode, int umask) throws IOException {
    return create(ctx, parent, name, FileType.DIR, mode, umask, 0, null);
  }

  @Override
  public Entry symlink(Ctx ctx, long parent, String name, String target) throws IOException {
    if (target == null || target.isEmpty()) {
      throw Errno.ENOENT.exception("empty symlink target");
    }
    if (nameBytes(target).length > MAX_SYMLINK || target.indexOf('\0') >= 0) {
      throw Errno.ENAMETOOLONG.exception("symlink target longer than " + MAX_SYMLINK + " bytes");
    }
    return create(ctx, parent, name, FileType.SYMLINK, 0777, 0, 0, target);
  }

  private Entry create(Ctx ctx, long parent, String name, FileType type, int mode, int umask, int rdev, String target) throws IOException {
    checkWritable();
    if (name.equals(".") || name.equals("..")) {
      throw Errno.EEXIST.exception(name);
    }
    checkName(name);
    checkLimits(4096, 1);
    long ino = nextInode();
    Entry e = ns.create(ctx, parent, name, type, mode & 07777, umask, rdev, target, ino);
    updateStats(accountedSpace(e.attr()), 1);
    return e;
  }

  @Override
  public String readlink(Ctx ctx, long ino) throws IOException {
    return readTx(ctx, tx -> {
      tx.kv.prefetch(List.of(Keys.attr(ino), Keys.symlink(ino)));
      Attr a = tx.attr(ino);
      if (a.type() != FileType.SYMLINK) {
        throw Errno.EINVAL.exception("inode " + ino + " is not a symbolic link");
      }
      byte[] t = tx.kv.get(Keys.symlink(ino));
      if (t == null) {
        throw Errno.EIO.exception("symbolic link " + ino + " has no target");
      }
      return Names.decode(t);
    });
  }

  @Override
  public void unlink(Ctx ctx, long parent, String name) throws IOException {
    checkWritable();
    if (name.equals(".") || name.equals("..")) {
      throw Errno.EISDIR.exception(name);
    }
    checkName(name);
    ns.unlink(ctx, parent, name);
  }

  @Override
  public void unlinkAll(Ctx ctx, long parent, List<String> names) throws IOException {
    checkWritable();
    for (String name : names) {
      if (name.equals(".") || name.equals("..")) {
        throw Errno.EISDIR.exception(name);
      }
      checkName(name);
    }
    if (new java.util.HashSet<>(names).size() != names.size()) {
      throw Errno.EINVAL.exception("a name is given twice");
    }
    if (!names.isEmpty()) {
      ns.unlinkAll(ctx, parent, names);
    }
  }

  @Override
  public void rmdir(Ctx ctx, long parent, String name) throws IOException {
    checkWritable();
    if (name.equals(".")) {
      throw Errno.EINVAL.exception("cannot remove '.'");
    }
    if (name.equals("..")) {
      throw Errno.ENOTEMPTY.exception("cannot remove '..'");
    }
    checkName(name);
    ns.rmdir(ctx, parent, name);
  }

  @Override
  public void rename(Ctx ctx, long ps, String ns0, long pd, String nd, int flags) throws IOException {
    checkWritable();
    if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0 || flags == (RENAME_NOREPLACE | RENAME_EXCHANGE)) {
      throw Errno.EINVAL.exception("rename flags " + flags);
    }
    for (String n : new String[] {ns0, nd}) {
      if (n.equals(".") || n.equals("..")) {
        throw Errno.EBUSY.exception("cannot rename '" + n + "'");
      }
      checkName(n);
    }
    ns.rename(ctx, ps, ns0, pd, nd, flags);
  }

  @Override
  public Entry link(Ctx ctx, long ino, long newParent, String newName) throws IOException {
    checkWritable();
    if (newName.equals(".") || newName.equals("..")) {
      throw Errno.EEXIST.exception(newName);
    }
    checkName(newName);
    return ns.link(ctx, ino, newParent, newName);
  }

  @Override
  public List<DirEntry> readdir(Ctx ctx, long ino, String after, int limit, boolean plus) throws IOException {
    if (limit <= 0) {
      throw Errno.EINVAL.exception("readdir limit " + limit);
    }
    return ns.readdir(ctx, ino, after == null ? "" : after, limit, plus);
  }

  /** The volume size statfs reports: the capacity, or without one a notional 1 PiB (at least twice the usage). */
  private static long totalSpace(Format f, long used) {
    return f.capacity() > 0 ? f.capacity() : Math.max(1L << 50, align4k(used) * 2);
  }

  /** ENOSPC when {@code space} more bytes exceed what statfs reports as available (fallocate). */
  void checkAvailable(long space) throws FsException {
    if (space <= 0) {
      return;
    }
    long used = Math.max(0, knownSpace + pendingSpace.get());
    long avail = Math.max(0, totalSpace(format, used) - used);
    if (space > avail) {
      throw Errno.ENOSPC.exception("cannot allocate " + space + " bytes: " + avail + " available");
    }
  }

  @Override
  public StatFs statfs(Ctx ctx, long ino) throws IOException {
    Format f = format;
    long used = Math.max(0, knownSpace + pendingSpace.get());
    long inodeCount = Math.max(0, knownInodes + pendingInodes.get());
    long total = totalSpace(f, used);
    long availInodes = f.inodes() > 0 ? Math.max(0, f.inodes() - inodeCount) : Math.max(10L << 20, inodeCount * 10);
    StatFs volume = new StatFs(total, Math.max(0, total - used), inodeCount, availInodes);
    Quota q = ino == 0 ? null : readTx(ctx, tx -> quotas.nearest(tx, ino));
    return q == null ? volume : Quotas.statfs(q, volume);
  }

  @Override
  public Attr open(Ctx ctx, long ino, int flags) throws IOException {
    int mask = Access.forOpenFlags(flags);
    Attr a = readTx(ctx, tx -> {
      Attr x = tx.attr(ino);
      if (!acls.allowed(tx, ctx, x, mask) && !(x.isDir() && (mask & Access.W) != 0)) {
        throw Errno.EACCES.exception("open inode " + ino);
      }
      return x;
    });
    if (a.isDir() && (mask & Access.W) != 0) {
      throw Errno.EISDIR.exception("inode " + ino);
    }
    if ((mask & Access.W) != 0) {
      checkWritable();
      if ((a.flags() & Attr.FLAG_IMMUTABLE) != 0) {
        throw Errno.EPERM.exception("immutable file");
      }
    }
    openCounts.merge(ino, 1, Integer::sum);
    return a;
  }

  @Override
  public void openCreated(long ino) {
    openCounts.merge(ino, 1, Integer::sum);
  }

  @Override
  public void touchAtime(long ino, long atimeNanos) throws IOException {
    if (config.readOnly()) {
      return;
    }
    tx(tx -> {
      Attr a = tx.attrOrNull(ino);
      if (a != null && a.atime() < atimeNanos) {
        tx.putAttr(ino, a.withTimes(atimeNanos, a.mtime(), a.ctime()));
      }
      return null;
    });
  }

  @Override
  public void close(Ctx ctx, long ino) throws IOException {
    Integer left = openCounts.computeIfPresent(ino, (k, n) -> n <= 1 ? null : n - 1);
    if (left == null) {
      hk.releaseIfSustained(ino);
    }
  }

  boolean isOpen(long ino) {
    return openCounts.containsKey(ino);
  }

  @Override
  public List<Slice> read(Ctx ctx, long ino, int index) throws IOException {
    return readTx(ctx, tx -> tx.chunk(ino, index));
  }

  @Override
  public long newSliceId() throws IOException {
    return slices.next();
  }

  @Override
  public Committed write(Ctx ctx, long ino, int index, Slice slice, long mtime) throws IOException {
    checkWritable();
    return data.write(ctx, ino, index, slice, mtime);
  }

  @Override
  public Committed writeSlices(Ctx ctx, long ino, int index, List<Slice> slices, long mtime) throws IOException {
    checkWritable();
    return data.write(ctx, ino, index, slices, mtime);
  }

  @Override
  public Committed writeInline(Ctx ctx, long ino, int index, Slice slice, byte[] stored, long mtime) throws IOException {
    checkWritable();
    if (!slice.inline() || slice.off() != 0 || slice.len() != slice.size() || stored == null) {
      throw new IllegalArgumentException("not an inline slice record: " + slice);
    }
    if (format.inlineSize() <= 0 || slice.size() > format.inlineSize()) {
      throw Errno.EINVAL.exception("slice of " + slice.size() + " bytes cannot be inline (inline size " + format.inlineSize() + ")");
    }
    return data.write(ctx, ino, index, slice, stored, format.inlineSize(), mtime);
  }

  @Override
  public byte[] readInline(Ctx ctx, long id) throws IOException {
    byte[] v = readTx(ctx, tx -> tx.kv.get(Keys.inlineData(id)));
    if (v == null) {
      throw Errno.EIO.exception("inline slice " + Long.toHexString(id) + " has no data (freed meanwhile?)");
    }
    return v;
  }

  @Override
  public long append(Ctx ctx, long ino, long id, int len, long mtime) throws IOException {
    checkWritable();
    return data.append(ino, id, len, mtime);
  }

  @Override
  public boolean compact(Ctx ctx, long ino, int index, List<Slice> expected, Slice replacement) throws IOException {
    checkWritable();
    return data.compact(ino, index, expected, replacement);
  }

  /**
   * Every slice the metadata still refers to or has queued for freeing, as id → size (for
   * {@code nectar gc}: objects of other ids are leaked).
   */
  public java.util.Map<Long, Integer> referencedSlices() throws IOException {
    return data.referencedSlices();
  }

  @Override
  public void fallocate(Ctx ctx, long ino, int mode, long off, long len) throws IOException {
    checkWritable();
    data.fallocate(ctx, ino, mode, off, len);
  }

  @Override
  public long copyFileRange(Ctx ctx, long inoIn, long offIn, long inoOut, long offOut, long len) throws IOException {
    checkWritable();
    return data.copyFileRange(ctx, inoIn, offIn, inoOut, offOut, len);
  }

  @Override
  public Entry clone(Ctx ctx, long ino, long newParent, String newName) throws IOException {
    checkWritable();
    if (newName.equals(".") || newName.equals("..")) {
      throw Errno.EEXIST.exception(newName);
    }
    checkName(newName);
    Attr src = getattr(ctx, ino);
    checkLimits(accountedSpace(src), 1);
    Entry e = data.cloneFile(ctx, ino, newParent, newName, nextInode());
    updateStats(accountedSpace(e.attr()), 1);
    return e;
  }

  @Override
  public byte[] getxattr(Ctx ctx, long ino, String name) throws IOException {
    return xattrs.get(ctx, ino, name);
  }

  @Override
  public List<String> listxattr(Ctx ctx, long ino) throws IOException {
    return xattrs.list(ctx, ino);
  }

  @Override
  public void setxattr(Ctx ctx, long ino, String name, byte[] value, int flags) throws IOException {
    checkWritable();
    xattrs.set(ctx, ino, name, value, flags);
  }

  @Override
  public void removexattr(Ctx ctx, long ino, String name) throws IOException {
    checkWritable();
    xattrs.remove(ctx, ino, name);
  }

  @Override
  public void access(Ctx ctx, long ino, int mask) throws IOException {
    if ((mask & ~7) != 0) {
      throw Errno.EINVAL.exception("access mask " + mask);
    }
    readTx(ctx, tx -> {
      acls.check(tx, ctx, tx.attr(ino), mask, "access inode " + ino);
      return null;
    });
  }

  @Override
  public DirStats summary(Ctx ctx, long dir) throws IOException {
    readTx(tx -> {
      acls.check(tx, ctx, tx.dir(dir), Access.R | Access.X, "summary of directory " + dir);
      return null;
    });
    return new MetaAdmin(this).summary(dir);
  }

  @Override
  public Quota getQuota(Ctx ctx, long dir) throws IOException {
    readTx(tx -> tx.dir(dir));
    return quotas.get(dir);
  }

  @Override
  public Quota setQuota(Ctx ctx, long dir, long maxSpace, long maxInodes) throws IOException {
    checkWritable();
    if (!ctx.isRoot()) {
      throw Errno.EPERM.exception("only root may set a quota");
    }
    return quotas.set(dir, maxSpace, maxInodes);
  }

  @Override
  public boolean removeQuota(Ctx ctx, long dir) throws IOException {
    checkWritable();
    if (!ctx.isRoot()) {
      throw Errno.EPERM.exception("only root may remove a quota");
    }
    return quotas.delete(dir);
  }

  @Override
  public void flock(Ctx ctx, long ino, long owner, int type, boolean wait) throws IOException {
    locks.flock(ctx, ino, owner, type, wait);
  }

  @Override
  public PosixLock getlk(Ctx ctx, long ino, long owner, int type, long start, long end, int pid) throws IOException {
    return locks.getlk(ctx, ino, owner, type, start, end, pid);
  }

  @Override
  public void setlk(Ctx ctx, long ino, long owner, int type, long start, long end, int pid, boolean wait) throws IOException {
    locks.setlk(ctx, ino, owner, type, start, end, pid, wait);
  }

  @Override
  public void releaseLocks(Ctx ctx, long ino, long owner) throws IOException {
    if (sid != 0) {
      locks.release(ino, owner);
    }
  }

  @Override
  public List<SessionInfo> sessions() throws IOException {
    return hk.sessions();
  }

  /**
   * Publishes {@code adverts} in this client's session record, replacing earlier ones: written at
   * once (one transaction), kept by every heartbeat (and by a new registration if another client
   * cleaned the session), shown to every client by {@link #sessions()} ({@link
   * SessionInfo#adverts()}) and gone with the session when it ends or expires. The values are
   * opaque here (a cache group member puts its group, address, weight and cache size); an empty map
   * withdraws them. Not for secrets: every client of the volume reads them.
   *
   * @throws io.nectarfs.common.FsException EINVAL when a key is empty, a key or value null, or keys
   *     and values together exceed {@link SessionInfo#MAX_ADVERT_BYTES} UTF-8 bytes; EROFS for a
   *     read-only client (it has no session)
   */
  public void advertise(java.util.Map<String, String> adverts) throws IOException {
    java.util.Map<String, String> checked = SessionInfo.checkAdverts(adverts);
    if (config.readOnly() || sid == 0) {
      throw Errno.EROFS.exception("a read-only client has no session to advertise in");
    }
    synchronized (hk) {
      this.adverts = checked;
      hk.advertise();
    }
  }

  @Override
  public void sync() throws IOException {
    if (durability != null) {
      durability.sync();
    }
  }

  @Override
  public void onSliceFreed(SliceDeleter listener) {
    sliceListener = java.util.Objects.requireNonNull(listener, "listener");
  }

  @Override
  public void runBackgroundJobs() throws IOException {
    hk.runAll();
  }

  /** Moves entries of trash hour directories back where they were; returns how many. */
  public int restore(Ctx ctx, String hourDir) throws IOException {
    checkWritable();
    return hk.restore(ctx, hourDir);
  }

  /**
   * Checks the consistency of the whole volume's metadata; returns the problems found (empty when
   * consistent).
   */
  public List<String> check() throws IOException {
    return check(n -> {});
  }

  /** {@link #check()} reporting progress: {@code keysScanned} receives increments of keys read. */
  public List<String> check(java.util.function.LongConsumer keysScanned) throws IOException {
    return Checker.check(this, keysScanned);
  }

  /** Whether {@link #close} was called. */
  public boolean isClosed() {
    return closed;
  }

  @Override
  public String describe() {
    return kv.describe();
  }

  /** The underlying engine (admin tools). */
  public TxnKv engine() {
    return kv;
  }

  /**
   * This client as the VFS should see it when {@code metrics} records: every operation timed in
   * {@code nectar_meta_op_seconds{op,engine}} (see {@link MeteredMeta}); this client itself when
   * metrics are off. Closing the view closes this client.
   */
  public Meta metered(io.nectarfs.common.Metrics metrics) {
    return metrics.enabled() ? new MeteredMeta(this, MeteredTxnKv.engine(kv.describe()), metrics) : this;
  }

  private void startBackground() {
    background = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nectar-meta-background");
      t.setDaemon(true);
      return t;
    });
    long hb = Math.max(1, config.heartbeat().toMillis());
    background.scheduleWithFixedDelay(() -> {
      try {
        hk.heartbeat();
        hk.runAll();
      } catch (IOException | RuntimeException e) {
        log.warn("background metadata jobs failed: {}", e.toString());
      }
    }, hb, hb, TimeUnit.MILLISECONDS);
  }

  private void stopBackground() {
    if (background != null) {
      background.shutdownNow();
      try {
        background.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public synchronized long handOver() throws IOException {
    if (closed) {
      throw new IllegalStateException("metadata client already closed");
    }
    if (config.readOnly() || sid == 0) {
      throw Errno.EROFS.exception("a read-only client has no session to hand over");
    }
    stopBackground();
    try {
      hk.heartbeat(); // a full expiry period from now for the successor to resume in
    } catch (IOException | RuntimeException e) {
      log.warn("last heartbeat before the handover failed ({}): the session may expire up to one heartbeat sooner", e.toString());
    }
    long handed = sid;
    closed = true;
    kv.close();
    log.info("metadata session {} handed over ({} open inodes stay open)", handed, openCounts.size());
    return handed;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    stopBackground();
    try {
      if (!config.readOnly()) {
        for (Long ino : List.copyOf(openCounts.keySet())) {
          openCounts.remove(ino);
          hk.releaseIfSustained(ino);
        }
        hk.deregisterSession();
      }
    } finally {
      closed = true;
      kv.close();
    }
  }
}
