package io.nectarfs.chunk;

import static io.nectarfs.chunk.ChunkTesting.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whole blocks are reference-counted and their arrays reused: the memory cache's areas, the
 * references its readers and evictions take and give back, and readers that never see another
 * block's bytes however the arrays move between blocks.
 */
class BlockReuseTest {
  private static final int BS = 1 << 20;
  private static final int BLOCKS = 24;

  @TempDir Path tmp;

  private static Block block(int len) {
    return Block.unpooled(new byte[len]);
  }

  @Test
  void streamedBlocks_evictOnlyEachOther() {
    MemCache m = new MemCache(800, 200);
    for (int i = 0; i < 6; i++) {
      m.put("main" + i, block(100), false);
    }
    for (int i = 0; i < 20; i++) {
      m.put("stream" + i, block(100), true);
    }
    for (int i = 0; i < 6; i++) {
      assertThat(m.contains("main" + i)).as("main block %d after a stream of 20", i).isTrue();
    }
    assertThat(m.streamBytes()).isEqualTo(200);
    assertThat(m.contains("stream19")).isTrue();
    assertThat(m.contains("stream18")).isTrue();
    assertThat(m.contains("stream17")).isFalse();
    assertThat(m.bytes()).isEqualTo(800);
    m.put("main6", block(100), false); // the main area holds 600 bytes: its oldest goes
    assertThat(m.contains("main0")).isFalse();
    assertThat(m.contains("stream19")).isTrue();
  }

  @Test
  void promotedStreamBlock_survivesTheStream() {
    MemCache m = new MemCache(800, 200);
    m.put("s", block(100), true);
    m.promote("s");
    for (int i = 0; i < 10; i++) {
      m.put("stream" + i, block(100), true);
    }
    assertThat(m.contains("s")).isTrue();
    assertThat(m.streamBytes()).isEqualTo(200);
  }

  @Test
  void withoutAStreamArea_streamedBlocksShareTheCapacity() {
    MemCache m = new MemCache(300);
    m.put("a", block(100), false);
    m.put("b", block(100), true);
    m.put("c", block(100), true);
    assertThat(m.contains("a")).isTrue();
    m.put("d", block(100), true);
    assertThat(m.contains("a")).isFalse();
    assertThat(m.bytes()).isEqualTo(300);
  }

  @Test
  void evictedArray_returnsToThePool_onlyWhenItsLastReaderReleases() {
    BlockPool pool = new BlockPool(100, 4);
    MemCache m = new MemCache(200);
    Block b = new Block(pool.take(), pool);
    m.put("k", b, false);
    b.release(); // the creator's reference: the cache holds its own
    Block reader = m.acquire("k");
    assertThat(reader).isSameAs(b);
    m.put("x", block(100), false);
    m.put("y", block(100), false); // evicts k
    assertThat(m.contains("k")).isFalse();
    assertThat(m.acquire("k")).isNull();
    assertThat(pool.free()).as("a reader still copies out of it").isZero();
    reader.release();
    assertThat(pool.free()).isEqualTo(1);
    assertThat(b.retain()).as("a released block takes no reference").isFalse();
    assertThatThrownBy(b::release).isInstanceOf(IllegalStateException.class);
    assertThat(pool.take()).isSameAs(b.data());
    assertThat(pool.reused()).isEqualTo(1);
  }

  @Test
  void removedAndReplacedBlocks_giveTheirReferenceBack() {
    BlockPool pool = new BlockPool(100, 4);
    MemCache m = new MemCache(1000, 250);
    Block a = new Block(pool.take(), pool);
    m.put("k", a, true);
    a.release();
    Block b = new Block(pool.take(), pool);
    m.put("k", b, false); // replaces a
    b.release();
    assertThat(pool.free()).isEqualTo(1);
    m.remove("k");
    assertThat(pool.free()).isEqualTo(2);
    assertThat(m.bytes()).isZero();
  }

  /** A store with a memory cache of {@code memoryCache} bytes and a disk cache. */
  private CachedChunkStore store(long memoryCache) throws Exception {
    return store(memoryCache, true);
  }

  /**
   * The same, without a disk cache when {@code disk} is false: then only readers and the memory
   * cache hold blocks, and both give them back on their own threads, so reuse does not depend on
   * how fast a background writer is.
   */
  private CachedChunkStore store(long memoryCache, boolean disk) throws Exception {
    ChunkConfig c = new ChunkConfig(BS, 64L << 20, 4, 4, disk ? List.of(tmp.resolve("cache")) : List.of(), disk ? 1L << 30 : 0, 0, false,
        memoryCache, false, 0, Duration.ZERO);
    return (CachedChunkStore) ChunkStores.open(ChunkTesting.file(tmp.resolve("objects")), c);
  }

  @Test
  void sequentialRead_reusesBlockArrays() throws Exception {
    byte[] data = random(new Random(3), BLOCKS * BS);
    try (CachedChunkStore cs = store(4L * BS, false)) {
      ChunkTesting.writeSlice(cs, 5, data);
      for (int off = 0; off < data.length; off += 256 << 10) {
        assertThat(ChunkTesting.read(cs, 5, data.length, off, 256 << 10)).as("at %d", off)
            .isEqualTo(Arrays.copyOfRange(data, off, off + (256 << 10)));
      }
      assertThat(cs.blockPool().reused()).as("arrays of earlier blocks reused by later ones").isPositive();
      assertThat(cs.memCache().bytes()).isLessThanOrEqualTo(4L * BS);
    }
  }

  @Test
  void blockReadAgainAtRandom_leavesTheStreamArea() throws Exception {
    byte[] data = random(new Random(5), 8 * BS);
    try (CachedChunkStore cs = store(8L * BS)) { // a stream area of four blocks
      ChunkTesting.writeSlice(cs, 6, data);
      for (int off = 0; off < 4 * BS; off += 256 << 10) {
        ChunkTesting.read(cs, 6, data.length, off, 256 << 10);
      }
      assertThat(cs.memCache().streamBytes()).as("a sequential reader's blocks").isEqualTo(4L * BS);
      assertThat(ChunkTesting.read(cs, 6, data.length, BS + 4096, 4096)).isEqualTo(Arrays.copyOfRange(data, BS + 4096, BS + 8192));
      assertThat(cs.memCache().streamBytes()).as("block 1, read again at random, moved to the main area").isEqualTo(3L * BS);
      assertThat(cs.memCache().bytes()).isEqualTo(4L * BS);
    }
  }

  /**
   * Readers at random places, whole blocks and spans across blocks, with a memory cache of four
   * blocks: blocks are evicted, their arrays given back and filled with other blocks all the time.
   * A reference taken too late or given back too early shows as a reader's wrong bytes. With a
   * disk cache, its write queue holds blocks too and serves reads of blocks not yet written.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void concurrentReaders_neverSeeAnotherBlocksBytes(boolean disk) throws Exception {
    byte[] data = random(new Random(4), BLOCKS * BS);
    try (CachedChunkStore cs = store(4L * BS, disk)) {
      ChunkTesting.writeSlice(cs, 9, data);
      ExecutorService pool = Executors.newFixedThreadPool(6);
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        Random r = new Random(100 + t);
        results.add(pool.submit(() -> {
          int wrong = 0;
          for (int i = 0; i < 250; i++) {
            int off;
            int len;
            switch (r.nextInt(3)) {
              case 0 -> { off = r.nextInt(BLOCKS) * BS; len = BS; } // a whole block
              case 1 -> { off = r.nextInt(data.length - 2 * BS); len = BS + r.nextInt(BS); } // across blocks
              default -> { off = r.nextInt(data.length - 4096); len = 4096; } // small
            }
            if (!Arrays.equals(ChunkTesting.read(cs, 9, data.length, off, len), Arrays.copyOfRange(data, off, off + len))) {
              wrong++;
            }
          }
          return wrong;
        }));
      }
      for (Future<Integer> f : results) {
        assertThat(f.get()).as("reads with wrong bytes").isZero();
      }
      pool.shutdown();
      if (!disk) { // with a disk cache, its writer's pace decides how many arrays come back in time
        assertThat(cs.blockPool().reused()).as("arrays moved between blocks during the run").isPositive();
      }
    }
  }
}
