package io.nectarfs.vfs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The bounded area of whole-file copies for FUSE passthrough: {@code <dir>/<ino>-<version>}, each
 * assembled once from cached data, then read-only (mode 0400 in a 0700 directory) and never
 * changed. A new version of a file replaces the file's previous copy; over {@code limit} bytes
 * the least recently used copies are deleted (a copy the kernel holds open stays readable until
 * it closes it; its space is freed then). The directory is emptied at open and at close: copies
 * are only valid for the process that checked them against the metadata.
 *
 * <p>Concurrency: the index ({@code lru}, {@code byIno}, {@code bytes}, {@code building}) is
 * guarded by {@code this}; assembly runs outside the lock into a temporary file renamed into place,
 * so two opens racing on one version both assemble and the second rename wins (same bytes).
 * Large copies are built by one background thread ({@link #assembleLater}), once per key at a
 * time. Invariant: {@code bytes} is the sum of the sizes in {@code lru}, and every key in {@code
 * byIno} is in {@code lru}.
 */
final class BackingFiles implements AutoCloseable {
  /** Writes the content of the file into {@code ch} (from position 0). */
  interface Filler {
    void fill(FileChannel ch) throws IOException;
  }

  private final Path dir;
  private final long limit;
  private final LinkedHashMap<String, Long> lru = new LinkedHashMap<>(64, 0.75f, true);
  private final Map<Long, String> byIno = new HashMap<>();
  private long bytes;
  private final java.util.Set<String> building = new java.util.HashSet<>();
  private java.util.concurrent.ExecutorService builder; // created at the first use

  BackingFiles(Path dir, long limit) throws IOException {
    this.dir = dir;
    this.limit = limit;
    wipe();
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
  }

  long limit() {
    return limit;
  }

  /** The bytes the copies take (tests, metrics). */
  synchronized long bytes() {
    return bytes;
  }

  private static String key(long ino, String version) {
    return ino + "-" + version;
  }

  /** The copy of {@code ino} at {@code version}, or null. */
  synchronized Path get(long ino, String version) {
    String k = key(ino, version);
    return lru.get(k) == null ? null : dir.resolve(k);
  }

  /**
   * Assembles the copy of {@code ino} at {@code version} ({@code size} bytes, at most {@link
   * #limit()}) with {@code filler}, and returns it.
   */
  Path assemble(long ino, String version, long size, Filler filler) throws IOException {
    String k = key(ino, version);
    Path tmp = dir.resolve(k + ".tmp-" + Thread.currentThread().threadId());
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
        filler.fill(ch);
        if (ch.size() != size) {
          throw new IOException("assembled " + ch.size() + " bytes of inode " + ino + ", expected " + size);
        }
      }
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--------"));
      Path target = dir.resolve(k);
      synchronized (this) {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (lru.get(k) == null) {
          lru.put(k, size);
          bytes += size;
        }
        String old = byIno.put(ino, k);
        if (old != null && !old.equals(k)) {
          drop(old);
        }
        evictOver(k);
      }
      return target;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Assembles the copy in the background unless it exists or is being built; returns at once.
   * A failure is dropped (the next open asks again).
   */
  void assembleLater(long ino, String version, long size, Filler filler) {
    String k = key(ino, version);
    synchronized (this) {
      if (lru.get(k) != null || !building.add(k)) {
        return;
      }
      if (builder == null) {
        builder = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, "nectar-passthrough-copy");
          t.setDaemon(true);
          return t;
        });
      }
      try {
        builder.execute(() -> {
          try {
            assemble(ino, version, size, filler);
          } catch (IOException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(BackingFiles.class).debug("passthrough copy of inode {} failed: {}", ino, e.toString());
          } finally {
            synchronized (this) {
              building.remove(k);
            }
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        building.remove(k); // closed
      }
    }
  }

  /** Drops the copies of {@code ino} (its content changed through this client). */
  synchronized void invalidate(long ino) {
    String k = byIno.remove(ino);
    if (k != null) {
      drop(k);
    }
  }

  private void evictOver(String keep) {
    Iterator<Map.Entry<String, Long>> it = lru.entrySet().iterator();
    while (bytes > limit && it.hasNext()) {
      Map.Entry<String, Long> e = it.next();
      if (e.getKey().equals(keep)) {
        continue;
      }
      it.remove();
      bytes -= e.getValue();
      byIno.values().remove(e.getKey());
      deleteQuietly(dir.resolve(e.getKey()));
    }
  }

  private void drop(String k) {
    Long size = lru.remove(k);
    if (size != null) {
      bytes -= size;
      deleteQuietly(dir.resolve(k));
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a copy left behind is deleted at the next open of the area
    }
  }

  private void wipe() throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
        if (!p.equals(dir)) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    java.util.concurrent.ExecutorService b;
    synchronized (this) {
      b = builder;
    }
    if (b != null) {
      b.shutdownNow();
      try {
        b.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      clear();
    }
  }

  private void clear() throws IOException {
    lru.clear();
    byIno.clear();
    bytes = 0;
    wipe();
  }
}
