package io.nectarfs.vfs;

import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Metrics;
import io.nectarfs.common.OpenFlags;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.DirEntry;
import io.nectarfs.meta.Entry;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.StatFs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
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
 * The VFS over a {@link Meta} and a {@link ChunkStore}.
 *
 * <p>Concurrency: requests arrive on many threads. The handle table, the per-inode writers and
 * the open counts are concurrent maps; each {@link FileWriter} serialises the writes of its inode;
 * the reader is lock-free apart from a handle's read-ahead state. A background thread commits
 * idle written data. Invariant: an inode with open writable handles in this client has at most
 * one {@link FileWriter}, removed when its last handle is released and everything is committed.
 * That release retires the writer under its lock before removing it, so a write racing with it
 * (another handle opened meanwhile) is refused there and goes to a new writer, never left behind.
 */
final class VfsImpl implements Vfs {
  private static final Logger log = LoggerFactory.getLogger(VfsImpl.class);
  private static final int DIR_PAGE = 1000;

  private final Meta meta;
  private final ChunkStore chunks;
  private final VfsConfig cfg;
  private final Clock clock;
  private final VfsMeters meters;
  private final Map<Long, Handle> handles = new ConcurrentHashMap<>();
  private final Map<Long, Integer> openCounts = new ConcurrentHashMap<>();
  private final Map<Long, FileWriter> writers = new ConcurrentHashMap<>();
  /** A write journal empty this long gives its memory back. */
  private static final long JOURNAL_IDLE_RELEASE_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** The write journal of a kept mount, or null (see {@link #useJournal}). */
  private volatile WriteJournal journal;
  private final java.util.concurrent.atomic.AtomicBoolean journalFlushQueued = new java.util.concurrent.atomic.AtomicBoolean();
  /** Bytes replayed from the crashed predecessor's journal per request that wrote them (see {@link #replayedWrite}). */
  private final Map<Long, Long> replayedRequests = new ConcurrentHashMap<>();
  /** Per inode: the (mtime, length) this client last knew the kernel's pages to match; attributes and slices for reads. */
  private final InodeCache cache;
  private final Privileges privileges;
  private final AtomicLong nextFh = new AtomicLong(1);
  private final FileReader reader;
  private final Compactor compactor;
  private final ScheduledExecutorService background;
  private volatile Invalidator invalidator;
  private final HandleReports reports = new HandleReports();
  private volatile boolean readOnly;
  private final long startNanos;

  VfsImpl(Meta meta, ChunkStore chunks, VfsConfig cfg, Clock clock, Metrics metrics) {
    this.meta = meta;
    this.meters = new VfsMeters(metrics);
    this.chunks = chunks;
    this.cfg = cfg;
    this.clock = clock;
    this.startNanos = clock.monotonicNanos();
    this.cache = new InodeCache(clock, cfg.attrCache().toNanos(), cfg.cachedInodes(), cfg.cachedBytes());
    this.privileges = new Privileges(meta, cache);
    this.reader = new FileReader(this, cache);
    this.compactor = new Compactor(this);
    this.background = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nectar-vfs-flusher");
      t.setDaemon(true);
      return t;
    });
    long idle = cfg.flushIdle().toNanos();
    long age = cfg.flushMaxAge().toNanos();
    background.scheduleWithFixedDelay(() -> {
      WriteJournal j = journal;
      boolean pressed = j != null && j.pressed(); // more than half of the journal in use: commit everything
      writers.values().forEach(w -> w.flushIfDue(pressed ? 0 : idle, pressed ? 0 : age));
      reports.reportClean(this::hasPending);
      if (j != null) {
        j.releaseIdle(clock.monotonicNanos(), JOURNAL_IDLE_RELEASE_NANOS);
      }
    }, 100, 100, TimeUnit.MILLISECONDS);
    meters.gauge("nectar_vfs_open_handles", "open file and directory handles", handles::size);
    meters.gauge("nectar_vfs_dirty_inodes", "files with written data not yet committed",
        () -> writers.values().stream().filter(FileWriter::hasPending).count());
    meters.gauge("nectar_vfs_uptime_seconds", "seconds since this VFS started", () -> (clock.monotonicNanos() - startNanos) / 1e9);
  }

  Meta meta() {
    return meta;
  }

  /** The writer of {@code ino}, or null (for tests). */
  WriteJournal journal() {
    return journal;
  }

  @Override
  public boolean replayedWrite(long request, int size) {
    return replayedRequests.remove(request, (long) size);
  }

  @Override
  public Replayed useJournal(java.nio.channels.FileChannel file, long size, boolean recover, Punch punch) throws IOException {
    Runnable pressure = () -> {
      if (journalFlushQueued.compareAndSet(false, true)) {
        try {
          background.execute(() -> {
            journalFlushQueued.set(false);
            writers.values().forEach(w -> w.flushIfDue(0, 0));
          });
        } catch (java.util.concurrent.RejectedExecutionException e) {
          journalFlushQueued.set(false); // closing
        }
      }
    };
    WriteJournal old = journal;
    journal = null;
    if (old != null) {
      old.close(); // before the file is cut: a mapping of a shorter file faults
    }
    if (!recover) {
      journal = WriteJournal.create(file, size, punch::punch, pressure);
      return new Replayed(java.util.Set.of(), 0, 0, java.util.Set.of(), 0, 0);
    }
    long t0 = clock.monotonicNanos();
    WriteJournal.Recovered r = WriteJournal.recover(file, punch::punch, pressure);
    long t1 = clock.monotonicNanos();
    journal = r.journal(); // before any replayed slice can be committed: its commit erases its records
    Map<Long, List<WriteJournal.Piece>> byInode = new java.util.LinkedHashMap<>();
    for (WriteJournal.Piece p : r.pieces()) {
      byInode.computeIfAbsent(p.ino(), x -> new ArrayList<>()).add(p);
    }
    java.util.Set<Long> replayed = new java.util.HashSet<>();
    java.util.Set<Long> failed = new java.util.HashSet<>();
    long bytes = 0;
    for (Map.Entry<Long, List<WriteJournal.Piece>> e : byInode.entrySet()) {
      long ino = e.getKey();
      java.util.Set<Long> slices = new java.util.LinkedHashSet<>();
      for (WriteJournal.Piece p : e.getValue()) {
        slices.add(p.slice());
        if (p.request() != 0) {
          replayedRequests.merge(p.request(), (long) p.data().remaining(), Long::sum);
        }
      }
      try {
        java.util.Set<Long> appended = committedAppends(ino, e.getValue());
        r.journal().done(appended); // committed just before the crash, not yet erased: appending it again would double it
        bytes += adopt(ino, e.getValue().stream().filter(p -> !appended.contains(p.slice())).toList());
        replayed.add(ino);
      } catch (IOException | RuntimeException ex) {
        FileWriter w = writers.remove(ino);
        if (w != null) {
          w.abort();
        }
        r.journal().done(slices);
        if (Errno.of(ex) != Errno.ENOENT) { // a file deleted meanwhile takes its data with it
          failed.add(ino);
          log.warn("could not take over the journaled writes of inode {} after the crash: {}", ino, ex.getMessage());
        }
      }
      reader.invalidate(ino);
      cache.invalidate(ino);
    }
    if (!replayed.isEmpty()) {
      try {
        background.execute(() -> writers.values().forEach(w -> w.flushIfDue(0, 0)));
      } catch (java.util.concurrent.RejectedExecutionException closing) {
        // committed at close
      }
    }
    return new Replayed(replayed, r.pieces().size(), bytes, failed, t1 - t0, clock.monotonicNanos() - t1);
  }

  /**
   * Makes {@code pieces} (of one file, oldest first) pending data of its writer ({@link
   * FileWriter#adopt}). Both kinds in one journal would mean a switch between appending and
   * positioned writing, which commits (and erases) the first kind before the second is written;
   * should it happen anyway, each run of one kind is taken and committed before the next.
   */
  private long adopt(long ino, List<WriteJournal.Piece> pieces) throws IOException {
    long bytes = 0;
    int from = 0;
    while (from < pieces.size()) {
      boolean append = pieces.get(from).index() < 0;
      int to = from + 1;
      while (to < pieces.size() && (pieces.get(to).index() < 0) == append) {
        to++;
      }
      FileWriter w = writers.computeIfAbsent(ino, i -> new FileWriter(i, this));
      if (from > 0) {
        w.flush();
      }
      bytes += w.adopt(pieces.subList(from, to));
      from = to;
    }
    return bytes;
  }

  /**
   * The append slices among {@code pieces} that the file already holds: a crash between an
   * append's commit and the erasure of its journal records leaves them live. They lie in the
   * file's last chunks (as far back as the pieces' bytes reach).
   */
  private java.util.Set<Long> committedAppends(long ino, List<WriteJournal.Piece> pieces) throws IOException {
    long bytes = 0;
    java.util.Set<Long> ids = new java.util.HashSet<>();
    for (WriteJournal.Piece p : pieces) {
      if (p.index() < 0) {
        bytes += p.data().remaining();
        ids.add(p.slice());
      }
    }
    java.util.Set<Long> found = new java.util.HashSet<>();
    if (ids.isEmpty()) {
      return found;
    }
    long length = meta.getattr(Ctx.ROOT, ino).length();
    for (long i = Math.max(0, length - bytes) >>> io.nectarfs.meta.Chunks.CHUNK_BITS; length > 0
        && i <= (length - 1) >>> io.nectarfs.meta.Chunks.CHUNK_BITS; i++) {
      for (io.nectarfs.meta.Slice s : meta.read(Ctx.ROOT, ino, (int) i)) {
        if (ids.contains(s.id())) {
          found.add(s.id());
        }
      }
    }
    return found;
  }

  FileWriter writer(long ino) {
    return writers.get(ino);
  }

  ChunkStore chunks() {
    return chunks;
  }

  /** The inline layer of {@link #chunks()} ({@link Vfses#withInlineSlices}), or null: every slice goes to the object store. */
  InlineSlices inlineSlices() {
    return chunks instanceof InlineSlices i && i.limit() > 0 ? i : null;
  }

  Clock clock() {
    return clock;
  }

  VfsConfig config() {
    return cfg;
  }

  VfsMeters meters() {
    return meters;
  }

  /** {@code chunks} chunks of {@code ino} were compacted by a request of this mount ({@link Control}): drop cached slice lists. */
  void compacted(long ino, int chunks) {
    reader.invalidate(ino);
    meters.compactions.increment(chunks);
  }

  /** The kernel-cache invalidator of the front end, or null. */
  Invalidator invalidator() {
    return invalidator;
  }

  /** The background compaction (tests wait for it to be idle). */
  Compactor compactor() {
    return compactor;
  }

  /**
   * A slice of chunk {@code index} of {@code ino} was committed by this client, leaving {@code
   * records} slice records in the chunk ({@link Compactor#UNKNOWN} when the commit did not say).
   */
  void committed(long ino, int index, int records) {
    reader.invalidate(ino);
    meters.slicesCommitted.increment();
    compactor.maybeCompact(ino, index, records);
  }

  private <T> T timed(VfsMeters.Op op, Op<T> body) throws IOException {
    long t0 = System.nanoTime();
    try {
      return body.run();
    } finally {
      meters.timer(op).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @FunctionalInterface
  private interface Op<T> {
    T run() throws IOException;
  }

  private Handle handle(long fh, long ino) throws FsException {
    Handle h = handles.get(fh);
    if (h == null || h.ino() != ino) {
      throw Errno.EBADF.exception("file handle " + fh);
    }
    return h;
  }

  // ---- attributes ----

  /** Attributes with this client's uncommitted writes included in the length. */
  private Attr withPending(long ino, Attr a) {
    FileWriter w = writers.get(ino);
    if (w != null) {
      long end = w.pendingEnd(a.length());
      long mtime = w.pendingMtime();
      Attr r = a;
      if (end > a.length()) {
        r = r.withLength(end);
      }
      if (mtime > a.mtime()) {
        r = r.withTimes(a.atime(), mtime, Math.max(a.ctime(), mtime));
      }
      return r;
    }
    return a;
  }

  /**
   * The committed attributes of {@code ino} with this client's pending writes included, read
   * again if a flush of this client took pending data out meanwhile: otherwise the length could
   * miss data whose write already returned (the kernel would then shrink its file size).
   */
  private Attr attrWithPending(Ctx ctx, long ino) throws IOException {
    for (int attempt = 0; ; attempt++) {
      FileWriter w = writers.get(ino);
      long flushes = w == null ? 0 : w.flushes();
      Attr a = withPending(ino, meta.getattr(ctx, ino));
      if (w == null || w.flushes() == flushes || attempt == 20) {
        return a;
      }
    }
  }

  @Override
  public Entry lookup(Ctx ctx, long parent, String name) throws IOException {
    return timed(VfsMeters.Op.LOOKUP, () -> {
      if (parent == Meta.ROOT && cfg.internalFiles()) {
        long ino = Internal.inoOf(name);
        if (ino != 0) {
          return new Entry(ino, Internal.attr(ino, Internal.content(ino, this).length, clock.nowNanos()));
        }
      }
      Entry e = meta.lookup(ctx, parent, name);
      return new Entry(e.ino(), writers.containsKey(e.ino()) ? attrWithPending(ctx, e.ino()) : e.attr());
    });
  }

  @Override
  public Attr getattr(Ctx ctx, long ino) throws IOException {
    return timed(VfsMeters.Op.GETATTR, () -> {
      if (Internal.isInternal(ino)) {
        // The size of the content as it would be read now; it changes between reads, so
        // readers should not trust it beyond one open.
        return Internal.attr(ino, Internal.content(ino, this).length, clock.nowNanos());
      }
      return attrWithPending(ctx, ino);
    });
  }

  @Override
  public Attr setattr(Ctx ctx, long ino, long fh, SetAttr req, boolean dropSuidGid) throws IOException {
    return timed(VfsMeters.Op.SETATTR, () -> {
      if (Internal.isInternal(ino)) {
        throw Errno.EPERM.exception("internal file");
      }
      SetAttr r = req;
      if (req.has(SetAttr.SIZE | SetAttr.MTIME | SetAttr.MTIME_NOW | SetAttr.ATIME | SetAttr.ATIME_NOW | SetAttr.CTIME)) {
        // Pending writes set mtime when committed: commit them first so explicit times win.
        commitWriter(ino);
      }
      if (req.has(SetAttr.SIZE)) {
        if (fh != 0 && handles.get(fh) instanceof Handle.File f && f.writable()) {
          r = new SetAttr(req.valid(), req.mode(), req.uid(), req.gid(), req.size(), req.atime(), req.mtime(), req.ctime(), true);
        }
      }
      if (req.has(SetAttr.MODE)) {
        cache.forgetSetid(ino); // (a chmod may add setuid/setgid)
      }
      long privStamp = cache.privStamp(ino);
      Attr a = meta.setattr(ctx, ino, r);
      reader.invalidate(ino);
      if (req.has(SetAttr.SIZE | SetAttr.UID | SetAttr.GID)) { // allowed, so now the privileges go
        a = privileges.afterChange(ctx, ino, a, privStamp, dropSuidGid);
      } else {
        cache.putSetid(ino, a, privStamp);
      }
      if (req.has(SetAttr.SIZE)) {
        cache.putSeen(ino, a.mtime(), a.length()); // the kernel truncated its pages too
      }
      return withPending(ino, a);
    });
  }

  @Override
  public String readlink(Ctx ctx, long ino) throws IOException {
    return timed(VfsMeters.Op.READLINK, () -> meta.readlink(ctx, ino));
  }

  @Override
  public Entry mknod(Ctx ctx, long parent, String name, int mode, int umask, int rdev) throws IOException {
    return timed(VfsMeters.Op.MKNOD, () -> {
      FileType t = FileType.ofMode(mode);
      if (t == null || t == FileType.SYMLINK) {
        throw Errno.EINVAL.exception("mknod of mode " + Integer.toOctalString(mode));
      }
      if (t == FileType.DIR) {
        return meta.mkdir(ctx, parent, name, mode & 07777, umask);
      }
      return meta.mknod(ctx, parent, name, t, mode & 07777, umask, rdev);
    });
  }

  @Override
  public Entry mkdir(Ctx ctx, long parent, String name, int mode, int umask) throws IOException {
    return timed(VfsMeters.Op.MKDIR, () -> meta.mkdir(ctx, parent, name, mode & 07777, umask));
  }

  @Override
  public Entry symlink(Ctx ctx, long parent, String name, String target) throws IOException {
    return timed(VfsMeters.Op.SYMLINK, () -> meta.symlink(ctx, parent, name, target));
  }

  private void checkNotInternal(long parent, String name) throws FsException {
    if (parent == Meta.ROOT && cfg.internalFiles() && Internal.inoOf(name) != 0) {
      throw Errno.EPERM.exception(name + " is an internal file");
    }
  }

  @Override
  public void unlink(Ctx ctx, long parent, String name) throws IOException {
    timed(VfsMeters.Op.UNLINK, () -> {
      checkNotInternal(parent, name);
      meta.unlink(ctx, parent, name);
      return null;
    });
  }

  @Override
  public void rmdir(Ctx ctx, long parent, String name) throws IOException {
    timed(VfsMeters.Op.RMDIR, () -> {
      meta.rmdir(ctx, parent, name);
      return null;
    });
  }

  @Override
  public void rename(Ctx ctx, long ps, String ns, long pd, String nd, int flags) throws IOException {
    timed(VfsMeters.Op.RENAME, () -> {
      checkNotInternal(ps, ns);
      checkNotInternal(pd, nd);
      meta.rename(ctx, ps, ns, pd, nd, flags);
      return null;
    });
  }

  @Override
  public Entry link(Ctx ctx, long ino, long newParent, String newName) throws IOException {
    return timed(VfsMeters.Op.LINK, () -> {
      if (Internal.isInternal(ino)) {
        throw Errno.EPERM.exception("internal file");
      }
      return meta.link(ctx, ino, newParent, newName);
    });
  }

  // ---- files ----

  @Override
  public Opened create(Ctx ctx, long parent, String name, int mode, int umask, int flags, boolean dropSuidGid) throws IOException {
    return timed(VfsMeters.Op.CREATE, () -> {
      checkNotInternal(parent, name);
      Entry e;
      try {
        e = meta.mknod(ctx, parent, name, FileType.FILE, mode & 07777, umask, 0);
      } catch (FsException ex) {
        if (ex.errno() != Errno.EEXIST || OpenFlags.has(flags, OpenFlags.O_EXCL)) {
          throw ex;
        }
        e = meta.lookup(ctx, parent, name);
        long fh = open(ctx, e.ino(), flags, dropSuidGid);
        return new Opened(new Entry(e.ino(), getattr(ctx, e.ino())), fh);
      }
      // The creator gets the access it asked for, whatever mode the new file has (open(2) semantics).
      meta.openCreated(e.ino());
      cache.putNoCapability(e.ino(), Long.MIN_VALUE); // a new inode has no extended attributes
      cache.putSetid(e.ino(), e.attr(), Long.MIN_VALUE);
      long fh = register(new Handle.File(e.ino(), flags));
      return new Opened(e, fh);
    });
  }

  /** The per-inode cache (for tests of its bounds). */
  InodeCache cache() {
    return cache;
  }

  /** Whether {@code a} is the version this client last saw; records it either way. */
  private boolean unchangedSinceSeen(long ino, Attr a) {
    long[] before = cache.putSeen(ino, a.mtime(), a.length());
    return before != null && before[0] == a.mtime() && before[1] == a.length();
  }

  /**
   * This client committed its writes to {@code ino}, the last commit leaving the file {@code
   * length} bytes long with {@code mtime} (-1: nothing committed, the file was deleted): the
   * kernel's pages hold that version. From the commits' own answers, not read again: a read could
   * see a later change of another client, which the kernel's pages do not hold.
   */
  void sawOwnChange(long ino, long mtime, long length) {
    if (length < 0) {
      cache.forgetSeen(ino);
    } else {
      cache.putSeen(ino, mtime, length);
    }
  }

  @Override
  public boolean keepCache(long ino, long fh) {
    return handles.get(fh) instanceof Handle.File f && f.ino == ino && f.keepCache;
  }

  /** The copies for passthrough, opened at the first use (null before, or when there is no plain disk cache). */
  private volatile BackingFiles backing;
  private volatile boolean backingTried;

  private BackingFiles backingArea() {
    if (!backingTried) {
      synchronized (this) {
        if (!backingTried) {
          ChunkStore.LocalArea area = chunks.localArea().orElse(null);
          if (area != null && !closed.get()) {
            try {
              backing = new BackingFiles(area.dir(), area.limit());
            } catch (IOException e) {
              log.warn("no passthrough files in {}: {}", area.dir(), e.toString());
            }
          }
          backingTried = true;
        }
      }
    }
    return backing;
  }

  @Override
  public Backing backingFile(Ctx ctx, long ino, long fh) throws IOException {
    if (!(handles.get(fh) instanceof Handle.File f) || f.ino != ino || Internal.isInternal(ino) || f.writable() || !f.readable()) {
      return Backing.none("not-read-only");
    }
    if (writers.containsKey(ino)) {
      return Backing.none("writer");
    }
    BackingFiles area = backingArea();
    if (area == null) {
      return Backing.none("no-cache");
    }
    Attr cached = cache.attr(ino); // the open just cached what it read
    Attr a = cached != null ? cached : meta.getattr(Ctx.ROOT, ino);
    if (a.length() > area.limit()) {
      return Backing.none("too-large");
    }
    if (a.length() < PASSTHROUGH_MIN) {
      return Backing.none("small");
    }
    // the version: the attributes and every chunk's slices; all slices must be cached
    long h = a.mtime() * 31 + a.length();
    long chunkCount = (a.length() + io.nectarfs.meta.Chunks.CHUNK_SIZE - 1) / io.nectarfs.meta.Chunks.CHUNK_SIZE;
    for (int i = 0; i < chunkCount; i++) {
      for (io.nectarfs.meta.Slice sl : reader.resolved(ino, i)) {
        if (sl.id() != 0 && !chunks.cachedLocally(sl.id(), sl.size())) {
          return Backing.none("not-cached");
        }
        h = h * 1_000_003 + sl.hashCode();
      }
      h = h * 31 + i;
    }
    String version = Long.toHexString(a.mtime()) + "-" + Long.toHexString(a.length()) + "-" + Long.toHexString(h);
    java.nio.file.Path p = area.get(ino, version);
    if (p == null) {
      Handle.File scratch = new Handle.File(ino, OpenFlags.O_RDONLY);
      if (a.length() > SYNC_COPY_MAX) { // a large copy would hold up the open: build it for later opens
        area.assembleLater(ino, version, a.length(), ch -> copyInto(Ctx.ROOT, ino, scratch, a.length(), ch));
        return Backing.none("assembling");
      }
      p = area.assemble(ino, version, a.length(), ch -> copyInto(ctx, ino, scratch, a.length(), ch));
    }
    return new Backing(p, null);
  }

  /**
   * Smaller files get no copy: one READ request (up to max_write, 1 MiB) serves them, and a copy per
   * small file would cost a file creation, and an open, an ioctl and a close per open.
   */
  static final long PASSTHROUGH_MIN = 1L << 20;

  /** Files up to this size are copied for passthrough during the open that finds them cached. */
  static final long SYNC_COPY_MAX = 64L << 20;

  private void copyInto(Ctx ctx, long ino, Handle.File scratch, long length, java.nio.channels.FileChannel ch) throws IOException {
    ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
    long off = 0;
    while (off < length) {
      buf.clear().limit((int) Math.min(buf.capacity(), length - off));
      int n = reader.read(ctx, ino, scratch, off, buf);
      if (n <= 0) {
        break;
      }
      buf.flip();
      while (buf.hasRemaining()) {
        ch.write(buf, off + buf.position());
      }
      off += n;
    }
  }

  private long register(Handle h) {
    long fh = nextFh.getAndIncrement();
    handles.put(fh, h);
    if (h instanceof Handle.File) {
      openCounts.merge(h.ino(), 1, Integer::sum);
    }
    reports.opened(fh, h);
    return fh;
  }

  private boolean hasPending(long ino) {
    FileWriter w = writers.get(ino);
    return w != null && w.hasPending();
  }

  @Override
  public void setHandleEvents(HandleEvents events) {
    reports.set(events, handles, this::hasPending, List.copyOf(writers.keySet()));
  }

  @Override
  public void markLostWrites(java.util.Set<Long> inodes) {
    for (Handle h : handles.values()) {
      if (h instanceof Handle.File f && f.writable() && inodes.contains(f.ino)) {
        f.lostWrites = true;
      }
    }
  }

  /** EIO once for a handle whose writes acknowledged before a crash of the previous server were lost. */
  private static void checkLostWrites(Handle h) throws FsException {
    if (h instanceof Handle.File f && f.lostWrites) {
      f.lostWrites = false;
      throw Errno.EIO.exception("writes acknowledged before the mount's server crashed were lost (not committed)");
    }
  }

  @Override
  public long open(Ctx ctx, long ino, int flags, boolean dropSuidGid) throws IOException {
    return timed(VfsMeters.Op.OPEN, () -> {
      if (ino == Internal.CONTROL) {
        return register(new Handle.Control());
      }
      if (Internal.isInternal(ino)) {
        if (OpenFlags.writable(flags)) {
          throw Errno.EACCES.exception("internal files are read-only");
        }
        return register(new Handle.Internal(ino, Internal.content(ino, this)));
      }
      long stamp = cache.stamp(ino);
      long privStamp = cache.privStamp(ino);
      Attr a = meta.open(ctx, ino, flags);
      try {
        if (OpenFlags.has(flags, OpenFlags.O_TRUNC) && OpenFlags.writable(flags)) {
          commitWriter(ino);
          a = meta.setattr(ctx, ino, new SetAttr(SetAttr.SIZE, 0, 0, 0, 0, 0, 0, 0, true));
          a = privileges.afterChange(ctx, ino, a, privStamp, dropSuidGid);
        } else {
          cache.putSetid(ino, a, privStamp);
        }
      } catch (IOException | RuntimeException e) {
        meta.close(ctx, ino);
        throw e;
      }
      // Close-to-open: what others committed is visible from here on. The attributes the open
      // read are cached (unless this client changed the file meanwhile): the first read needs no
      // second round trip.
      cache.reopen(ino, a, stamp);
      if (OpenFlags.readable(flags)) {
        touchAtime(ino, a);
      }
      Handle.File h = new Handle.File(ino, flags);
      h.keepCache = unchangedSinceSeen(ino, a); // the attributes open just read: no second round trip
      return register(h);
    });
  }

  /**
   * Access time at an open for reading, decided from the attributes the open read (no extra
   * metadata read): the kernel serves cached pages without asking us, so reads cannot be counted.
   * The kernel drops its cached attributes of the inode so that stat shows the new time.
   */
  private void touchAtime(long ino, Attr a) {
    long now = clock.nowNanos();
    if (readOnly || !cfg.atimeMode().due(a, now)) {
      return;
    }
    try {
      meta.touchAtime(ino, now);
    } catch (IOException | RuntimeException e) {
      log.debug("access time of inode {} not updated: {}", ino, e.toString());
      return;
    }
    Invalidator inv = invalidator;
    if (inv != null) {
      inv.inode(ino, -1, 0);
    }
  }

  @Override
  public int read(Ctx ctx, long ino, long fh, long off, ByteBuffer dst) throws IOException {
    return timed(VfsMeters.Op.READ, () -> {
      Handle h = handle(fh, ino);
      if (h instanceof Handle.Control c) {
        synchronized (c) {
          long i = c.answerIndex(off);
          if (i >= c.answer.length) {
            return 0;
          }
          int n = (int) Math.min(dst.remaining(), c.answer.length - i);
          dst.put(c.answer, (int) i, n);
          return n;
        }
      }
      if (h instanceof Handle.Internal in) {
        if (off >= in.content().length) {
          return 0;
        }
        int n = (int) Math.min(dst.remaining(), in.content().length - off);
        dst.put(in.content(), (int) off, n);
        return n;
      }
      if (!(h instanceof Handle.File f) || !f.readable()) {
        throw Errno.EBADF.exception("handle " + fh + " is not open for reading");
      }
      if (off < 0) {
        throw Errno.EINVAL.exception("negative offset");
      }
      commitWriter(ino); // read-your-writes
      int n = reader.read(ctx, ino, f, off, dst);
      meters.readBytes.increment(n);
      return n;
    });
  }

  @Override
  public int write(Ctx ctx, long ino, long fh, long off, ByteBuffer src, boolean dropSuidGid) throws IOException {
    return timed(VfsMeters.Op.WRITE, () -> {
      Handle h = handle(fh, ino);
      if (h instanceof Handle.Control c) {
        return Control.write(this, ctx, c, off, src);
      }
      if (!(h instanceof Handle.File f) || !f.writable()) {
        throw Errno.EBADF.exception("handle " + fh + " is not open for writing");
      }
      if (off < 0) {
        throw Errno.EINVAL.exception("negative offset");
      }
      ctx.checkCancelled();
      privileges.beforeWrite(ctx, ino, dropSuidGid);
      int n = src.remaining();
      FileWriter w = writers.computeIfAbsent(ino, i -> new FileWriter(i, this));
      while (!w.write(ctx, off, src, f.append())) { // (an append's offset is fixed when it is committed)
        writers.remove(ino, w); // retired by another handle's last release meanwhile
        w = writers.computeIfAbsent(ino, i -> new FileWriter(i, this));
      }
      reports.wrote(ino);
      reader.invalidate(ino);
      if (OpenFlags.has(f.flags, OpenFlags.O_DSYNC)) { // O_SYNC or O_DSYNC: durable before write(2) returns
        w.flush();
        w.syncCommitted();
      }
      n -= src.remaining(); // short when cancelled part-way (FileWriter#write)
      meters.writeBytes.increment(n);
      return n;
    });
  }

  /**
   * Commits the inode's pending writes (they become visible to reads and to the metadata), without
   * the durability barrier: what needs no durability promise (a read of one's own writes, setattr,
   * lseek...) pays no sync; the writer's next flush, fsync or release makes the commit durable.
   */
  private void commitWriter(long ino) throws IOException {
    FileWriter w = writers.get(ino);
    if (w != null) {
      w.flush();
    }
  }

  /**
   * Commits the inode's pending writes and makes every commit of its writer durable; returns
   * whether that took a metadata sync (which covers every commit so far, not only the writer's).
   */
  private boolean flushWriter(long ino) throws IOException {
    FileWriter w = writers.get(ino);
    if (w != null) {
      w.flush();
      if (w.syncCommitted()) {
        syncOwed = false;
        return true;
      }
    }
    if (syncOwed) { // what the predecessor committed may not be durable yet
      meta.sync();
      syncOwed = false;
      return true;
    }
    return false;
  }

  @Override
  public void flush(Ctx ctx, long ino, long fh, long lockOwner) throws IOException {
    timed(VfsMeters.Op.FLUSH, () -> {
      Handle h = handle(fh, ino);
      if (h instanceof Handle.File) {
        try {
          checkLostWrites(h);
          if (cfg.closeDurable()) {
            flushWriter(ino);
          } else {
            commitWriter(ino); // --durability fsync: a close commits, fsync makes durable
          }
          reports.committed(ino, this::hasPending);
        } finally {
          if (lockOwner != 0) {
            meta.releaseLocks(ctx, ino, lockOwner); // close(2) drops the process's POSIX locks
          }
        }
      }
      return null;
    });
  }

  @Override
  public void fsync(Ctx ctx, long ino, long fh, boolean dataOnly) throws IOException {
    timed(VfsMeters.Op.FSYNC, () -> {
      checkLostWrites(handle(fh, ino)); // a file or directory handle (fsyncdir comes here too)
      if (!flushWriter(ino)) {
        meta.sync(); // fsync(2) promises the file's metadata too (and fsyncdir its entries)
      }
      reports.committed(ino, this::hasPending);
      return null;
    });
  }

  @Override
  public void sync() throws IOException {
    meta.sync();
  }

  @Override
  public void release(Ctx ctx, long ino, long fh) throws IOException {
    timed(VfsMeters.Op.RELEASE, () -> {
      Handle h = handles.remove(fh);
      if (h == null) {
        throw Errno.EBADF.exception("file handle " + fh);
      }
      reports.released(fh, h);
      if (!(h instanceof Handle.File)) {
        return null;
      }
      IOException failure = null;
      Integer left = openCounts.computeIfPresent(ino, (k, n) -> n <= 1 ? null : n - 1);
      if (left == null) {
        FileWriter w = writers.get(ino);
        if (w != null) {
          try {
            w.retire();
            if (cfg.closeDurable()) {
              w.syncCommitted();
            }
          } catch (IOException e) {
            failure = e;
            w.abort();
          }
          writers.remove(ino, w);
        }
      }
      meta.close(ctx, ino);
      if (failure != null) {
        throw failure;
      }
      return null;
    });
  }

  // ---- directories ----

  @Override
  public long opendir(Ctx ctx, long ino, int flags) throws IOException {
    return timed(VfsMeters.Op.OPENDIR, () -> {
      // Registered as an open in the metadata, so a directory removed while open keeps
      // answering fstat (nlink 0) until releasedir.
      Attr a = meta.open(ctx, ino, OpenFlags.O_RDONLY);
      if (!a.isDir()) {
        meta.close(ctx, ino);
        throw Errno.ENOTDIR.exception("inode " + ino);
      }
      touchAtime(ino, a);
      return register(new Handle.Dir(ino));
    });
  }

  @Override
  public List<DirEntryAt> readdir(Ctx ctx, long ino, long fh, long offset, int max, boolean plus) throws IOException {
    return timed(VfsMeters.Op.READDIR, () -> {
      if (!(handle(fh, ino) instanceof Handle.Dir d)) {
        throw Errno.EBADF.exception("handle " + fh + " is not a directory");
      }
      synchronized (d) {
        if (offset == 0 || d.entries.isEmpty()) { // empty: a handle recovered after a crash, listed anew
          d.entries.clear();
          d.complete = false;
          d.lastName = "";
          Attr self = meta.getattr(ctx, ino);
          long parentIno = ino == Meta.ROOT ? Meta.ROOT : self.parent();
          d.entries.add(new DirEntryAt(".", ino, FileType.DIR.dtype(), plus ? self : null, 1));
          Attr up = plus ? safeAttr(ctx, parentIno) : null;
          d.entries.add(new DirEntryAt("..", parentIno, FileType.DIR.dtype(), up, 2));
        }
        while (!d.complete && d.entries.size() < offset + max) {
          List<DirEntry> page = meta.readdir(ctx, ino, d.lastName, DIR_PAGE, plus);
          for (DirEntry e : page) {
            d.entries.add(new DirEntryAt(e.name(), e.ino(), e.type().dtype(), e.attr() == null ? null : withPending(e.ino(), e.attr()), d.entries.size() + 1));
            d.lastName = e.name();
          }
          if (page.size() < DIR_PAGE) {
            d.complete = true;
          }
        }
        int from = (int) Math.min(offset, d.entries.size());
        int to = (int) Math.min(d.entries.size(), from + (long) max);
        List<DirEntryAt> out = new ArrayList<>(d.entries.subList(from, to));
        if (plus) { // entries of a snapshot taken over from a predecessor carry no attributes
          for (int i = 0; i < out.size(); i++) {
            DirEntryAt e = out.get(i);
            if (e.attr() == null && !e.name().equals(".") && !e.name().equals("..")) {
              Attr a = safeAttr(ctx, e.ino());
              out.set(i, new DirEntryAt(e.name(), e.ino(), e.dtype(), a == null ? null : withPending(e.ino(), a), e.offset()));
            }
          }
        }
        return out;
      }
    });
  }

  @Override
  public List<DirEntry> readdirAfter(Ctx ctx, long ino, String after, int limit) throws IOException {
    return timed(VfsMeters.Op.READDIR, () -> {
      List<DirEntry> page = meta.readdir(ctx, ino, after, limit, true);
      List<DirEntry> out = new ArrayList<>(page.size());
      for (DirEntry e : page) {
        out.add(writers.containsKey(e.ino()) ? new DirEntry(e.name(), e.ino(), e.type(), withPending(e.ino(), e.attr())) : e);
      }
      return out;
    });
  }

  @Override
  public io.nectarfs.meta.DirStats summary(Ctx ctx, long ino) throws IOException {
    return timed(VfsMeters.Op.SUMMARY, () -> meta.summary(ctx, ino));
  }

  @Override
  public io.nectarfs.meta.Quota getQuota(Ctx ctx, long ino) throws IOException {
    return meta.getQuota(ctx, ino);
  }

  @Override
  public io.nectarfs.meta.Quota setQuota(Ctx ctx, long ino, long maxSpace, long maxInodes) throws IOException {
    return meta.setQuota(ctx, ino, maxSpace, maxInodes);
  }

  @Override
  public boolean removeQuota(Ctx ctx, long ino) throws IOException {
    return meta.removeQuota(ctx, ino);
  }

  private Attr safeAttr(Ctx ctx, long ino) {
    try {
      return meta.getattr(ctx, ino);
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void releasedir(Ctx ctx, long ino, long fh) throws IOException {
    Handle h = handles.remove(fh);
    if (h == null) {
      throw Errno.EBADF.exception("directory handle " + fh);
    }
    reports.released(fh, h);
    meta.close(ctx, ino);
  }

  @Override
  public StatFs statfs(Ctx ctx, long ino) throws IOException {
    return timed(VfsMeters.Op.STATFS, () -> meta.statfs(ctx, ino));
  }

  @Override
  public void access(Ctx ctx, long ino, int mask) throws IOException {
    timed(VfsMeters.Op.ACCESS, () -> {
      if (Internal.isInternal(ino)) {
        if ((mask & 3) != 0 && ino != Internal.CONTROL) {
          throw Errno.EACCES.exception("internal files are read-only");
        }
        return null;
      }
      meta.access(ctx, ino, mask);
      return null;
    });
  }

  // ---- extended attributes ----

  @Override
  public byte[] getxattr(Ctx ctx, long ino, String name) throws IOException {
    if (Internal.isInternal(ino)) {
      throw Errno.ENODATA.exception(name);
    }
    if (name.equals(CAPABILITY)) {
      return timed(VfsMeters.Op.GETXATTR, () -> capability(ctx, ino));
    }
    return timed(VfsMeters.Op.GETXATTR, () -> meta.getxattr(ctx, ino, name));
  }

  /** The attribute the kernel asks for before a write(2) (file_remove_privs) and at exec. */
  static final String CAPABILITY = Privileges.CAPABILITY;

  /**
   * {@code security.capability} of {@code ino}, answered ENODATA from the per-inode cache when the
   * inode is known to have none: created by this client, or the metadata said so within {@code
   * attrCache}. This client's setxattr and removexattr forget that; another client's setxattr may
   * stay unseen for up to {@code attrCache}, the staleness window attributes already have.
   */
  private byte[] capability(Ctx ctx, long ino) throws IOException {
    if (cache.noCapability(ino)) {
      throw Errno.ENODATA.exception(CAPABILITY);
    }
    long stamp = cache.privStamp(ino);
    try {
      return meta.getxattr(ctx, ino, CAPABILITY);
    } catch (FsException e) {
      if (e.errno() == Errno.ENODATA) {
        cache.putNoCapability(ino, stamp);
      }
      throw e;
    }
  }

  @Override
  public List<String> listxattr(Ctx ctx, long ino) throws IOException {
    if (Internal.isInternal(ino)) {
      return List.of();
    }
    return timed(VfsMeters.Op.LISTXATTR, () -> meta.listxattr(ctx, ino));
  }

  @Override
  public void setxattr(Ctx ctx, long ino, String name, byte[] value, int flags) throws IOException {
    if (Internal.isInternal(ino)) {
      throw Errno.EPERM.exception("internal file");
    }
    timed(VfsMeters.Op.SETXATTR, () -> {
      cache.forgetXattrs(ino);
      try {
        meta.setxattr(ctx, ino, name, value, flags);
      } finally {
        cache.forgetXattrs(ino); // and after: a reader's put of what it read before this commit is refused
      }
      return null;
    });
  }

  @Override
  public void removexattr(Ctx ctx, long ino, String name) throws IOException {
    if (Internal.isInternal(ino)) {
      throw Errno.EPERM.exception("internal file");
    }
    timed(VfsMeters.Op.REMOVEXATTR, () -> {
      cache.forgetXattrs(ino);
      try {
        meta.removexattr(ctx, ino, name);
      } finally {
        cache.forgetXattrs(ino);
      }
      return null;
    });
  }

  // ---- data-mapping operations ----

  @Override
  public void fallocate(Ctx ctx, long ino, long fh, int mode, long off, long len) throws IOException {
    timed(VfsMeters.Op.FALLOCATE, () -> {
      if (!(handle(fh, ino) instanceof Handle.File f) || !f.writable()) {
        throw Errno.EBADF.exception("handle " + fh + " is not open for writing");
      }
      commitWriter(ino);
      meta.fallocate(ctx, ino, mode, off, len);
      reader.invalidate(ino);
      return null;
    });
  }

  @Override
  public long copyFileRange(Ctx ctx, long inoIn, long fhIn, long offIn, long inoOut, long fhOut, long offOut, long len, int flags) throws IOException {
    return timed(VfsMeters.Op.COPY_FILE_RANGE, () -> {
      if (flags != 0) {
        throw Errno.EINVAL.exception("copy_file_range flags " + flags);
      }
      if (!(handle(fhIn, inoIn) instanceof Handle.File in) || !in.readable()) {
        throw Errno.EBADF.exception("handle " + fhIn + " is not open for reading");
      }
      if (!(handle(fhOut, inoOut) instanceof Handle.File out) || !out.writable()) {
        throw Errno.EBADF.exception("handle " + fhOut + " is not open for writing");
      }
      commitWriter(inoIn);
      commitWriter(inoOut);
      long n = meta.copyFileRange(ctx, inoIn, offIn, inoOut, offOut, len);
      reader.invalidate(inoOut);
      return n;
    });
  }

  @Override
  public long lseek(Ctx ctx, long ino, long fh, long off, int whence) throws IOException {
    return timed(VfsMeters.Op.LSEEK, () -> {
      if (!(handle(fh, ino) instanceof Handle.File)) {
        throw Errno.EBADF.exception("handle " + fh);
      }
      commitWriter(ino);
      return reader.seekDataOrHole(ino, off, whence == 3);
    });
  }

  // ---- locks: kept in the metadata, so they hold across clients ----

  @Override
  public Lock getlk(Ctx ctx, long ino, long fh, long owner, Lock lock) throws IOException {
    return timed(VfsMeters.Op.GETLK, () -> {
      handle(fh, ino);
      io.nectarfs.meta.PosixLock p = meta.getlk(ctx, ino, owner, lock.type(), lock.start(), lock.end(), lock.pid());
      return new Lock(p.type(), p.start(), p.end(), p.pid());
    });
  }

  @Override
  public void setlk(Ctx ctx, long ino, long fh, long owner, Lock lock, boolean wait) throws IOException {
    timed(VfsMeters.Op.SETLK, () -> {
      handle(fh, ino);
      meta.setlk(ctx, ino, owner, lock.type(), lock.start(), lock.end(), lock.pid(), wait);
      return null;
    });
  }

  @Override
  public void flock(Ctx ctx, long ino, long fh, long owner, int op, boolean wait) throws IOException {
    timed(VfsMeters.Op.FLOCK, () -> {
      handle(fh, ino);
      int type = switch (op & ~4) { // LOCK_NB is passed as 'wait'
        case 1 -> Meta.F_RDLCK;
        case 2 -> Meta.F_WRLCK;
        case 8 -> Meta.F_UNLCK;
        default -> throw Errno.EINVAL.exception("flock operation " + op);
      };
      meta.flock(ctx, ino, owner, type, wait);
      return null;
    });
  }

  @Override
  public void setReadOnly(boolean readOnly) {
    this.readOnly = readOnly;
  }
  /** Whether the mount is read-only now ({@link #setReadOnly}). */
  boolean readOnly() {
    return readOnly;
  }

  @Override
  public byte[] control(Ctx ctx, long ino, long fh, String request) throws IOException {
    if (!(handle(fh, ino) instanceof Handle.Control)) {
      throw Errno.ENOTTY.exception("only " + Control.NAME + " takes ioctl requests");
    }
    return Control.ask(this, ctx, request);
  }


  @Override
  public void setInvalidator(Invalidator invalidator) {
    this.invalidator = invalidator;
  }

  // ---- internal files ----

  /** The {@code /.stats} file: every meter of the process registry, Prometheus text format. */
  String statsText() {
    return meters.metrics().scrape();
  }

  String configText() {
    var f = meta.format();
    return "{\n  \"volume\": \"" + f.name() + "\",\n  \"uuid\": \"" + f.uuid() + "\",\n  \"blockSize\": " + f.blockSize()
        + ",\n  \"readAheadMax\": " + cfg.readAheadMax() + ",\n  \"compactThreshold\": " + cfg.compactThreshold()
        + ",\n  \"flushIdleMillis\": " + cfg.flushIdle().toMillis() + ",\n  \"atimeMode\": \"" + cfg.atimeMode().name().toLowerCase(java.util.Locale.ROOT)
        + "\",\n  \"readOnly\": " + readOnly + ",\n  \"sessionId\": " + meta.sessionId()
        + (meta.describe() != null
            ? ",\n  \"meta\": \"" + publishedMetaUrl(meta.describe()).replace("\\", "\\\\").replace("\"", "\\\"") + "\""
            : "")
        + "\n}\n";
  }

  /**
   * The metadata URL as {@code .config} shows it to every user of the mount: without password or
   * secret parameters (the user name kept), so {@code nectar info/summary MOUNT-PATH} can open the
   * volume with credentials from their own environment.
   */
  static String publishedMetaUrl(String url) {
    String plain = io.nectarfs.common.Uris.withoutCredentials(url);
    try {
      String user = io.nectarfs.common.Url.parse(url, "metadata URL", "").user();
      if (user != null && user.matches("[A-Za-z0-9._-]+")) {
        return plain.replaceFirst("://", "://" + user + "@");
      }
    } catch (IOException | RuntimeException e) {
      // no user, or a path-form URL: the plain form is all there is
    }
    return plain;
  }

  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
  /** Set by {@link #exportHandles}: the close then hands the metadata session over instead of ending it. */
  private volatile boolean handedOver;
  /**
   * Set by {@link #importHandles}: the predecessor (crashed, or handing over) may have committed
   * data without a sync that this VFS's writers do not know of, so the next close or fsync syncs
   * whatever its own writers did ({@link #flushWriter}); cleared by that sync.
   */
  private volatile boolean syncOwed;

  @Override
  public void commitPending() throws IOException {
    commitPending(true);
  }

  /** Commits every writer's pending data; {@code durable}: and makes every commit so far durable, not only the writers'. */
  private void commitPending(boolean durable) throws IOException {
    for (FileWriter w : List.copyOf(writers.values())) {
      w.flush();
      if (durable) {
        w.syncCommitted(); // the writer then knows its commits are durable (its next close needs no sync)
      }
    }
    if (durable) {
      meta.sync();
    }
  }

  @Override
  public synchronized HandleTable exportHandles(boolean durable) throws IOException {
    if (closed.get() || handedOver) {
      throw new IllegalStateException("the VFS is closed or already handed over");
    }
    // Writers first, while nothing is changed: a failure leaves this VFS serving as before.
    commitPending(durable);
    List<HandleTable.Open> out = new ArrayList<>(handles.size());
    for (Map.Entry<Long, Handle> e : handles.entrySet()) {
      long fh = e.getKey();
      out.add(switch (e.getValue()) {
        case Handle.File f -> new HandleTable.File(fh, f.ino, f.flags);
        case Handle.Dir d -> {
          synchronized (d) {
            List<HandleTable.Entry> names = new ArrayList<>(d.entries.size());
            for (DirEntryAt x : d.entries) {
              names.add(new HandleTable.Entry(x.name(), x.ino(), x.dtype()));
            }
            yield new HandleTable.Dir(fh, d.ino, names, d.complete, d.lastName);
          }
        }
        case Handle.Internal in -> new HandleTable.Internal(fh, in.ino(), in.content());
        case Handle.Control c -> {
          synchronized (c) {
            yield new HandleTable.Control(fh, c.request.toByteArray(), c.answer, c.answerBase);
          }
        }
      });
    }
    handedOver = true;
    log.info("handing over {} open handles of metadata session {}", out.size(), meta.sessionId());
    return new HandleTable(meta.sessionId(), nextFh.get(), out);
  }

  @Override
  public synchronized void importHandles(HandleTable table) throws IOException {
    if (table.sessionId() != meta.sessionId()) {
      throw Errno.EINVAL.exception("the handles belong to metadata session " + table.sessionId() + ", this client has session "
          + meta.sessionId() + " (open the volume resuming that session)");
    }
    if (!handles.isEmpty()) {
      throw Errno.EBUSY.exception("handles can be taken over only by a VFS with none open");
    }
    syncOwed = true;
    for (HandleTable.Open o : table.handles()) {
      Handle h = switch (o) {
        case HandleTable.File f -> {
          meta.openCreated(f.ino()); // the open the predecessor made, now this client's
          openCounts.merge(f.ino(), 1, Integer::sum);
          yield new Handle.File(f.ino(), f.flags());
        }
        case HandleTable.Dir d -> {
          meta.openCreated(d.ino());
          Handle.Dir x = new Handle.Dir(d.ino());
          for (HandleTable.Entry e : d.entries()) {
            x.entries.add(new DirEntryAt(e.name(), e.ino(), e.dtype(), null, x.entries.size() + 1));
          }
          x.complete = d.complete();
          x.lastName = d.lastName();
          yield x;
        }
        case HandleTable.Internal in -> new Handle.Internal(in.ino(), in.content());
        case HandleTable.Control c -> {
          Handle.Control x = new Handle.Control();
          x.request.writeBytes(c.request());
          x.answer = c.answer();
          x.answerBase = c.answerBase();
          yield x;
        }
      };
      handles.put(o.fh(), h);
    }
    nextFh.accumulateAndGet(table.nextFh(), Math::max);
    log.info("took over {} open handles of metadata session {}", table.handles().size(), table.sessionId());
  }

  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    background.shutdownNow();
    IOException first = null;
    for (FileWriter w : writers.values()) {
      try {
        w.flush();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        }
        log.warn("could not commit pending writes at shutdown: {}", e.getMessage());
      }
    }
    writers.clear();
    WriteJournal j = journal;
    journal = null;
    if (j != null) {
      j.close();
    }
    compactor.close();
    BackingFiles b = backing;
    if (b != null) {
      try {
        b.close();
      } catch (IOException e) {
        log.debug("passthrough files not removed: {}", e.toString());
      }
    }
    try {
      chunks.close();
    } catch (IOException e) {
      first = first == null ? e : first;
    }
    try {
      if (handedOver && meta.sessionId() != 0) {
        meta.handOver(); // the successor resumes the session: nothing it holds is released
      } else {
        meta.close();
      }
    } catch (IOException e) {
      first = first == null ? e : first;
    }
    if (first != null) {
      throw first;
    }
  }
}
