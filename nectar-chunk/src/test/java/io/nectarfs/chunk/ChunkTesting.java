package io.nectarfs.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.object.ListPage;
import io.nectarfs.object.ObjectInfo;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import io.nectarfs.testkit.StoreStacks;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/** Helpers shared by the chunk tests. */
final class ChunkTesting {
  private ChunkTesting() {}

  /** Counts the operations that reach the store below. */
  static class CountingStore implements ObjectStore {
    final ObjectStore next;
    final AtomicLong gets = new AtomicLong();
    final AtomicLong puts = new AtomicLong();
    final AtomicLong deletes = new AtomicLong();
    /** The longest range a GET asked for ({@link Long#MAX_VALUE}: a whole object). */
    final AtomicLong longestGet = new AtomicLong();

    CountingStore(ObjectStore next) {
      this.next = next;
    }

    @Override
    public String describe() {
      return "counting(" + next.describe() + ")";
    }

    @Override
    public InputStream get(String key, long off, long len) throws IOException {
      gets.incrementAndGet();
      longestGet.accumulateAndGet(len < 0 ? Long.MAX_VALUE : len, Math::max);
      return next.get(key, off, len);
    }

    @Override
    public void put(String key, InputStream data, long length) throws IOException {
      puts.incrementAndGet();
      next.put(key, data, length);
    }

    @Override
    public void delete(String key) throws IOException {
      deletes.incrementAndGet();
      next.delete(key);
    }

    @Override
    public ObjectInfo head(String key) throws IOException {
      return next.head(key);
    }

    @Override
    public ListPage list(String prefix, String startAfter, String delimiter, int maxKeys) throws IOException {
      return next.list(prefix, startAfter, delimiter, maxKeys);
    }

    @Override
    public void close() throws IOException {
      next.close();
    }
  }

  static ObjectStore mem() throws IOException {
    return ObjectStores.registry().open("mem://", StoreOptions.raw(), StoreStacks.secrets());
  }

  /** A mem:// store with injected latency and error rate, under an instant retry layer of {@code attempts}. */
  static ObjectStore faulty(double errorRate, Duration latency, int attempts) throws IOException {
    StoreOptions o = StoreOptions.raw().withRetry(StoreStacks.instantRetry(attempts))
        .withFaults(new StoreOptions.Faults(errorRate, latency, 0, 7));
    return ObjectStores.registry().open("mem://", o, StoreStacks.secrets());
  }

  static ObjectStore file(Path dir) throws IOException {
    return ObjectStores.registry().open("file://" + dir.toAbsolutePath(), StoreOptions.defaults(), StoreStacks.secrets());
  }

  /** A config with no caches. */
  static ChunkConfig noCache(int blockSize) {
    return new ChunkConfig(blockSize, 64L << 20, 4, 4, List.of(), 0, 0, false, 0, false, 0, Duration.ZERO);
  }

  static ChunkConfig memCache(int blockSize) {
    return new ChunkConfig(blockSize, 64L << 20, 4, 4, List.of(), 0, 0, false, 128L << 20, false, 0, Duration.ZERO);
  }

  static ChunkConfig diskCache(int blockSize, List<Path> dirs, long cacheSize) {
    return new ChunkConfig(blockSize, 64L << 20, 4, 4, dirs, cacheSize, 0, true, 0, false, 0, Duration.ZERO);
  }

  static ChunkConfig writeback(int blockSize, Path dir, long stagingLimit, Duration delay) {
    return new ChunkConfig(blockSize, 64L << 20, 4, 4, List.of(dir), 1L << 30, 0, false, 0, true, stagingLimit, delay);
  }

  static byte[] random(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  /** Writes {@code data} as slice {@code id} in one go and finishes it. */
  static void writeSlice(ChunkStore cs, long id, byte[] data) throws IOException {
    SliceWriter w = cs.newWriter(id);
    w.write(0, ByteBuffer.wrap(data));
    w.finish(data.length);
  }

  static byte[] read(ChunkStore cs, long id, int size, int off, int len) throws IOException {
    ByteBuffer dst = ByteBuffer.allocate(len);
    int n = cs.read(id, size, off, dst);
    assertThat(n).isEqualTo(Math.max(0, Math.min(len, size - off)));
    byte[] out = new byte[n];
    dst.flip().get(out);
    return out;
  }

  static void await(BooleanSupplier cond, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout);
      }
      Thread.sleep(10);
    }
  }
}
