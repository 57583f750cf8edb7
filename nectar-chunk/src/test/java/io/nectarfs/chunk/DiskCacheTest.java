package io.nectarfs.chunk;

import static io.nectarfs.chunk.ChunkTesting.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.chunk.ChunkTesting.CountingStore;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The disk cache: checksums, limits, index rebuild, unusable directories. */
class DiskCacheTest {
  static final int BS = 64 << 10;
  @TempDir Path tmp;

  private ChunkConfig config(long cacheSize) {
    return ChunkTesting.diskCache(BS, List.of(tmp.resolve("c1"), tmp.resolve("c2")), cacheSize);
  }

  private static void drain(ChunkStore cs) {
    ((CachedChunkStore) cs).diskCache().drain();
  }

  private static Path file(ChunkStore cs, String key) {
    return ((CachedChunkStore) cs).diskCache().pathOf(key);
  }

  @ParameterizedTest
  @ValueSource(strings = {"flip", "truncate", "flipTrailer", "empty"})
  void damagedCacheFile_readReturnsRightBytes_andFileIsReplaced(String damage) throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    byte[] data = random(new Random(1), 2 * BS + 100);
    try (ChunkStore cs = ChunkStores.open(store, config(1L << 30))) {
      ChunkTesting.writeSlice(cs, 1, data);
      drain(cs);
      String key = BlockKeys.key(1, 1, BS);
      Path f = file(cs, key);
      assertThat(f).exists().hasSize(CacheFiles.fileSize(BS));
      try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
        switch (damage) {
          case "flip" -> {
            raf.seek(BS / 2);
            int b = raf.read();
            raf.seek(BS / 2);
            raf.write(b ^ 0x40);
          }
          case "truncate" -> raf.setLength(BS);
          case "flipTrailer" -> {
            raf.seek(raf.length() - 12);
            raf.write(0xFF);
          }
          default -> raf.setLength(0);
        }
      }
      long gets = store.gets.get();
      assertThat(ChunkTesting.read(cs, 1, data.length, BS + 10, 50)).isEqualTo(Arrays.copyOfRange(data, BS + 10, BS + 60));
      assertThat(ChunkTesting.read(cs, 1, data.length, 0, data.length)).isEqualTo(data);
      assertThat(store.gets.get()).as("the damaged block is fetched again").isGreaterThan(gets);
      drain(cs);
      Path again = file(cs, key);
      assertThat(again).exists().hasSize(CacheFiles.fileSize(BS));
      assertThat(CacheFiles.read(again, BS, 0, BS)).isEqualTo(Arrays.copyOfRange(data, BS, 2 * BS));
    }
  }

  @Test
  void sizeLimit_holdsAfterManyBlocks() throws Exception {
    long limit = 20L * BS;
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.mem(), config(limit))) {
      Random r = new Random(2);
      for (int i = 0; i < 20; i++) {
        byte[] data = random(r, 5 * BS);
        ChunkTesting.writeSlice(cs, 100 + i, data);
        drain(cs);
        assertThat(cs.stats().cacheBytes()).isLessThanOrEqualTo(limit);
      }
      long onDisk;
      try (var files = Files.walk(tmp)) {
        onDisk = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
      }
      assertThat(onDisk).isEqualTo(cs.stats().cacheBytes()).isLessThanOrEqualTo(limit);
      assertThat(cs.stats().cacheBlocks()).isGreaterThanOrEqualTo(10);
    }
  }

  private long bytesOnDisk() throws java.io.IOException {
    try (var files = Files.walk(tmp)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  /**
   * A process that takes over a mount (a standby, an upgrade's successor) opened its cache earlier;
   * its predecessor went on caching and evicting in the same directories. The rescan after the
   * takeover counts what was added, forgets what was removed, and brings the cache under its limit.
   */
  @Test
  void rescan_afterATakeover_countsThePredecessorsBlocks_forgetsItsRemovals_andKeepsTheLimit() throws Exception {
    long limit = 8 * CacheFiles.fileSize(BS);
    try (ChunkStore predecessor = ChunkStores.open(ChunkTesting.mem(), config(1L << 30))) {
      ChunkTesting.writeSlice(predecessor, 1, random(new Random(21), 3 * BS));
      drain(predecessor);
      try (ChunkStore successor = ChunkStores.open(ChunkTesting.mem(), config(limit))) {
        assertThat(successor.stats().cacheBlocks()).isEqualTo(3);
        predecessor.remove(1, 3 * BS);
        ChunkTesting.writeSlice(predecessor, 2, random(new Random(22), 6 * BS));
        ChunkTesting.writeSlice(predecessor, 3, random(new Random(23), 4 * BS));
        drain(predecessor);
        assertThat(bytesOnDisk()).as("the predecessor's cache, over the successor's limit").isGreaterThan(limit);
        assertThat(successor.stats().cacheBlocks()).as("what the successor knows before the rescan").isEqualTo(3);

        ((CachedChunkStore) successor).diskCache().rescan();
        assertThat(file(successor, BlockKeys.key(1, 0, BS))).as("removed by the predecessor: forgotten").isNull();
        assertThat(successor.stats().cacheBytes()).isLessThanOrEqualTo(limit).isEqualTo(bytesOnDisk());
        assertThat(successor.stats().cacheBlocks()).isGreaterThanOrEqualTo(7);
      }
    }
  }

  @Test
  void rescanLocalCache_runsInTheBackground_andIndexesWhatAnotherProcessCached() throws Exception {
    try (ChunkStore successor = ChunkStores.open(ChunkTesting.mem(), config(1L << 30))) {
      try (ChunkStore predecessor = ChunkStores.open(ChunkTesting.mem(), config(1L << 30))) {
        ChunkTesting.writeSlice(predecessor, 5, random(new Random(24), 2 * BS));
        drain(predecessor);
      }
      assertThat(successor.stats().cacheBlocks()).isZero();
      successor.rescanLocalCache();
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (successor.stats().cacheBlocks() < 2) {
        assertThat(System.nanoTime()).as("the rescan indexes both blocks").isLessThan(deadline);
        Thread.sleep(10);
      }
      assertThat(file(successor, BlockKeys.key(5, 1, BS))).exists();
    }
  }

  @Test
  void reopen_rebuildsIndex_servesFromCacheWithoutGets() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    byte[] data = random(new Random(3), 7 * BS + 1);
    try (ChunkStore cs = ChunkStores.open(store, config(1L << 30))) {
      ChunkTesting.writeSlice(cs, 2, data);
      drain(cs);
    }
    Files.writeString(tmp.resolve("c1/raw/chunks/0/0/.2_0_65536.123.tmp"), "left by a crash");
    store.gets.set(0);
    try (ChunkStore cs = ChunkStores.open(store, config(1L << 30))) {
      assertThat(cs.stats().cacheBlocks()).isEqualTo(8);
      assertThat(cs.stats().cacheBytes()).isEqualTo(7 * CacheFiles.fileSize(BS) + CacheFiles.fileSize(1));
      assertThat(ChunkTesting.read(cs, 2, data.length, 0, data.length)).isEqualTo(data);
      assertThat(store.gets.get()).isZero();
      assertThat(tmp.resolve("c1/raw/chunks/0/0/.2_0_65536.123.tmp")).doesNotExist();
    }
  }

  @Test
  void unusableCacheDir_failsTheOpen_namingTheDirectory() throws Exception {
    Path notADir = tmp.resolve("file");
    Files.writeString(notADir, "x");
    assertThatThrownBy(() -> ChunkStores.open(ChunkTesting.mem(), ChunkTesting.diskCache(BS, List.of(notADir), 1L << 30)))
        .isInstanceOf(java.io.IOException.class).hasMessageContaining("cache directory " + notADir + " cannot be used");
    assertThatThrownBy(() -> ChunkStores.open(ChunkTesting.mem(), ChunkTesting.diskCache(BS, List.of(Path.of("/proc/x")), 1L << 30)))
        .isInstanceOf(java.io.IOException.class).hasMessageContaining("cache directory /proc/x cannot be used");
  }

  @Test
  void stagedBlocks_arePrivate_andWideOnesRepairedAtOpen() throws Exception {
    Path dir = tmp.resolve("wb");
    byte[] data = random(new Random(9), 2 * BS);
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.mem(), ChunkTesting.writeback(BS, dir, 1L << 30, Duration.ofDays(1)))) {
      ChunkTesting.writeSlice(cs, 11, data);
      try (var all = Files.walk(dir.resolve("rawstaging"))) {
        List<Path> paths = all.toList();
        assertThat(paths.stream().filter(Files::isRegularFile)).hasSize(2);
        for (Path p : paths) {
          assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString())
              .isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
          Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
        }
      }
      ((CachedChunkStore) cs).closeTimeout = Duration.ZERO; // leave the blocks staged
    }
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.mem(), ChunkTesting.writeback(BS, dir, 1L << 30, Duration.ofDays(1)))) {
      // the repair is done when open returns; the reopened store may already be uploading the
      // staged blocks and removing them, so a file that is gone by the time it is looked at is skipped
      int checked = 0;
      try (var all = Files.walk(dir)) {
        for (Path p : all.toList()) {
          String perms;
          try {
            perms = java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
          } catch (java.nio.file.NoSuchFileException gone) {
            continue;
          }
          assertThat(perms).as(p.toString()).isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
          checked++;
        }
      }
      assertThat(checked).as("the staging directories at least").isGreaterThan(3);
      ((CachedChunkStore) cs).closeTimeout = Duration.ZERO;
    }
  }

  @Test
  void cacheFiles_arePrivate_wideOnesRepairedAtOpen_encryptedOnesHoldNoPlaintext() throws Exception {
    Path dir = tmp.resolve("c1");
    byte[] data = new byte[BS];
    Arrays.fill(data, (byte) 'Z');
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.mem(), ChunkTesting.diskCache(BS, List.of(dir), 1L << 30))) {
      ChunkTesting.writeSlice(cs, 7, data);
      drain(cs);
    }
    try (var all = Files.walk(dir)) {
      for (Path p : all.toList()) {
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.mem(), ChunkTesting.diskCache(BS, List.of(dir), 1L << 30))) {
      assertThat(cs.stats().cacheBlocks()).isEqualTo(1);
      try (var all = Files.walk(dir)) {
        for (Path p : all.toList()) {
          assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString())
              .isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
        }
      }
    }
    ChunkConfig enc = ChunkTesting.diskCache(BS, List.of(dir), 1L << 30).withCacheMode(0640, true);
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.mem(), enc)) {
      ChunkTesting.writeSlice(cs, 8, data);
      drain(cs);
      assertThat(ChunkTesting.read(cs, 8, data.length, 100, 5000)).isEqualTo(Arrays.copyOfRange(data, 100, 5100));
      try (var all = Files.walk(dir)) {
        List<Path> files = all.filter(p -> Files.isRegularFile(p) && p.toString().contains("/rawenc-")).toList();
        assertThat(files).hasSize(1);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(files.getFirst()))).isEqualTo("rw-r-----");
        byte[] raw = Files.readAllBytes(files.getFirst());
        int zs = 0;
        for (int i = 0; i < BS; i++) {
          zs += raw[i] == 'Z' ? 1 : 0;
        }
        assertThat(zs).as("plaintext bytes on disk").isLessThan(BS / 100);
      }
    }
  }

  /**
   * A mount's standby or upgrade successor opens the same cache directories while the worker still
   * serves from them: an encrypted root of a running process stays its own; those of ended
   * processes (and of older versions, named without a process) are deleted.
   */
  @Test
  void encryptedRoots_ofRunningProcessesStay_ofEndedOnesGo() throws Exception {
    Path dir = tmp.resolve("c1");
    ChunkConfig enc = ChunkTesting.diskCache(BS, List.of(dir), 1L << 30).withCacheMode(0600, true);
    byte[] data = random(new Random(31), BS);
    Process ended = new ProcessBuilder("true").start();
    ended.waitFor();
    Path deadRoot = Files.createDirectories(dir.resolve(DiskCache.ENCRYPTED_ROOT + ended.pid() + "-abc"));
    Path oldRoot = Files.createDirectories(dir.resolve(DiskCache.ENCRYPTED_ROOT + "1234abcd"));
    try (ChunkStore worker = ChunkStores.open(ChunkTesting.mem(), enc)) {
      ChunkTesting.writeSlice(worker, 9, data);
      drain(worker);
      Path cached = file(worker, BlockKeys.key(9, 0, BS));
      assertThat(cached).exists();
      try (ChunkStore standby = ChunkStores.open(ChunkTesting.mem(), enc)) {
        assertThat(cached).as("the worker's cache, while the standby opens beside it").exists();
        assertThat(ChunkTesting.read(worker, 9, data.length, 0, BS)).isEqualTo(data);
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (Files.exists(deadRoot) || Files.exists(oldRoot)) {
          assertThat(System.nanoTime()).as("the ended process's and the old root are deleted").isLessThan(deadline);
          Thread.sleep(10);
        }
      }
    }
  }

  @Test
  void cacheDirBrokenAfterOpen_writesFailQuietly() throws Exception {
    byte[] data = random(new Random(5), 3 * BS);
    Path dir = tmp.resolve("c1");
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.mem(), ChunkTesting.diskCache(BS, List.of(dir), 1L << 30))) {
      // replace the cache's chunk directory tree by a file: every cache write fails
      Files.createDirectories(dir.resolve("raw"));
      Files.writeString(dir.resolve("raw/chunks"), "in the way");
      ChunkTesting.writeSlice(cs, 4, data);
      drain(cs);
      assertThat(ChunkTesting.read(cs, 4, data.length, 0, data.length)).isEqualTo(data);
    }
  }

  @Test
  void freeSpaceFloorNotMet_nothingCached_readsWork() throws Exception {
    ChunkConfig c = new ChunkConfig(BS, 64L << 20, 2, 2, List.of(tmp.resolve("c")), 1L << 30, 0.999999, true, 0, false, 0, Duration.ZERO);
    byte[] data = random(new Random(6), 2 * BS);
    try (ChunkStore cs = ChunkStores.open(ChunkTesting.mem(), c)) {
      ChunkTesting.writeSlice(cs, 5, data);
      drain(cs);
      assertThat(ChunkTesting.read(cs, 5, data.length, 0, data.length)).isEqualTo(data);
      drain(cs);
      assertThat(cs.stats().cacheBlocks()).isZero();
    }
  }

  @Test
  void aDirectoryThatFailed_isTriedAgainWhenTheInjectedClockSaysSo() throws Exception {
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_000_000_000L);
    Path dir = tmp.resolve("c");
    try (DiskCache cache = new DiskCache(List.of(dir), 1L << 30, 0, 64L << 20, new CacheModes(ChunkConfig.DEFAULT_CACHE_MODE), null, now::get)) {
      Path obstacle = dir.resolve(DiskCache.PLAIN_ROOT).resolve("chunks");
      Files.writeString(obstacle, "in the way"); // block files cannot be written below it
      byte[] block = random(new Random(7), 1000);
      String key = BlockKeys.key(7, 0, block.length);
      assertThat(cache.putNow(key, block)).as("write fails: the directory is set aside").isFalse();
      Files.delete(obstacle);
      assertThat(cache.putNow(key, block)).as("still set aside").isFalse();
      now.addAndGet(DiskCache.RETRY_NANOS - 1);
      assertThat(cache.putNow(key, block)).as("just before the retry time").isFalse();
      now.addAndGet(2);
      assertThat(cache.putNow(key, block)).as("tried again after the retry time").isTrue();
      assertThat(cache.get(key, block.length, 0, block.length)).isEqualTo(block);
    }
  }
}
