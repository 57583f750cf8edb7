package io.nectarfs.volume;

import io.nectarfs.chunk.BlockSource;
import io.nectarfs.common.Clock;
import io.nectarfs.common.Metrics;
import io.nectarfs.common.Secrets;
import io.nectarfs.vfs.VfsConfig;
import java.time.Duration;

/**
 * How a process opens a volume (everything that is not in the volume's format). Immutable; start
 * from {@link #defaults()} and change a copy with the {@code with} methods.
 *
 * <ul>
 *   <li>{@link #secrets()}: where storage and metadata credentials come from (environment
 *       variables or {@code *_FILE} files); they are never part of a URL that is stored or logged.
 *   <li>{@link #cache()}: the data path (cache directories, memory budget, writeback).
 *   <li>{@link #vfsConfig()}: VFS settings (read-ahead, flush timing, caches, access times).
 *   <li>{@link #readOnly()}: no session is registered and nothing is written (not even the
 *       storage's volume marker); every change fails with EROFS.
 *   <li>{@link #subdir()}: serve this directory of the volume as its root (null: the whole volume).
 *   <li>{@link #clientName()}: what this client serves (its mount point), shown by {@code nectar
 *       status} for the session.
 *   <li>{@link #identity()}: applied to every caller entering the VFS.
 *   <li>{@link #backgroundJobs()}, {@link #heartbeat()}, {@link #sliceFreeDelay()}: the metadata
 *       session's background work (deferred deletion, stale session cleanup, trash expiry).
 *   <li>{@link #metrics()}: the process registry every layer records in (null: the volume creates
 *       its own, tagged with the volume name and client name).
 *   <li>{@link #checkStorage()}: a writable open checks that the storage takes writes (on by default).
 *   <li>{@link #blockSource()}: where blocks are fetched from before the object store (a cache
 *       group member; none by default).
 *   <li>{@link #resumeSession()}: continue the metadata session a predecessor handed over (a
 *       takeover of the mount) instead of registering a new one (0: a new session).
 *   <li>{@link #vfsClock()}: time source of the VFS and chunk store decisions (cache expiry, writeback delay; tests inject one).
 * </ul>
 */
public final class VolumeOptions {
  private static final VolumeOptions DEFAULTS = new VolumeOptions(null, CacheOptions.defaults(), VfsConfig.defaults(), false, null, "",
      IdentityMapping.NONE, true, Duration.ofSeconds(12), Duration.ofSeconds(30), Clock.SYSTEM, null, true, null, StoreTuning.NONE, 0L);

  private final Secrets secrets;
  private final CacheOptions cache;
  private final VfsConfig vfsConfig;
  private final boolean readOnly;
  private final String subdir;
  private final String clientName;
  private final IdentityMapping identity;
  private final boolean backgroundJobs;
  private final Duration heartbeat;
  private final Duration sliceFreeDelay;
  private final Clock vfsClock;
  private final Metrics metrics;
  private final boolean checkStorage;
  private final BlockSource blockSource;
  private final StoreTuning tuning;
  private final long resumeSession;

  private VolumeOptions(Secrets secrets, CacheOptions cache, VfsConfig vfsConfig, boolean readOnly, String subdir, String clientName,
      IdentityMapping identity, boolean backgroundJobs, Duration heartbeat, Duration sliceFreeDelay, Clock vfsClock,
      Metrics metrics, boolean checkStorage, BlockSource blockSource, StoreTuning tuning, long resumeSession) {
    this.secrets = secrets;
    this.cache = cache;
    this.vfsConfig = vfsConfig;
    this.readOnly = readOnly;
    this.subdir = subdir;
    this.clientName = clientName;
    this.identity = identity;
    this.backgroundJobs = backgroundJobs;
    this.heartbeat = heartbeat;
    this.sliceFreeDelay = sliceFreeDelay;
    this.vfsClock = vfsClock;
    this.metrics = metrics;
    this.checkStorage = checkStorage;
    this.blockSource = blockSource;
    this.tuning = tuning;
    this.resumeSession = resumeSession;
  }

  /**
   * Secrets from the process environment, the default disk cache, default VFS settings, writable,
   * the whole volume, no identity mapping, background jobs on.
   */
  public static VolumeOptions defaults() {
    return DEFAULTS;
  }

  /** The secrets; {@link Secrets#fromEnvironment()} unless set. */
  public Secrets secrets() {
    return secrets != null ? secrets : Secrets.fromEnvironment();
  }

  public CacheOptions cache() {
    return cache;
  }

  public VfsConfig vfsConfig() {
    return vfsConfig;
  }

  public boolean readOnly() {
    return readOnly;
  }

  /** The directory served as the root, absolute within the volume; null for the whole volume. */
  public String subdir() {
    return subdir;
  }

  public String clientName() {
    return clientName;
  }

  public IdentityMapping identity() {
    return identity;
  }

  public boolean backgroundJobs() {
    return backgroundJobs;
  }

  public Duration heartbeat() {
    return heartbeat;
  }

  public Duration sliceFreeDelay() {
    return sliceFreeDelay;
  }

  public Clock vfsClock() {
    return vfsClock;
  }

  /**
   * Whether {@link Volume#open} of a writable volume first puts, reads back and deletes a small
   * object under the volume's prefix, so wrong or missing storage credentials fail the open (one
   * line naming the storage) instead of every later write. On by default; read-only opens never
   * write, so they skip it.
   */
  public boolean checkStorage() {
    return checkStorage;
  }

  /** See {@link #checkStorage()}. */
  public VolumeOptions withCheckStorage(boolean on) {
    return new VolumeOptions(secrets, cache, vfsConfig, readOnly, subdir, clientName, identity, backgroundJobs, heartbeat, sliceFreeDelay,
        vfsClock, metrics, on, blockSource, tuning, resumeSession);
  }

  public VolumeOptions withSecrets(Secrets s) {
    return new VolumeOptions(nonNull(s, "secrets"), cache, vfsConfig, readOnly, subdir, clientName, identity, backgroundJobs, heartbeat,
        sliceFreeDelay, vfsClock, metrics, checkStorage, blockSource, tuning, resumeSession);
  }

  public VolumeOptions withCache(CacheOptions c) {
    return new VolumeOptions(secrets, nonNull(c, "cache"), vfsConfig, readOnly, subdir, clientName, identity, backgroundJobs, heartbeat,
        sliceFreeDelay, vfsClock, metrics, checkStorage, blockSource, tuning, resumeSession);
  }

  public VolumeOptions withVfsConfig(VfsConfig v) {
    return new VolumeOptions(secrets, cache, nonNull(v, "vfsConfig"), readOnly, subdir, clientName, identity, backgroundJobs, heartbeat,
        sliceFreeDelay, vfsClock, metrics, checkStorage, blockSource, tuning, resumeSession);
  }

  public VolumeOptions withReadOnly(boolean ro) {
    return new VolumeOptions(secrets, cache, vfsConfig, ro, subdir, clientName, identity, backgroundJobs, heartbeat, sliceFreeDelay, vfsClock, metrics, checkStorage, blockSource, tuning, resumeSession);
  }

  /** Serve directory {@code path} (absolute within the volume, e.g. {@code /projects/a}) as the root; null: the whole volume. */
  public VolumeOptions withSubdir(String path) {
    if (path != null && path.isBlank()) {
      throw new IllegalArgumentException("subdir must name a directory of the volume, e.g. /projects");
    }
    return new VolumeOptions(secrets, cache, vfsConfig, readOnly, path, clientName, identity, backgroundJobs, heartbeat, sliceFreeDelay, vfsClock, metrics, checkStorage, blockSource, tuning, resumeSession);
  }

  public VolumeOptions withClientName(String name) {
    return new VolumeOptions(secrets, cache, vfsConfig, readOnly, subdir, nonNull(name, "clientName"), identity, backgroundJobs, heartbeat,
        sliceFreeDelay, vfsClock, metrics, checkStorage, blockSource, tuning, resumeSession);
  }

  public VolumeOptions withIdentity(IdentityMapping m) {
    return new VolumeOptions(secrets, cache, vfsConfig, readOnly, subdir, clientName, nonNull(m, "identity"), backgroundJobs, heartbeat,
        sliceFreeDelay, vfsClock, metrics, checkStorage, blockSource, tuning, resumeSession);
  }

  /** Whether a background thread runs the session's heartbeat and shared jobs (off for one-shot admin tools). */
  public VolumeOptions withBackgroundJobs(boolean on) {
    return new VolumeOptions(secrets, cache, vfsConfig, readOnly, subdir, clientName, identity, on, heartbeat, sliceFreeDelay, vfsClock, metrics, checkStorage, blockSource, tuning, resumeSession);
  }

  /** How often the session is refreshed; it expires after five missed heartbeats. */
  public VolumeOptions withHeartbeat(Duration d) {
    return new VolumeOptions(secrets, cache, vfsConfig, readOnly, subdir, clientName, identity, backgroundJobs, positive(d, "heartbeat"),
        sliceFreeDelay, vfsClock, metrics, checkStorage, blockSource, tuning, resumeSession);
  }

  /** How long freed slices wait before their objects are deleted (other clients may still read them). */
  public VolumeOptions withSliceFreeDelay(Duration d) {
    if (d == null || d.isNegative()) {
      throw new IllegalArgumentException("slice free delay must not be negative");
    }
    return new VolumeOptions(secrets, cache, vfsConfig, readOnly, subdir, clientName, identity, backgroundJobs, heartbeat, d, vfsClock, metrics, checkStorage, blockSource, tuning, resumeSession);
  }

  public VolumeOptions withVfsClock(Clock c) {
    return new VolumeOptions(secrets, cache, vfsConfig, readOnly, subdir, clientName, identity, backgroundJobs, heartbeat, sliceFreeDelay,
        nonNull(c, "vfsClock"), metrics, checkStorage, blockSource, tuning, resumeSession);
  }

  /** The process-wide registry the volume's layers record in; null when the volume makes its own. */
  public Metrics metrics() {
    return metrics;
  }

  /**
   * Record in {@code m}, the process registry (its common tags, e.g. {@code volume} and {@code
   * mountpoint}, are the caller's to set); null: each open volume makes its own.
   */
  public VolumeOptions withMetrics(Metrics m) {
    return new VolumeOptions(secrets, cache, vfsConfig, readOnly, subdir, clientName, identity, backgroundJobs, heartbeat, sliceFreeDelay,
        vfsClock, m, checkStorage, blockSource, tuning, resumeSession);
  }

  /** Where the chunk store asks for blocks before the object store (a cache group); null: nowhere. */
  public BlockSource blockSource() {
    return blockSource;
  }

  /**
   * Ask {@code source} for blocks after the local caches and before the object store (a cache
   * group's owning member; see {@link BlockSource}); null (the default): no source.
   */
  public VolumeOptions withBlockSource(BlockSource source) {
    return new VolumeOptions(secrets, cache, vfsConfig, readOnly, subdir, clientName, identity, backgroundJobs, heartbeat, sliceFreeDelay,
        vfsClock, metrics, checkStorage, source, tuning, resumeSession);
  }

  /** This process's limits on the object store (bandwidth, simulated latency). */
  public StoreTuning storeTuning() {
    return tuning;
  }

  /** Limits this process's object store traffic as {@code t} says ({@link StoreTuning#NONE}: the default). */
  public VolumeOptions withStoreTuning(StoreTuning t) {
    StoreTuning tuning = nonNull(t, "store tuning");
    return new VolumeOptions(secrets, cache, vfsConfig, readOnly, subdir, clientName, identity, backgroundJobs, heartbeat, sliceFreeDelay,
        vfsClock, metrics, checkStorage, blockSource, tuning, resumeSession);
  }

  private static <T> T nonNull(T v, String what) {
    if (v == null) {
      throw new IllegalArgumentException(what + " must be given");
    }
    return v;
  }

  private static Duration positive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive");
    }
    return d;
  }

  /** The metadata session to continue (a takeover), or 0 for a new one. */
  public long resumeSession() {
    return resumeSession;
  }

  /**
   * Continues metadata session {@code sid}, which a predecessor left with {@link Volume#handOver}
   * (or {@link io.nectarfs.meta.Meta#handOver}), instead of registering a new session; 0: a new one.
   */
  public VolumeOptions withResumeSession(long sid) {
    if (sid < 0) {
      throw new IllegalArgumentException("session id must be positive (0: a new session)");
    }
    return new VolumeOptions(secrets, cache, vfsConfig, readOnly, subdir, clientName, identity, backgroundJobs, heartbeat, sliceFreeDelay,
        vfsClock, metrics, checkStorage, blockSource, tuning, sid);
  }
}
