package io.nectarfs.volume;

import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.chunk.ChunkStores;
import io.nectarfs.common.Metrics;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.kv.MeteredTxnKv;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import io.nectarfs.object.StoredForm;
import io.nectarfs.vfs.HandleTable;
import io.nectarfs.vfs.Vfs;
import io.nectarfs.vfs.Vfses;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One open volume: the only place that assembles a client (metadata session, object storage,
 * chunk store, VFS) for a process. Every front end (CLI, mount, benchmarks, gateway, Hadoop, CSI
 * mount pods) opens volumes here; the architecture test forbids wiring the layers anywhere else.
 *
 * <h2>Opening</h2>
 *
 * {@link #open} connects to the metadata engine at the META-URL, loads the format record, starts
 * the session (none when read-only) and its background jobs, checks the storage's {@link
 * VolumeMarker} (claiming a missing marker unless read-only: read-only opens never write), opens
 * the object storage with the format's decorators, the chunk store (asking {@link
 * VolumeOptions#blockSource()} before the object store when set), registers the chunk store as
 * the metadata's {@link io.nectarfs.meta.Meta#onSliceFreed freed-slice listener} (slices freed
 * before that wait in the durable deletion queue) and opens the VFS, restricted to {@link
 * VolumeOptions#subdir()} and behind the {@link VolumeOptions#identity()} mapping. Every layer
 * records in one registry ({@link VolumeOptions#metrics()}, or one the volume creates), tagged
 * {@code volume} (name) and {@code mountpoint} (client name): the engine behind {@link
 * MeteredTxnKv} (per attempt), the namespace operations the VFS calls ({@link
 * MetaClient#metered}, per operation), the storage stack under {@link ObjectStores#metered}, the chunk store and VFS
 * registering their own meters. When a step fails, everything opened before it is closed (the
 * session ends) and the failure is rethrown.
 *
 * <h2>Closing</h2>
 *
 * {@link #close} is idempotent. Order: the VFS commits written data of every open writer and
 * stops its background work, the chunk store finishes uploads and drains writeback staging (what
 * cannot be uploaded in time stays staged for the next start), the metadata session ends (open
 * unlinked files freed, usage folded), then the object storage closes.
 *
 * <p>After {@link Vfs#exportHandles} (see {@link #handOver}) the close keeps the metadata session
 * for a successor instead of ending it.
 *
 * <p>Concurrency: the handle is immutable after {@link #open}; its parts are thread-safe. {@link
 * #close} may race with itself (one caller closes) but must not race with operations in flight.
 */
public final class Volume implements AutoCloseable {
  private final MetaClient meta;
  private final ObjectStore storage;
  private final ChunkStore chunks;
  private final Vfs vfs;
  private final Metrics metrics;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Volume(MetaClient meta, ObjectStore storage, ChunkStore chunks, Vfs vfs, Metrics metrics) {
    this.metrics = metrics;
    this.meta = meta;
    this.storage = storage;
    this.chunks = chunks;
    this.vfs = vfs;
  }

  /**
   * Opens the volume whose metadata lives at {@code metaUrl}: {@link #prepare} then {@link
   * Prepared#bind} with {@link VolumeOptions#resumeSession()}.
   *
   * @throws IOException one line: no volume formatted at the URL, an engine or storage that cannot
   *     be reached, storage that belongs to another volume, a subdir that is not a directory
   *     ({@link io.nectarfs.common.FsException} ENOENT/ENOTDIR)
   */
  public static Volume open(String metaUrl, VolumeOptions options) throws IOException {
    Prepared p = prepare(metaUrl, options);
    try {
      return p.bind(options.readOnly() ? 0 : options.resumeSession());
    } catch (IOException | RuntimeException e) {
      closeQuietly(p, e);
      throw e;
    }
  }

  /**
   * The first phase of opening: everything that does not need the metadata session (engine
   * connection, format, object storage and its probe, chunk store with its disk cache scan,
   * metrics registrations, VFS construction), so that a takeover's successor does it before the
   * predecessor stops serving and only {@link Prepared#bind} falls in the pause. {@link
   * VolumeOptions#resumeSession()} is not used here. With writeback staging the chunk store and
   * the VFS open in {@link Prepared#bind} instead: the staging recovery would queue blocks a
   * running predecessor is still uploading from the same directory.
   *
   * @throws IOException as {@link #open}
   */
  public static Prepared prepare(String metaUrl, VolumeOptions options) throws IOException {
    TxnKv kv = Volumes.existingEngine(metaUrl, options.secrets());
    Metrics metrics;
    MetaClient meta;
    try {
      Format known = MetaClient.loadFormat(kv); // null: MetaClient.openUnbound explains
      metrics = options.metrics() != null ? options.metrics() : Metrics.create();
      metrics.addCommonTags("volume", known == null ? "" : known.name(), "mountpoint", options.clientName());
      meta = MetaClient.openUnbound(MeteredTxnKv.wrap(kv, metrics), metaConfig(options, metrics), known);
    } catch (IOException | RuntimeException e) {
      closeQuietly(kv, e);
      throw e;
    }
    Prepared p = new Prepared(options, meta, metrics);
    try {
      Format f = meta.format();
      ObjectStore raw = Volumes.storage(f, !options.readOnly(), options.secrets(), options.storeTuning());
      p.storage = raw;
      if (!options.readOnly() && options.checkStorage()) {
        Volumes.checkWritable(raw, f); // before any caller is told the volume is open (not counted in the metrics)
      }
      p.storage = ObjectStores.metered(raw, metrics);
      if (!(options.cache().writeback() && !options.readOnly())) {
        p.assemble();
      }
      return p;
    } catch (IOException | RuntimeException e) {
      closeQuietly(p, e);
      throw e;
    }
  }

  /**
   * A volume opened up to its metadata session ({@link #prepare}): {@link #bind} makes it a
   * {@link Volume}, {@link #close} (when not bound) closes what was opened without touching any
   * session. Not thread-safe: one owner.
   */
  public static final class Prepared implements AutoCloseable {
    private final VolumeOptions options;
    private final MetaClient meta;
    private final Metrics metrics;
    private ObjectStore storage;
    private ChunkStore chunks;
    private Vfs inner;
    private Vfs served;
    private boolean bound;
    private boolean closed;

    private Prepared(VolumeOptions options, MetaClient meta, Metrics metrics) {
      this.options = options;
      this.meta = meta;
      this.metrics = metrics;
    }

    /** The volume's format record. */
    public Format format() {
      return meta.format();
    }

    /**
     * The VFS front ends will serve, for warming up code paths that do not touch the volume
     * (constructing a server over it); no operation may be called before {@link #bind}. Null
     * with writeback staging (assembled at bind).
     */
    public Vfs vfs() {
      return served;
    }

    /** The chunk store, with small files' inline slices in front, and the VFS over it. */
    private void assemble() throws IOException {
      Format f = meta.format();
      // Compressed or encrypted objects are decoded whole, so a ranged GET costs the whole block.
      boolean rangedReads = StoreOptions.Compression.parse(f.compression()) == StoreOptions.Compression.NONE && f.encryptKeyPem() == null;
      // A file:// store on the cache's own disk: a cached copy of what reads fetch would only double the disk's work.
      boolean cacheOnRead = !LocalStorage.sharesDeviceWithCache(f.storage(), options.cache().cacheDirs());
      ChunkStore raw = ChunkStores.open(storage,
          options.cache().chunkConfig(f.blockSize(), f.uuid()).withRangedReads(rangedReads).withCacheOnRead(cacheOnRead), options.vfsClock(),
          metrics, options.blockSource());
      // Slices of small files live in the metadata, in the form the object store stack would store them.
      chunks = Vfses.withInlineSlices(meta, raw, StoredForm.of(Volumes.storeOptions(f), options.secrets()));
      meta.onSliceFreed(chunks::remove);
      inner = Vfses.open(meta.metered(metrics), chunks, options.vfsConfig(), options.vfsClock(), metrics);
      if (options.readOnly()) {
        inner.setReadOnly(true);
      }
      Vfs v = options.subdir() == null ? inner : Vfses.subdir(inner, options.subdir());
      if (!options.identity().isIdentity()) {
        v = new MappedVfs(v, options.identity());
      }
      if (options.vfsConfig().internalFiles()) {
        v = Vfses.withAccessLog(v, options.vfsClock()); // outermost: callers as the kernel sends them
      }
      served = v;
    }

    /**
     * For a process that will resume a session ({@link #bind} with a session id: a takeover's
     * successor, a recovering worker): runs one transaction that changes nothing and loads the
     * session record's codec, so the resume in its pause runs on warm code.
     */
    public void warmUpResume() throws IOException {
      if (!options.readOnly()) {
        meta.warmUpTransactions();
      }
    }

    /**
     * The second phase: binds the metadata session (a new one for {@code resumeSession} 0, else
     * the predecessor's, see {@link VolumeOptions#withResumeSession}) and returns the open volume,
     * which owns everything from now on. If it fails, nothing of a resumed session is released
     * (another try may resume it) and this stays to be closed. A resumed session also re-reads the
     * disk cache in the background ({@link ChunkStore#rescanLocalCache}): the predecessor went on
     * caching into it after this prepared.
     *
     * @throws IOException the session cannot be resumed, or (writeback staging) the chunk store or
     *     the subdir cannot be opened
     */
    public Volume bind(long resumeSession) throws IOException {
      Volume v = bindSession(resumeSession);
      if (resumeSession != 0) {
        v.chunks().rescanLocalCache(); // the predecessor cached and evicted since this prepared
      }
      return v;
    }

    /**
     * {@link #bind(long)}, but a resumed session's disk cache is not re-read: the caller does it
     * ({@code volume.chunks().rescanLocalCache()}) once the pause it binds in is over (a takeover
     * or a crash recovery: the re-read stats every cached block, work that competed with the
     * pause for the CPU and the disk).
     */
    public Volume bindWithoutRescan(long resumeSession) throws IOException {
      return bindSession(resumeSession);
    }

    private Volume bindSession(long resumeSession) throws IOException {
      if (bound || closed) {
        throw new IllegalStateException("this prepared volume was already bound or closed");
      }
      if (served == null) {
        assemble();
      }
      long t0 = System.nanoTime();
      meta.bindSession(options.readOnly() ? 0 : resumeSession);
      org.slf4j.LoggerFactory.getLogger(Volume.class).debug("session bound in {} ms", (System.nanoTime() - t0) / 1_000_000);
      bound = true;
      return new Volume(meta, storage, chunks, served, metrics);
    }

    /** Closes what was opened, unless bound (then the volume owns it); no session is touched. */
    @Override
    public void close() throws IOException {
      if (bound || closed) {
        return;
      }
      closed = true;
      IOException first = null;
      try {
        if (inner != null) {
          inner.close(); // the VFS owns the chunk store and the metadata client
        } else {
          try {
            if (chunks != null) {
              chunks.close();
            }
          } finally {
            meta.close();
          }
        }
      } catch (IOException e) {
        first = e;
      }
      if (storage != null) {
        try {
          storage.close();
        } catch (IOException e) {
          first = first == null ? e : first;
        }
      }
      if (first != null) {
        throw first;
      }
    }
  }

  /**
   * A metadata-only client of the volume at {@code metaUrl} for administration that needs no
   * storage (status, fsck, dump, quota, restore, metadata benchmarks): a session unless
   * read-only, background jobs as {@link VolumeOptions#backgroundJobs()} says. It registers no
   * freed-slice listener, so the objects of slices it frees are deleted by a data client later.
   * The caller closes it (that closes the engine connection).
   */
  public static MetaClient openMeta(String metaUrl, VolumeOptions options) throws IOException {
    TxnKv kv = Volumes.existingEngine(metaUrl, options.secrets());
    try {
      Metrics metrics = options.metrics() != null ? options.metrics() : Metrics.disabled();
      return openMeta(metrics.enabled() ? MeteredTxnKv.wrap(kv, metrics) : kv, options, metrics);
    } catch (IOException | RuntimeException e) {
      closeQuietly(kv, e);
      throw e;
    }
  }

  private static MetaClient openMeta(TxnKv kv, VolumeOptions options, Metrics metrics) throws IOException {
    return MetaClient.open(kv, metaConfig(options, metrics));
  }

  private static MetaConfig metaConfig(VolumeOptions options, Metrics metrics) {
    return MetaConfig.defaults()
        .withReadOnly(options.readOnly())
        .withBackground(options.backgroundJobs())
        .withHeartbeat(options.heartbeat())
        .withFreeDelay(options.sliceFreeDelay())
        .withMountPoint(options.clientName())
        .withMetrics(metrics)
        .withResumeSession(options.readOnly() ? 0 : options.resumeSession());
  }

  /** The volume's format record as this client loaded it. */
  public Format format() {
    return meta.format();
  }

  /** The metadata client (whole volume, no identity mapping: administration and tools). */
  public MetaClient meta() {
    return meta;
  }

  /** The registry every layer of this volume records in (the process one, or the volume's own). */
  public Metrics metrics() {
    return metrics;
  }

  /** The VFS front ends serve: the subdir as its root, callers mapped by the identity mapping. */
  public Vfs vfs() {
    return vfs;
  }

  /** The volume's object storage (under its prefix, with its decorators). */
  public ObjectStore storage() {
    return storage;
  }

  /**
   * The volume's chunk store (with small files' inline slices in front): a cache group member
   * serves peers through its {@link ChunkStore#readBlock}, {@link ChunkStore#hasBlock} and {@link
   * ChunkStore#warmBlock}. Owned by the volume: closed by {@link #close}.
   */
  public ChunkStore chunks() {
    return chunks;
  }

  /** The path API over {@link #vfs()}. */
  public FileSystem fileSystem() {
    return new FileSystem(vfs);
  }

  /**
   * Planned handover of this volume's client to a successor (a takeover of the mount): the VFS
   * commits and makes durable every writer's data and returns its handle table, then the volume
   * closes as {@link #close} does except that the metadata session stays (nothing it holds is
   * released) for the successor, which opens the volume with {@link
   * VolumeOptions#withResumeSession} and the table's {@link HandleTable#sessionId} and imports the
   * table ({@link Vfs#importHandles}). The caller has stopped every request first (the FUSE server
   * detached). If the export fails, nothing was closed and the volume keeps serving.
   */
  public HandleTable handOver() throws IOException {
    HandleTable t = vfs.exportHandles();
    close();
    return t;
  }

  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    IOException first = null;
    try {
      vfs.close(); // writers, VFS background, chunk store (staging drained), metadata session
    } catch (IOException e) {
      first = e;
    }
    try {
      storage.close();
    } catch (IOException e) {
      first = first == null ? e : first;
    }
    if (first != null) {
      throw first;
    }
  }

  /** Closes {@code c} (if any) after a failed open, attaching its failure to {@code cause}. */
  private static void closeQuietly(AutoCloseable c, Throwable cause) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      cause.addSuppressed(e);
    }
  }
}
