package io.nectarfs.chunk;

import static io.nectarfs.chunk.ChunkTesting.random;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.chunk.ChunkTesting.CountingStore;
import io.nectarfs.object.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writeback: durable local staging, ordered background upload, recovery after a crash. */
class WritebackTest {
  static final int BS = 64 << 10;
  @TempDir Path tmp;

  private static int keys(ObjectStore s) {
    try {
      return s.listKeys("chunks/").size();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private long stagedFiles() throws IOException {
    Path root = tmp.resolve("wb/rawstaging");
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void finishReturnsBeforeUpload_dataReadableAtOnce_uploadedLater() throws Exception {
    CountingStore store = new CountingStore(ChunkTesting.mem());
    byte[] data = random(new Random(1), 3 * BS + 5);
    try (ChunkStore cs = ChunkStores.open(store, ChunkTesting.writeback(BS, tmp.resolve("wb"), 1L << 30, Duration.ofMillis(700)))) {
      ChunkTesting.writeSlice(cs, 1, data);
      assertThat(keys(store)).isZero();
      assertThat(cs.stats().stagedBlocks()).isEqualTo(4);
      assertThat(stagedFiles()).isEqualTo(4);
      assertThat(ChunkTesting.read(cs, 1, data.length, 0, data.length)).isEqualTo(data);
      assertThat(store.gets.get()).isZero();

      ChunkTesting.await(() -> keys(store) == 4 && cs.stats().stagedBlocks() == 0, Duration.ofSeconds(10));
      assertThat(stagedFiles()).isZero();
      assertThat(ChunkTesting.read(cs, 1, data.length, 0, data.length)).isEqualTo(data);
      assertThat(store.gets.get()).as("uploaded blocks moved into the disk cache").isZero();
      assertThat(store.getBytes(BlockKeys.key(1, 3, 5))).isEqualTo(java.util.Arrays.copyOfRange(data, 3 * BS, 3 * BS + 5));
    }
  }

  @Test
  void crash_newStoreUploadsStagedBlocksAtStart() throws Exception {
    ObjectStore store = ChunkTesting.mem();
    byte[] a = random(new Random(2), 5 * BS);
    byte[] b = random(new Random(3), 100);
    CachedChunkStore first = (CachedChunkStore) ChunkStores.open(store, ChunkTesting.writeback(BS, tmp.resolve("wb"), 1L << 30, Duration.ofHours(1)));
    ChunkTesting.writeSlice(first, 10, a);
    ChunkTesting.writeSlice(first, 11, b);
    first.closeNow();
    assertThat(keys(store)).isZero();
    Files.writeString(tmp.resolve("wb/rawstaging/chunks/0/0/.10_9_65536.77.tmp"), "torn");

    try (ChunkStore second = ChunkStores.open(store, ChunkTesting.writeback(BS, tmp.resolve("wb"), 1L << 30, Duration.ZERO))) {
      assertThat(ChunkTesting.read(second, 10, a.length, 0, a.length)).isEqualTo(a);
      ChunkTesting.await(() -> keys(store) == 6 && second.stats().stagedBlocks() == 0, Duration.ofSeconds(10));
    }
    assertThat(stagedFiles()).isZero();
    try (ChunkStore third = ChunkStores.open(store, ChunkTesting.noCache(BS))) {
      assertThat(ChunkTesting.read(third, 10, a.length, 0, a.length)).isEqualTo(a);
      assertThat(ChunkTesting.read(third, 11, b.length, 0, b.length)).isEqualTo(b);
    }
  }

  /**
   * Crash recovery (issue #17) writes an append slice again under its id: blocks the crashed
   * process staged stay staged once, with the same bytes. Staged twice, two uploads of one key
   * raced and the later one, finding the file moved by the first, deleted the block from the store.
   */
  @Test
  void aSliceStagedAgainUnderItsIdAfterACrash_isStagedOnce_andNothingIsDeleted() throws Exception {
    java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
    CountingStore store = new CountingStore(ChunkTesting.mem()) {
      @Override
      public void put(String key, java.io.InputStream data, long length) throws IOException {
        try {
          held.await(); // the recovered blocks' uploads wait here until the slice is written again
        } catch (InterruptedException e) {
          throw new java.io.InterruptedIOException();
        }
        super.put(key, data, length);
      }
    };
    byte[] a = random(new Random(4), 5 * BS);
    CachedChunkStore first = (CachedChunkStore) ChunkStores.open(store, ChunkTesting.writeback(BS, tmp.resolve("wb"), 1L << 30, Duration.ofHours(1)));
    ChunkTesting.writeSlice(first, 10, a);
    first.closeNow(); // the crash: five blocks staged, none uploaded
    CachedChunkStore second = (CachedChunkStore) ChunkStores.open(store, ChunkTesting.writeback(BS, tmp.resolve("wb"), 1L << 30, Duration.ofHours(1)));
    try {
      assertThat(second.stats().stagedBlocks()).as("found at the start").isEqualTo(5);
      long bytes = second.staging().stagedBytes();
      ChunkTesting.writeSlice(second, 10, a);
      assertThat(second.staging().stagedBytes()).as("staged bytes after staging the same blocks again").isEqualTo(bytes);
    } finally {
      held.countDown();
    }
    second.close(); // uploads what is staged
    assertThat(keys(store)).isEqualTo(5);
    assertThat(store.deletes.get()).isZero();
    try (ChunkStore third = ChunkStores.open(store, ChunkTesting.noCache(BS))) {
      assertThat(ChunkTesting.read(third, 10, a.length, 0, a.length)).isEqualTo(a);
    }
  }

  @Test
  void stagingLimit_holds_writersWait() throws Exception {
    long limit = 3 * CacheFiles.fileSize(BS);
    ObjectStore store = ChunkTesting.faulty(0, Duration.ofMillis(30), 1);
    byte[] data = random(new Random(4), 20 * BS);
    try (CachedChunkStore cs = (CachedChunkStore) ChunkStores.open(store, ChunkTesting.writeback(BS, tmp.resolve("wb"), limit, Duration.ZERO))) {
      AtomicBoolean done = new AtomicBoolean();
      AtomicLong maxStaged = new AtomicLong();
      Thread sampler = Thread.ofPlatform().start(() -> {
        while (!done.get()) {
          maxStaged.accumulateAndGet(cs.staging().stagedBytes(), Math::max);
          Thread.onSpinWait();
        }
      });
      ChunkTesting.writeSlice(cs, 20, data);
      ChunkTesting.await(() -> cs.stats().stagedBlocks() == 0, Duration.ofSeconds(20));
      done.set(true);
      sampler.join();
      assertThat(maxStaged.get()).isLessThanOrEqualTo(limit).isPositive();
      assertThat(keys(store)).isEqualTo(20);
      assertThat(ChunkTesting.read(cs, 20, data.length, 0, data.length)).isEqualTo(data);
    }
  }

  @Test
  void removeWhileStaged_neverUploaded() throws Exception {
    ObjectStore store = ChunkTesting.mem();
    byte[] data = random(new Random(5), 2 * BS);
    try (ChunkStore cs = ChunkStores.open(store, ChunkTesting.writeback(BS, tmp.resolve("wb"), 1L << 30, Duration.ofMillis(300)))) {
      ChunkTesting.writeSlice(cs, 30, data);
      cs.remove(30, data.length);
      assertThat(cs.stats().stagedBlocks()).isZero();
      Thread.sleep(600);
      assertThat(keys(store)).isZero();
      assertThat(stagedFiles()).isZero();
    }
  }

  @Test
  void close_uploadsQueueWithoutWaitingForTheDelay() throws Exception {
    ObjectStore store = ChunkTesting.mem();
    byte[] data = random(new Random(6), 4 * BS);
    ChunkStore cs = ChunkStores.open(store, ChunkTesting.writeback(BS, tmp.resolve("wb"), 1L << 30, Duration.ofHours(1)));
    ChunkTesting.writeSlice(cs, 40, data);
    assertThat(keys(store)).isZero();
    cs.close();
    assertThat(keys(store)).isEqualTo(4);
    assertThat(stagedFiles()).isZero();
  }

  /** A full store: staged blocks wait (they were acknowledged), retried with backoff and logged once. */
  @Test
  void fullStore_isRetriedQuietly_untilItHasSpace() throws Exception {
    ObjectStore mem = ChunkTesting.mem();
    AtomicBoolean full = new AtomicBoolean(true);
    AtomicLong attempts = new AtomicLong();
    ObjectStore store = new FullStore(mem, full, attempts);
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try (ChunkStore cs = ChunkStores.open(store, ChunkTesting.writeback(BS, tmp.resolve("wb"), 1L << 30, Duration.ZERO))) {
      byte[] data = random(new Random(3), 2 * BS);
      ChunkTesting.writeSlice(cs, 1, data);
      ChunkTesting.await(() -> attempts.get() >= 6, Duration.ofSeconds(60));
      assertThat(ChunkTesting.read(cs, 1, data.length, 0, data.length)).isEqualTo(data);
      full.set(false);
      ChunkTesting.await(() -> keys(mem) == 2 && cs.stats().stagedBlocks() == 0, Duration.ofSeconds(60));
    } finally {
      System.setErr(err);
    }
    String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
    err.print(log);
    assertThat(log.lines().filter(l -> l.contains("object storage is full"))).as(log).hasSize(1);
    assertThat(log.lines().filter(l -> l.contains("upload of staged block"))).as(log).isEmpty();
  }

  /** Answers ENOSPC to every put while {@code full}. */
  private record FullStore(ObjectStore next, AtomicBoolean full, AtomicLong attempts) implements ObjectStore {
    @Override
    public String describe() {
      return "full(" + next.describe() + ")";
    }

    @Override
    public java.io.InputStream get(String key, long off, long len) throws IOException {
      return next.get(key, off, len);
    }

    @Override
    public void put(String key, java.io.InputStream data, long length) throws IOException {
      attempts.incrementAndGet();
      if (full.get()) {
        throw new io.nectarfs.common.FsException(io.nectarfs.common.Errno.ENOSPC, "test store is full");
      }
      next.put(key, data, length);
    }

    @Override
    public void delete(String key) throws IOException {
      next.delete(key);
    }

    @Override
    public io.nectarfs.object.ObjectInfo head(String key) throws IOException {
      return next.head(key);
    }

    @Override
    public io.nectarfs.object.ListPage list(String prefix, String startAfter, String delimiter, int maxKeys) throws IOException {
      return next.list(prefix, startAfter, delimiter, maxKeys);
    }

    @Override
    public void close() throws IOException {
      next.close();
    }
  }
}
