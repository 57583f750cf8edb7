package io.nectarfs.chunk;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Errno;
import io.nectarfs.object.ObjectStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writeback staging: a durable, ordered, bounded queue of blocks on local disk, uploaded in the
 * background. A staged block is the file {@code <first cache dir>/rawstaging/<block key>} in the
 * format of {@link CacheFiles}, written with fsync of the file and its directory before {@link
 * #stage} returns. Uploaders take blocks in staging order (FIFO), each no earlier than {@code
 * uploadDelay} after it was staged; after a successful put the file is moved into the disk cache
 * (or deleted). At start the directory is scanned and every staged block is queued again, oldest
 * (by modification time) first, so blocks left by a crash are uploaded.
 *
 * <p>A full store (ENOSPC) is retried every {@value #FULL_RETRY_MILLIS} ms and logged once, when
 * it becomes full; other failures are retried after 200 ms.
 *
 * <p>A block removed while staged ({@link #remove}) is never uploaded or, if its upload raced with
 * the removal, deleted from the store again: the uploader only treats its put as final when the
 * staged file is still there to be moved away afterwards.
 *
 * <p>Concurrency: the instance monitor guards {@code queue}, {@code bytes}, {@code inFlight},
 * {@code closing} and {@code stopped}; {@link #stage} waits on it while the staging limit is
 * reached (unless nothing is staged, so one block larger than the limit still passes), uploaders wait on it for work and are woken by {@link
 * #stage}, by completed uploads and by {@link #close}. {@code staged} (key → length) is a
 * concurrent map read by {@link #get} without the monitor. Invariants: every key in {@code queue}
 * or in flight is in {@code staged}; {@code bytes} is the sum of the file sizes of {@code staged};
 * a key leaves {@code staged} only after its upload succeeded or it was removed.
 */
final class Staging implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Staging.class);

  private record Item(String key, int len, long stagedAtNanos) {}

  private final Path root;
  private final CacheModes modes;
  private final ObjectStore store;
  private final DiskCache cache;
  private final long limit;
  private final long delayNanos;
  private final Stats stats;
  private final ConcurrentHashMap<String, Integer> staged = new ConcurrentHashMap<>();
  private final ArrayDeque<Item> queue = new ArrayDeque<>();
  private final List<Thread> uploaders = new ArrayList<>();
  private long bytes;
  private int inFlight;
  private boolean closing;
  private boolean stopped;
  /** Set while the store answers ENOSPC: uploads back off and the condition is logged once. */
  private volatile boolean storeFull;
  static final long FULL_RETRY_MILLIS = 1000;
  private final Clock time; // when a staged block is due

  /** Counters shared with the store. */
  interface Stats {
    void put();
  }

  Staging(Path cacheDir, ObjectStore store, DiskCache cache, long limit, Duration uploadDelay, int threads, Stats stats) throws IOException {
    this(cacheDir, store, cache, limit, uploadDelay, threads, stats, new CacheModes(ChunkConfig.DEFAULT_CACHE_MODE));
  }

  /** Staging under {@code cacheDir/rawstaging}; its files and directories get (and are repaired to) the modes of {@code modes}. */
  Staging(Path cacheDir, ObjectStore store, DiskCache cache, long limit, Duration uploadDelay, int threads, Stats stats, CacheModes modes)
      throws IOException {
    this(cacheDir, store, cache, limit, uploadDelay, threads, stats, modes, Clock.SYSTEM);
  }

  /** The same; {@code time} decides when a staged block is due for upload. */
  Staging(Path cacheDir, ObjectStore store, DiskCache cache, long limit, Duration uploadDelay, int threads, Stats stats, CacheModes modes, Clock time)
      throws IOException {
    this.time = time;
    this.modes = modes;
    this.root = cacheDir.resolve("rawstaging");
    this.store = store;
    this.cache = cache;
    this.limit = limit <= 0 ? Long.MAX_VALUE : limit;
    this.delayNanos = uploadDelay.toNanos();
    this.stats = stats;
    modes.createDirectories(root);
    modes.repair(cacheDir, true);
    modes.repair(root, true);
    recover();
    for (int i = 0; i < Math.max(1, threads); i++) {
      Thread t = ChunkStores.daemon("nectar-writeback").newThread(this::uploadLoop);
      uploaders.add(t);
      t.start();
    }
  }

  private void recover() throws IOException {
    record Found(Path p, String key, int len, FileTime mtime) {}
    List<Found> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (Files.isDirectory(p)) {
          modes.repair(p, true);
          continue;
        }
        if (!Files.isRegularFile(p)) {
          continue;
        }
        modes.repair(p, false);
        if (p.getFileName().toString().endsWith(CacheFiles.TMP_SUFFIX)) {
          Files.deleteIfExists(p); // never renamed into place: its stage() call did not return
          continue;
        }
        String key = root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
        long[] k = BlockKeys.parse(key);
        if (k == null || k[2] > Integer.MAX_VALUE) {
          log.warn("ignoring foreign file in staging: {}", p);
          continue;
        }
        found.add(new Found(p, key, (int) k[2], Files.getLastModifiedTime(p)));
      }
    }
    found.sort(Comparator.comparing(Found::mtime).thenComparing(Found::key));
    long now = time.monotonicNanos();
    for (Found f : found) {
      staged.put(f.key(), f.len());
      bytes += CacheFiles.fileSize(f.len());
      queue.add(new Item(f.key(), f.len(), now - delayNanos));
    }
    if (!found.isEmpty()) {
      log.info("found {} staged blocks ({} bytes) in {}; uploading them", found.size(), bytes, root);
    }
  }

  private Path path(String key) {
    return root.resolve(key);
  }

  /**
   * Stores a block durably and queues it for upload; waits while the staging limit is reached. A
   * block already staged is left as it is: a key names the same bytes (a slice id is written once,
   * except by crash recovery, which writes a crashed process's append slice again under its id,
   * issue #17). Staging it twice queued two uploads of one file, and the second, finding it moved
   * away by the first, deleted the block from the store.
   */
  void stage(String key, byte[] block) throws IOException {
    long size = CacheFiles.fileSize(block.length);
    synchronized (this) {
      if (staged.containsKey(key)) {
        return;
      }
      while (bytes > 0 && bytes + size > limit && !closing) {
        try {
          wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted waiting for staging space");
        }
      }
      if (closing) {
        throw new IOException("chunk store is closed");
      }
      bytes += size; // reserve before writing, so concurrent writers respect the limit
    }
    try {
      CacheFiles.write(path(key), block, true, modes);
    } catch (IOException | RuntimeException e) {
      synchronized (this) {
        bytes -= size;
        notifyAll();
      }
      throw e;
    }
    synchronized (this) {
      staged.put(key, block.length);
      queue.add(new Item(key, block.length, time.monotonicNanos()));
      notifyAll();
    }
  }

  boolean contains(String key) {
    return staged.containsKey(key);
  }

  /** Bytes of a staged block, or null if it is not staged. */
  byte[] get(String key, int len, int off, int n) throws IOException {
    if (!staged.containsKey(key)) {
      return null;
    }
    try {
      return CacheFiles.read(path(key), len, off, n);
    } catch (NoSuchFileException e) {
      return null; // uploaded (and moved to the cache) or removed meanwhile
    }
  }

  /** Drops a staged block: it will not be uploaded. Idempotent. */
  void remove(String key) throws IOException {
    Integer len = staged.get(key);
    if (Files.deleteIfExists(path(key)) && len != null) {
      forget(key, len);
    }
  }

  private synchronized void forget(String key, int len) {
    if (staged.remove(key) != null) {
      bytes -= CacheFiles.fileSize(len);
      notifyAll();
    }
  }

  private void uploadLoop() {
    while (true) {
      Item it;
      synchronized (this) {
        while (true) {
          if (stopped || (closing && queue.isEmpty())) {
            return;
          }
          Item head = queue.peek();
          long wait = head == null ? 1_000_000_000L : head.stagedAtNanos() + delayNanos - time.monotonicNanos();
          if (head != null && (wait <= 0 || closing)) {
            it = queue.poll();
            inFlight++;
            break;
          }
          try {
            TimeUnit.NANOSECONDS.timedWait(this, Math.max(1_000_000L, wait));
          } catch (InterruptedException e) {
            return;
          }
        }
      }
      boolean done = false;
      try {
        done = upload(it);
      } finally {
        synchronized (this) {
          inFlight--;
          if (!done && staged.containsKey(it.key())) {
            queue.addLast(new Item(it.key(), it.len(), time.monotonicNanos())); // retry later, after the others
          }
          notifyAll();
        }
      }
      if (!done && !stopped()) {
        sleepQuietly(storeFull ? FULL_RETRY_MILLIS : 200);
      }
    }
  }

  /** Uploads one staged block; true when it is finished with (uploaded or removed). */
  private boolean upload(Item it) {
    String key = it.key();
    Path p = path(key);
    byte[] data;
    try {
      data = CacheFiles.read(p, it.len(), 0, it.len());
    } catch (NoSuchFileException e) {
      forget(key, it.len());
      return true; // removed
    } catch (IOException e) {
      log.error("staged block {} is unreadable, it is lost: {}", key, e.toString());
      return false;
    }
    try {
      store.put(key, data);
      stats.put();
    } catch (IOException e) {
      if (Errno.of(e) == Errno.ENOSPC) {
        // Staged blocks were acknowledged: they wait for space, but the log says so only once.
        if (!storeFull) {
          storeFull = true;
          log.warn("object storage is full: staged blocks stay in {} and are retried every {} ms until it has space: {}", root,
              FULL_RETRY_MILLIS, e.getMessage());
        }
        return false;
      }
      log.warn("upload of staged block {} failed, will retry: {}", key, e.toString());
      return false;
    }
    if (storeFull) {
      storeFull = false;
      log.info("object storage accepts uploads again; uploading staged blocks");
    }
    boolean stillStaged;
    try {
      stillStaged = cache != null && cache.adopt(key, p, it.len()) || Files.deleteIfExists(p);
    } catch (NoSuchFileException e) {
      stillStaged = false;
    } catch (IOException e) {
      log.warn("cannot delete staged block {} after upload: {}", key, e.toString());
      stillStaged = true;
    }
    if (!stillStaged) {
      try {
        store.delete(key); // removed while uploading: undo the put
      } catch (IOException e) {
        log.warn("cannot delete block {} removed during its upload: {}", key, e.toString());
      }
    }
    forget(key, it.len());
    return true;
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private synchronized boolean stopped() {
    return stopped;
  }

  /** Seconds the oldest block waiting in the upload queue has been staged; 0 when none waits. */
  synchronized double oldestAgeSeconds() {
    Item head = queue.peekFirst();
    return head == null ? 0 : Math.max(0, time.monotonicNanos() - head.stagedAtNanos()) / 1e9;
  }

  synchronized long stagedBlocks() {
    return staged.size();
  }

  synchronized long stagedBytes() {
    return bytes;
  }

  /**
   * Uploads what is queued, waiting at most {@code timeout} (the upload delay is skipped), then
   * stops the uploaders. Returns how many blocks are still staged (they are uploaded at the next
   * start).
   */
  long close(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos(); // a bound on real waiting (not a decision tests move)
    synchronized (this) {
      closing = true;
      notifyAll();
      while ((!queue.isEmpty() || inFlight > 0) && deadline - System.nanoTime() > 0) {
        try {
          TimeUnit.NANOSECONDS.timedWait(this, Math.min(100_000_000L, deadline - System.nanoTime()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    closeNow();
    return staged.size();
  }

  /** Stops the uploaders without waiting for the queue (a crash, for tests). */
  void closeNow() {
    synchronized (this) {
      closing = true;
      stopped = true;
      notifyAll();
    }
    for (Thread t : uploaders) {
      t.interrupt();
    }
    for (Thread t : uploaders) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
