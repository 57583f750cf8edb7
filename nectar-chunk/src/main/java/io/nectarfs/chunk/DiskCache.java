package io.nectarfs.chunk;

import io.nectarfs.common.Clock;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local disk cache of whole blocks: files {@code <cacheDir>/raw/<block key>} in the format of
 * {@link CacheFiles}, spread over the cache directories by the hash of the key.
 *
 * <p>The index (key → directory, file size, access time) lives in memory and is rebuilt by
 * scanning the directories when the cache opens (temporary files of an interrupted write are
 * deleted then). The total of the file sizes stays under {@link ChunkConfig#cacheSize()}: over it,
 * the least recently used files are evicted down to 95% of the limit. Before each write, the file
 * system must keep {@link ChunkConfig#freeSpaceRatio()} free; otherwise this directory's entries
 * are evicted and, if that is not enough, the directory is skipped for {@link #RETRY_NANOS}.
 *
 * <p>Files get the cache mode ({@link CacheModes}, default 0600 in 0700 directories), repaired at
 * open; with a {@link CacheCipher} they hold the block encrypted under a key of this process. A
 * directory that cannot be created or written when the cache opens fails the open. After that,
 * failures never reach readers or writers: a write that fails is logged and dropped (and the
 * directory rests for a while), a file that fails its checksum is deleted and reported as a miss.
 *
 * <p>Concurrency: {@link #putAsync} hands blocks to a single writer thread through {@code pending}
 * (which also serves reads until the file exists, and is bounded by {@code pendingLimit}); lookups
 * and reads are lock-free on the concurrent index; eviction is serialised by the instance monitor.
 * Invariants: {@code bytes} is the sum of the sizes of the indexed entries plus the reservations of
 * writes in progress; a key is indexed only after its file has been renamed into place; a reader
 * that races with eviction sees the file vanish and reports a miss.
 */
final class DiskCache implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DiskCache.class);
  static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** One cache directory. */
  static final class Dir {
    final Path root;
    final FileStore fs;
    volatile long disabledUntil; // Clock.monotonicNanos(); Long.MAX_VALUE: never usable

    Dir(Path root, FileStore fs, long disabledUntil) {
      this.root = root;
      this.fs = fs;
      this.disabledUntil = disabledUntil;
    }

    boolean usable(long now) {
      long d = disabledUntil;
      return d == 0 || (d != Long.MAX_VALUE && now - d > 0);
    }
  }

  /** One cached file. */
  static final class Entry {
    final Dir dir;
    final long size;
    volatile long atime;

    Entry(Dir dir, long size, long atime) {
      this.dir = dir;
      this.size = size;
      this.atime = atime;
    }
  }

  private final List<Dir> dirs = new ArrayList<>();
  private final long capacity;
  private final double freeRatio;
  private final ConcurrentHashMap<String, Entry> index = new ConcurrentHashMap<>();
  private final String rootName; // this cache's block root in each directory
  private final List<Path> cacheDirs;
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong evictions = new AtomicLong();
  private final ConcurrentHashMap<String, Block> pending = new ConcurrentHashMap<>();
  private final AtomicLong pendingBytes = new AtomicLong();
  private final long pendingLimit;
  private final ExecutorService writer; // set after the directories are checked
  private final AtomicLong clock = new AtomicLong(); // logical access time: strictly increasing

  private final CacheModes modes;
  private final CacheCipher cipher; // null: files hold plaintext
  private final Clock time; // when a failed directory is tried again

  /** A private (0600/0700), unencrypted cache. */
  DiskCache(List<Path> cacheDirs, long capacity, double freeRatio, long pendingLimit) throws IOException {
    this(cacheDirs, capacity, freeRatio, pendingLimit, new CacheModes(ChunkConfig.DEFAULT_CACHE_MODE), null);
  }

  /**
   * Opens the cache: creates each directory with the modes of {@code modes}, gives the directory
   * and its block root that mode at once (which closes access to everything below for other
   * users immediately), checks it can be written (a probe file), then scans it, repairing the mode
   * of every file and directory on the way. With a {@code cipher} the blocks live under a root of
   * this process ({@code rawenc-<pid>-<random>}); the plaintext root and the encrypted roots of
   * processes that have ended cannot be read any more and are deleted in the background (likewise
   * encrypted roots when the cache is plaintext); those of running processes stay theirs.
   *
   * @throws IOException naming the directory when one cannot be created or written
   */
  DiskCache(List<Path> cacheDirs, long capacity, double freeRatio, long pendingLimit, CacheModes modes, CacheCipher cipher) throws IOException {
    this(cacheDirs, capacity, freeRatio, pendingLimit, modes, cipher, Clock.SYSTEM);
  }

  /** The same; {@code time} decides when a directory that failed is tried again. */
  DiskCache(List<Path> cacheDirs, long capacity, double freeRatio, long pendingLimit, CacheModes modes, CacheCipher cipher, Clock time)
      throws IOException {
    this.time = time;
    this.capacity = capacity;
    this.freeRatio = freeRatio;
    this.pendingLimit = pendingLimit;
    this.modes = modes;
    this.cipher = cipher;
    String rootName = cipher == null ? PLAIN_ROOT
        : ENCRYPTED_ROOT + ProcessHandle.current().pid() + "-" + Long.toHexString(new java.security.SecureRandom().nextLong() >>> 1);
    List<Path> discard = new ArrayList<>();
    for (Path d : cacheDirs) {
      Path root = d.resolve(rootName);
      try {
        modes.createDirectories(root);
        modes.repair(d, true);
        modes.repair(root, true);
        probe(root);
        discard.addAll(unreadableRoots(d, rootName));
        dirs.add(new Dir(root, Files.getFileStore(root), 0));
      } catch (IOException | RuntimeException e) {
        throw new IOException("cache directory " + d + " cannot be used: " + reason(e), e);
      }
    }
    this.rootName = rootName;
    this.cacheDirs = List.copyOf(cacheDirs);
    this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), ChunkStores.daemon("nectar-cache-write"));
    discardInBackground(discard);
    for (Dir d : dirs) {
      scan(d, false);
    }
    if (bytes.get() > capacity) {
      evict(0);
    }
  }

  private static void discardInBackground(List<Path> discard) {
    if (!discard.isEmpty()) {
      ChunkStores.daemon("nectar-cache-discard").newThread(() -> discard.forEach(DiskCache::deleteTree)).start();
    }
  }

  /**
   * Reads the directories again while the cache serves: indexes the blocks another process wrote
   * there since this cache opened, forgets entries whose files another process removed, and evicts
   * down to the limit. For a process that took over a mount (a standby that scanned at its start,
   * hours before its worker crashed; an upgrade's successor that scanned before the handover):
   * without this, the blocks its predecessor cached meanwhile are not counted against the cache
   * size, and the cache outgrows its limit. Temporaries are left alone (one may be this process's
   * write in progress); the next open deletes a dead process's. Encrypted roots of processes that
   * have ended since (a crashed predecessor's) are deleted in the background.
   *
   * <p>Concurrency: safe beside reads, writes and eviction. A file found is indexed with {@code
   * putIfAbsent} (a write of this process that renamed its file but has not registered it yet
   * replaces the entry and subtracts its size, so {@code bytes} stays the sum); an entry is
   * forgotten only if its file is missing, which this process's own removals never leave behind
   * (they unindex before they delete).
   */
  void rescan() {
    long t0 = System.nanoTime();
    List<Path> discard = new ArrayList<>();
    for (Path d : cacheDirs) {
      try {
        discard.addAll(unreadableRoots(d, rootName)); // a crashed predecessor's encrypted root, now unowned
      } catch (IOException | RuntimeException e) {
        log.debug("cache rescan: cannot list {}: {}", d, e.toString());
      }
    }
    discardInBackground(discard);
    for (Dir d : dirs) {
      scan(d, true);
    }
    for (Map.Entry<String, Entry> e : index.entrySet()) {
      if (!Files.exists(path(e.getValue().dir, e.getKey()))) {
        forget(e.getKey(), e.getValue()); // this process's own removals unindex before they delete
      }
    }
    if (bytes.get() > capacity) {
      evict(0);
    }
    log.debug("cache rescan: {} blocks indexed in {} ms", index.size(), (System.nanoTime() - t0) / 1_000_000);
  }

  static final String PLAIN_ROOT = "raw";
  static final String ENCRYPTED_ROOT = "rawenc-";
  private static final String DISCARDED = ".discarded-";

  /** Writes and deletes a small file so that a read-only or foreign directory fails now, not at the first block. */
  private void probe(Path root) throws IOException {
    Path p = root.resolve(".probe-" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + CacheFiles.TMP_SUFFIX);
    try {
      Files.write(p, new byte[] {1}, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
    } finally {
      Files.deleteIfExists(p);
    }
  }

  /**
   * Renames block roots of {@code d} that this cache cannot read (see the constructor) out of the
   * way, and returns them with earlier discarded ones, for deletion. An encrypted root of another
   * process that is still running stays: it is that process's live cache (a mount's worker while
   * its standby or its upgrade's successor opens the same directories); the successor's {@link
   * #rescan} or the next open discards it once that process is gone.
   */
  private static List<Path> unreadableRoots(Path d, String current) throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> children = Files.list(d)) {
      for (Path c : (Iterable<Path>) children::iterator) {
        String n = c.getFileName().toString();
        if (n.startsWith(DISCARDED)) {
          out.add(c);
        } else if (!n.equals(current) && (n.equals(PLAIN_ROOT) || n.startsWith(ENCRYPTED_ROOT)) && !ownedByALiveProcess(n)
            && Files.isDirectory(c)) {
          Path away = d.resolve(DISCARDED + n);
          Files.move(c, away, StandardCopyOption.ATOMIC_MOVE);
          out.add(away);
        }
      }
    }
    return out;
  }

  /** Whether {@code root} is an encrypted root named by a process ({@code rawenc-PID-RANDOM}) that runs. */
  static boolean ownedByALiveProcess(String root) {
    if (!root.startsWith(ENCRYPTED_ROOT)) {
      return false;
    }
    String rest = root.substring(ENCRYPTED_ROOT.length());
    int dash = rest.indexOf('-');
    if (dash <= 0) {
      return false; // a root of an older version, named without its process
    }
    try {
      long pid = Long.parseLong(rest.substring(0, dash));
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static void deleteTree(Path p) {
    try (Stream<Path> all = Files.walk(p)) {
      for (Path x : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(x);
      }
    } catch (IOException | RuntimeException e) {
      log.warn("cannot delete the unreadable old cache {}: {}", p, e.toString());
    }
  }

  private static String reason(Exception e) {
    if (e instanceof java.nio.file.FileSystemException f) {
      return (f.getReason() != null ? f.getReason() : e.getClass().getSimpleName()) + (f.getFile() != null ? " (" + f.getFile() + ")" : "");
    }
    return e.toString();
  }

  boolean enabled() {
    return !dirs.isEmpty() && capacity > 0;
  }

  /** Indexes the blocks of {@code d}; {@code again}: the cache is in use (see {@link #rescan}). */
  private void scan(Dir d, boolean again) {
    long[] repaired = new long[1];
    try (Stream<Path> files = Files.walk(d.root)) {
      files.forEach(p -> {
        String name = p.getFileName().toString();
        try {
          java.nio.file.attribute.PosixFileAttributes attrs = Files.readAttributes(p, java.nio.file.attribute.PosixFileAttributes.class);
          if (attrs.isDirectory()) {
            if (modes.repair(p, true, attrs.permissions())) {
              repaired[0]++;
            }
            return;
          }
          if (!attrs.isRegularFile()) {
            return;
          }
          if (name.endsWith(CacheFiles.TMP_SUFFIX)) {
            if (!again) {
              Files.deleteIfExists(p);
            }
            return;
          }
          if (modes.repair(p, false, attrs.permissions())) {
            repaired[0]++;
          }
          String key = d.root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
          long[] k = BlockKeys.parse(key);
          long size = attrs.size();
          if (k == null || k[2] > Integer.MAX_VALUE || size != CacheFiles.fileSize((int) k[2])) {
            Files.deleteIfExists(p); // damaged or foreign; the index holds blocks only
            return;
          }
          if (index.putIfAbsent(key, new Entry(d, size, clock.incrementAndGet())) == null) {
            bytes.addAndGet(size);
          }
        } catch (IOException e) {
          log.warn("cache scan: skipping {}: {}", p, e.toString());
        }
      });
    } catch (IOException | RuntimeException e) {
      log.warn("cache scan of {} failed, its blocks are not indexed: {}", d.root, e.toString());
    }
    if (repaired[0] > 0) {
      log.warn("cache {}: gave {} files and directories the cache mode (they were readable by others or not as configured)", d.root,
          repaired[0]);
    }
  }

  private Dir dirOf(String key) {
    return dirs.get(Math.floorMod(key.hashCode(), dirs.size()));
  }

  private static Path path(Dir d, String key) {
    return d.root.resolve(key);
  }

  boolean contains(String key) {
    return pending.containsKey(key) || index.containsKey(key);
  }

  /**
   * Bytes {@code [off, off + n)} of the block {@code key} of {@code len} bytes, or null when it is
   * not cached (or its file was damaged, which deletes it).
   */
  byte[] get(String key, int len, int off, int n) {
    Block p = pending.get(key);
    if (p != null && p.retain()) {
      try {
        return java.util.Arrays.copyOfRange(p.data(), off, off + n);
      } finally {
        p.release();
      }
    }
    Entry e = index.get(key);
    if (e == null) {
      return null;
    }
    try {
      byte[] b = CacheFiles.read(path(e.dir, key), len, off, n);
      e.atime = clock.incrementAndGet();
      return cipher == null ? b : cipher.apply(key, off, b);
    } catch (NoSuchFileException x) {
      forget(key, e);
      return null;
    } catch (IOException | RuntimeException x) {
      log.warn("dropping cached block {}: {}", key, x.toString());
      forget(key, e);
      try {
        Files.deleteIfExists(path(e.dir, key));
      } catch (IOException ignored) {
        // the next write of this key replaces it
      }
      return null;
    }
  }

  private void forget(String key, Entry e) {
    if (index.remove(key, e)) {
      bytes.addAndGet(-e.size);
    }
  }

  /** Caches a whole block in the background; drops it when the write queue is full. */
  void putAsync(String key, Block block) {
    if (!enabled() || index.containsKey(key) || !block.retain()) {
      return;
    }
    // From here the queue holds a reference, given back once: by the writer, or here when refused.
    int len = block.length();
    if (pendingBytes.addAndGet(len) > pendingLimit || pending.putIfAbsent(key, block) != null) {
      pendingBytes.addAndGet(-len);
      block.release();
      return;
    }
    try {
      writer.execute(() -> {
        try {
          if (pending.get(key) == block) { // not removed meanwhile
            putNow(key, block.data());
          }
        } finally {
          pending.remove(key, block);
          pendingBytes.addAndGet(-len);
          block.release();
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      pending.remove(key, block);
      pendingBytes.addAndGet(-len);
      block.release();
    }
  }

  /**
   * Whether a new block of {@code len} bytes for {@code key} would be written now without evicting
   * to reach the free-space floor: its directory is usable (not resting after a failure) and keeps
   * {@link ChunkConfig#freeSpaceRatio()} free with the block added. Advisory (space changes).
   */
  boolean admits(String key, int len) {
    if (!enabled()) {
      return false;
    }
    Dir d = dirOf(key);
    long size = CacheFiles.fileSize(len);
    return size <= capacity && d.usable(time.monotonicNanos()) && enoughFreeSpace(d, size);
  }

  /** Caches a whole block now; false if it could not be (logged). */
  boolean putNow(String key, byte[] block) {
    if (!enabled()) {
      return false;
    }
    Dir d = dirOf(key);
    if (!d.usable(time.monotonicNanos()) || index.containsKey(key)) {
      return index.containsKey(key);
    }
    long size = CacheFiles.fileSize(block.length);
    if (!reserve(d, size)) {
      return false;
    }
    try {
      CacheFiles.write(path(d, key), cipher == null ? block : cipher.apply(key, 0, block.clone()), false, modes);
    } catch (IOException | RuntimeException e) {
      bytes.addAndGet(-size);
      d.disabledUntil = time.monotonicNanos() + RETRY_NANOS;
      log.warn("cannot write cache file for {} in {}, not caching there for {} s: {}", key, d.root,
          TimeUnit.NANOSECONDS.toSeconds(RETRY_NANOS), e.toString());
      return false;
    }
    register(key, d, size);
    return true;
  }

  private void register(String key, Dir d, long size) {
    Entry old = index.put(key, new Entry(d, size, clock.incrementAndGet()));
    if (old != null) {
      bytes.addAndGet(-old.size);
    }
  }

  /** Takes {@code size} bytes of the cache for a new file in {@code d}, evicting as needed. */
  private boolean reserve(Dir d, long size) {
    if (size > capacity) {
      return false;
    }
    if (bytes.addAndGet(size) > capacity) {
      evict(0);
    }
    if (!enoughFreeSpace(d, size)) {
      evictDir(d, size);
      if (!enoughFreeSpace(d, size)) {
        bytes.addAndGet(-size);
        d.disabledUntil = time.monotonicNanos() + RETRY_NANOS;
        log.warn("cache file system of {} is below its free-space floor ({}), not caching there for {} s", d.root, freeRatio,
            TimeUnit.NANOSECONDS.toSeconds(RETRY_NANOS));
        return false;
      }
    }
    return true;
  }

  private boolean enoughFreeSpace(Dir d, long size) {
    if (freeRatio <= 0) {
      return true;
    }
    try {
      long total = d.fs.getTotalSpace();
      return d.fs.getUsableSpace() - size >= (long) (total * freeRatio);
    } catch (IOException e) {
      return false;
    }
  }

  /** Files evicted to make room since creation. */
  long evictions() {
    return evictions.get();
  }

  /** Evicts least recently used entries until the cache is under 95% of its limit (plus room). */
  synchronized void evict(long room) {
    long target = capacity - capacity / 20 - room;
    if (bytes.get() <= target) {
      return;
    }
    List<Map.Entry<String, Entry>> all = new ArrayList<>(index.entrySet());
    all.sort(Comparator.comparingLong(e -> e.getValue().atime));
    for (Map.Entry<String, Entry> e : all) {
      if (bytes.get() <= target) {
        break;
      }
      drop(e.getKey(), e.getValue());
      evictions.incrementAndGet();
    }
  }

  /** Evicts least recently used entries of one directory that together free {@code 2 * need}. */
  private synchronized void evictDir(Dir d, long need) {
    List<Map.Entry<String, Entry>> all = new ArrayList<>(index.entrySet());
    all.removeIf(e -> e.getValue().dir != d);
    all.sort(Comparator.comparingLong(e -> e.getValue().atime));
    long freed = 0;
    for (Map.Entry<String, Entry> e : all) {
      if (freed >= 2 * need) {
        break;
      }
      drop(e.getKey(), e.getValue());
      evictions.incrementAndGet();
      freed += e.getValue().size;
    }
  }

  private void drop(String key, Entry e) {
    if (index.remove(key, e)) {
      bytes.addAndGet(-e.size);
      try {
        Files.deleteIfExists(path(e.dir, key));
      } catch (IOException x) {
        log.debug("cannot delete evicted cache file {}: {}", key, x.toString());
      }
    }
  }

  /**
   * Moves a staged file (same format) into the cache instead of copying it.
   *
   * @return false if the cache did not take it (the caller deletes it)
   * @throws NoSuchFileException if {@code src} is gone
   */
  boolean adopt(String key, Path src, int len) throws IOException {
    if (!enabled() || cipher != null) { // staged files are plaintext
      return false;
    }
    Dir d = dirOf(key);
    long size = CacheFiles.fileSize(len);
    if (!d.usable(time.monotonicNanos()) || !reserve(d, size)) {
      return false;
    }
    Path target = path(d, key);
    try {
      modes.createDirectories(target.getParent());
      Files.move(src, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException e) {
      bytes.addAndGet(-size);
      if (!Files.exists(src)) {
        throw e;
      }
      return false;
    } catch (AtomicMoveNotSupportedException e) {
      bytes.addAndGet(-size);
      return false;
    } catch (IOException e) {
      bytes.addAndGet(-size);
      log.debug("cannot move staged {} into the cache: {}", key, e.toString());
      return false;
    }
    register(key, d, size);
    return true;
  }

  void remove(String key) {
    pending.remove(key);
    Entry e = index.get(key);
    if (e != null) {
      drop(key, e);
    }
  }

  /** The file of a cached block (tests). */
  Path pathOf(String key) {
    Entry e = index.get(key);
    return e == null ? null : path(e.dir, key);
  }

  /** Waits for queued cache writes (tests, warmup). */
  void drain() {
    try {
      writer.submit(() -> {}).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("cache write queue did not drain: {}", e.toString());
    }
  }

  long bytes() {
    return bytes.get();
  }

  long blocks() {
    return index.size();
  }

  @Override
  public void close() {
    writer.shutdown();
    try {
      if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
        writer.shutdownNow();
      }
    } catch (InterruptedException e) {
      writer.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
