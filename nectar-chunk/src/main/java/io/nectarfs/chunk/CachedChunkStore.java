package io.nectarfs.chunk;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Metrics;
import io.nectarfs.common.Ctx;
import io.nectarfs.object.Buffers;
import io.nectarfs.object.CorruptObjectException;
import io.nectarfs.object.ObjectStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ChunkStore}: slice writers buffering in memory, and a read path that looks for a
 * block in the memory cache, the writeback staging area, the disk cache, the {@link BlockSource}
 * (when there is one: the owning member of a cache group) and finally the object store.
 *
 * <p>The block source ({@link SourceReads}): a whole-block fetch asks it for the whole block inside
 * the single flight below (concurrent readers of a block make one source call), a ranged read of an
 * uncached block for just that range; read-ahead and warm-up ({@link #fillCache}) go the same way.
 * Whatever it does not answer with exactly the bytes asked for is read from the object store. A
 * block it answered with goes to the memory cache only, never to the disk cache (its owner keeps it
 * on disk; warm-up, which is asked to make blocks local, is the exception). The serving side
 * ({@link #readBlock}, {@link #warmBlock}: this store as the owner, see {@link Serving}) never asks
 * the source.
 *
 * <p>Reading from the object store: a read that covers a whole block, continues the previous reads
 * of the slice (sequential: it starts within 8 times its length of where they ended, as concurrent
 * requests of one stream arrive slightly out of order) or takes more than a quarter of the block
 * fetches the whole block, caches it (in memory, and on disk unless {@link ChunkConfig#cacheOnRead()}
 * is off) and serves from it; a small read of a block that is not cached
 * (at its start too: a random 4 KiB read must not cost a whole-block GET) uses a ranged GET of just
 * that part and caches nothing (unless a whole-block fetch of it is already in flight, which it
 * joins). When the store's ranged reads cost a whole object anyway
 * ({@link ChunkConfig#rangedReads()} false: compression, encryption) every read of an uncached
 * block fetches and caches the whole block. With no cache at all every partial read is ranged.
 * Whole-block fetches are single-flight: concurrent readers of one block share one GET.
 *
 * <p>Cancellation ({@link #read(Ctx, long, int, int, ByteBuffer)}): a reader checks its {@link Ctx}
 * before each object request; a ranged GET runs in the reader's {@link Ctx#callAs scope}, so the
 * retry layer checks it between retries; a shared whole-block GET is not cancelled by any one of
 * its readers (the others still want it), but each waiter stops waiting when it is cancelled.
 *
 * <p>Concurrency: thread-safe. {@code inflight} (key → {@link Flight} of the whole block) is a
 * concurrent map: the thread that inserts a flight fetches the block on its own stack, caches it,
 * removes the flight and then completes it; others join it under the map's lock and wait. Whole
 * blocks are reference-counted {@link Block}s whose arrays are reused ({@link BlockPool}): every
 * copy out of one happens while holding a reference (see {@link Block} for the rules). Uploads run on a fixed pool of {@code
 * uploadThreads}, prefetches and warm-up on a fixed pool of {@code downloadThreads} (prefetches are
 * dropped beyond {@code 2 * downloadThreads} queued or when the memory budget is short). {@code
 * lastEnd} (slice → end of its last read, for sequential detection) is a small LRU map under its
 * own monitor. Invariants: a flight leaves {@code inflight} only after its block was handed to the
 * caches, and completes after it left with a reference for each reader that joined it; a read either fills {@code dst} with the stored bytes or throws with
 * {@code dst}'s position unchanged.
 */
final class CachedChunkStore implements ChunkStore {
  private static final Logger log = LoggerFactory.getLogger(CachedChunkStore.class);

  private final ObjectStore store;
  private final ChunkConfig config;
  private final int bs;
  private final MemoryBudget budget;
  private final PagePool pages;
  private final MemCache mem;
  private final DiskCache disk; // null: no disk cache
  private final Staging staging; // null: no writeback
  private final ExecutorService uploads;
  private final ExecutorService downloads;
  private final ConcurrentHashMap<String, Flight> inflight = new ConcurrentHashMap<>();
  private final BlockPool blocks;
  private final AtomicInteger prefetchQueued = new AtomicInteger();
  private final ChunkMeters meters;
  private final Clock time;
  private final SourceReads source; // null: no block source
  private final Serving serving;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder gets = new LongAdder();
  private final LongAdder puts = new LongAdder();
  private final Map<Long, Integer> lastEnd = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Integer> e) {
      return size() > 1024;
    }
  };
  private volatile boolean closed;
  Duration closeTimeout = Duration.ofSeconds(60);

  CachedChunkStore(ObjectStore store, ChunkConfig config) throws IOException {
    this(store, config, Clock.SYSTEM);
  }

  /** The same; {@code time} decides upload delays and when failed cache directories are tried again. */
  CachedChunkStore(ObjectStore store, ChunkConfig config, Clock time) throws IOException {
    this(store, config, time, Metrics.create());
  }

  /** The same, registering the chunk meters ({@link ChunkMeters}) in {@code metrics}. */
  CachedChunkStore(ObjectStore store, ChunkConfig config, Clock time, Metrics metrics) throws IOException {
    this(store, config, time, metrics, null);
  }

  /** The same, asking {@code source} (null: none) for blocks before the object store. */
  CachedChunkStore(ObjectStore store, ChunkConfig config, Clock time, Metrics metrics, BlockSource source) throws IOException {
    this.store = store;
    this.time = time;
    this.config = config;
    this.bs = config.blockSize();
    this.budget = new MemoryBudget(config.bufferSize());
    this.pages = new PagePool(Math.min(BufferedSliceWriter.PAGE_SIZE, config.blockSize()), config.bufferSize());
    boolean hasDirs = !config.cacheDirs().isEmpty();
    // With a disk cache, streams get half of the memory cache (128 MiB by default): the 64 MiB
    // read-ahead window and the blocks in flight fit (with a quarter, a 1 GiB cold read fetched 44%
    // more bytes: read-ahead blocks were evicted before their reader came). Without one, memory is
    // the only cache and every block shares it; nor below eight blocks, where halves would hold
    // too few. The pool covers the read-aheads in flight.
    boolean streamArea = hasDirs && config.cacheSize() > 0 && config.memoryCacheSize() >= 8L * bs;
    this.mem = new MemCache(config.memoryCacheSize(), streamArea ? config.memoryCacheSize() / 2 : 0);
    this.blocks = new BlockPool(bs, 2 * config.downloadThreads());
    CacheModes modes = new CacheModes(config.cacheMode());
    this.disk = hasDirs && config.cacheSize() > 0
        ? new DiskCache(config.cacheDirs(), config.cacheSize(), config.freeSpaceRatio(), Math.max(4L * bs, 64L << 20), modes,
            config.cacheEncrypted() ? new CacheCipher() : null, time)
        : null;
    this.uploads = Executors.newFixedThreadPool(config.uploadThreads(), ChunkStores.daemon("nectar-upload"));
    this.downloads = Executors.newFixedThreadPool(config.downloadThreads(), ChunkStores.daemon("nectar-download"));
    Staging s = null;
    if (config.writeback()) {
      if (hasDirs) {
        s = new Staging(config.cacheDirs().getFirst(), store, disk, config.stagingLimit(), config.uploadDelay(), config.uploadThreads(),
            puts::increment, modes, time);
      } else {
        log.warn("writeback needs a cache directory; uploading synchronously instead");
      }
    }
    this.staging = s;
    this.meters = new ChunkMeters(metrics, this);
    this.source = source == null ? null : new SourceReads(source, time, meters);
    this.serving = new Serving(this);
  }

  @Override
  public int blockSize() {
    return bs;
  }

  MemoryBudget budget() {
    return budget;
  }

  /** The write-buffer pages (within {@link #budget}'s grants). */
  PagePool pages() {
    return pages;
  }

  ExecutorService uploadExecutor() {
    return uploads;
  }

  /** Whether {@link #close} began: a writer then uploads nothing more. */
  boolean isClosed() {
    return closed;
  }

  /** The reused block arrays (tests). */
  BlockPool blockPool() {
    return blocks;
  }

  MemCache memCache() {
    return mem;
  }

  DiskCache diskCache() {
    return disk;
  }

  Staging staging() {
    return staging;
  }

  ChunkMeters meters() {
    return meters;
  }

  @Override
  public SliceWriter newWriter(long sliceId) {
    if (closed) {
      throw new IllegalStateException("chunk store is closed");
    }
    return new BufferedSliceWriter(this, sliceId);
  }

  /** Stores one finished block: staged (writeback) or put, and cached when configured. */
  /**
   * Stores one block given as buffers ({@link ObjectStore#put(String, List)}: not kept after
   * returning). Staging and caching on write keep the block, so they get one joined copy.
   */
  void storeBlock(String key, List<ByteBuffer> parts) throws IOException {
    if (staging != null || (config.cacheOnWrite() && cachesEnabled())) {
      storeBlock(key, Buffers.join(parts));
      return;
    }
    store.put(key, parts);
    puts.increment();
  }

  void storeBlock(String key, byte[] data) throws IOException {
    if (staging != null) {
      staging.stage(key, data);
      return;
    }
    store.put(key, data);
    puts.increment();
    if (config.cacheOnWrite()) {
      cache(key, Block.unpooled(data), true); // a written block: a stream's, read back mostly by the writer
    }
  }

  /** Deletes one block everywhere. */
  void deleteBlock(String key) throws IOException {
    mem.remove(key);
    if (disk != null) {
      disk.remove(key);
    }
    if (staging != null) {
      staging.remove(key);
    }
    try {
      store.delete(key);
    } catch (NoSuchFileException e) {
      // already gone
    }
  }

  /** Caches {@code block} in memory (in the stream area when {@code streamed}) and on disk; the caller keeps its reference. */
  private void cache(String key, Block block, boolean streamed) {
    if (mem.enabled()) {
      mem.put(key, block, streamed);
    }
    if (disk != null) {
      disk.putAsync(key, block);
    }
  }

  private boolean cachesEnabled() {
    return mem.enabled() || disk != null;
  }

  private static void checkRange(long sliceId, int size, int off) {
    if (size < 0 || off < 0) {
      throw new IllegalArgumentException("slice " + sliceId + ": bad size " + size + " or offset " + off);
    }
  }

  @Override
  public int read(long sliceId, int size, int off, ByteBuffer dst) throws IOException {
    return read(Ctx.ROOT, sliceId, size, off, dst);
  }

  @Override
  public int read(Ctx ctx, long sliceId, int size, int off, ByteBuffer dst) throws IOException {
    checkRange(sliceId, size, off);
    if (off >= size || !dst.hasRemaining()) {
      return 0;
    }
    int n = Math.min(dst.remaining(), size - off);
    boolean sequential;
    boolean jumped; // away from where this slice's reads ended: a random reader (a first read is neither)
    synchronized (lastEnd) {
      // Concurrent requests of one stream arrive slightly out of order: near the end counts too.
      Integer e = lastEnd.get(sliceId);
      long slack = Math.min(8L * n, 64L << 20);
      sequential = e != null && off >= e - slack && off <= e + slack;
      jumped = e != null && !sequential;
      lastEnd.put(sliceId, sequential ? Math.max(e, off + n) : off + n);
    }
    int start = dst.position();
    try {
      for (int pos = off; pos < off + n; ) {
        int bi = pos / bs;
        int boff = pos - bi * bs;
        int blen = BlockKeys.blockLength(size, bs, bi);
        int k = Math.min(blen - boff, off + n - pos);
        String key = BlockKeys.key(sliceId, bi, blen);
        boolean whole = k == blen || (cachesEnabled() && (!config.rangedReads() || sequential || k > blen / 4));
        if (fromMemory(key, boff, k, dst)) {
          if (jumped) {
            mem.promote(key); // a block a random reader comes back to
          }
        } else {
          readBlock(ctx, key, blen, boff, k, whole, sequential, dst);
        }
        pos += k;
      }
    } catch (IOException | RuntimeException e) {
      dst.position(start);
      throw e;
    }
    return n;
  }

  /** Puts bytes {@code [boff, boff + k)} of block {@code key} into {@code dst} when the memory cache has it (a hit is counted). */
  private boolean fromMemory(String key, int boff, int k, ByteBuffer dst) {
    Block cached = mem.acquire(key);
    if (cached == null) {
      return false;
    }
    try {
      hits.increment();
      meters.memHits.increment();
      meters.memBytes.increment(k);
      dst.put(cached.data(), boff, k); // straight from the cached block, no intermediate copy
      return true;
    } finally {
      cached.release();
    }
  }

  /** Puts bytes {@code [boff, boff + k)} of block {@code key} into {@code dst}, from the first place that has them. */
  private void readBlock(Ctx ctx, String key, int blen, int boff, int k, boolean whole, boolean streamed, ByteBuffer dst)
      throws IOException {
    if (fromMemory(key, boff, k, dst)) {
      return;
    }
    byte[] b;
    if ((staging != null && (b = staging.get(key, blen, boff, k)) != null) || (disk != null && (b = disk.get(key, blen, boff, k)) != null)) {
      hits.increment();
      meters.diskHits.increment();
      meters.diskBytes.increment(k);
      dst.put(b);
      return;
    }
    misses.increment();
    meters.misses.increment();
    if (whole || inflight.containsKey(key)) {
      Block full = fetchWhole(ctx, key, blen, true, true, streamed);
      try {
        dst.put(full.data(), boff, k); // the part wanted, straight from the block: no intermediate copy
      } finally {
        full.release();
      }
      return;
    }
    byte[] part = source == null ? null : source.fetch(ctx, key, blen, boff, k);
    if (part != null) {
      dst.put(part);
      return;
    }
    ctx.checkCancelled();
    gets.increment();
    part = ctx.callAs(() -> store.getBytes(key, boff, k));
    meters.objectBytes.increment(part.length);
    if (part.length != k) {
      throw new CorruptObjectException(key, "ranged read of " + k + " bytes at " + boff + " returned " + part.length);
    }
    dst.put(part);
  }

  /**
   * One whole-block fetch in flight. Readers join it inside {@code inflight.compute} (the map's
   * lock for the key), counting themselves in {@code joiners}; the fetcher leaves the map the same
   * way, reading the final count, and takes that many references for them before completing
   * {@code done}: each joiner owns one reference when it wakes, however soon the fetcher and the
   * caches release theirs.
   */
  private static final class Flight {
    final CompletableFuture<Block> done = new CompletableFuture<>();
    int joiners; // guarded by inflight's lock on this flight's key
  }

  /**
   * The whole block, fetched once however many threads ask at the same time, and cached, with a
   * reference for the caller (who must release it). {@code queueForDisk} false leaves the disk
   * cache to the caller (warm-up writes the block itself and waits, so a second write from the
   * background queue would only race with it); {@code askSource} false goes straight to the object
   * store (this store serves as the owner); {@code streamed}: a sequential stream's block (the
   * memory cache's stream area). A caller that joins a fetch already in flight gets its block,
   * wherever that came from.
   */
  Block fetchWhole(Ctx ctx, String key, int blen, boolean queueForDisk, boolean askSource, boolean streamed) throws IOException {
    ctx.checkCancelled();
    Flight mine = new Flight();
    Flight[] joined = new Flight[1];
    inflight.compute(key, (k, cur) -> {
      if (cur == null) {
        return mine;
      }
      cur.joiners++;
      joined[0] = cur;
      return cur;
    });
    if (joined[0] != null) {
      return awaitJoined(ctx, joined[0].done);
    }
    Block b = null;
    try {
      b = mem.acquire(key); // a fetch that finished just before ours began
      if (b == null && askSource && source != null) {
        // Shared by everyone who joins: no one reader's cancellation stops it (the source's timeout does).
        byte[] got = source.fetch(ctx.uncancellable(), key, blen, 0, blen);
        if (got != null) {
          b = Block.unpooled(got);
          if (mem.enabled()) {
            mem.put(key, b, streamed); // memory only: the owner keeps it on disk
          }
        }
      }
      if (b == null) {
        b = load(key, blen);
        if (queueForDisk && config.cacheOnRead()) {
          cache(key, b, streamed);
        } else if (mem.enabled()) {
          mem.put(key, b, streamed);
        }
      }
      int[] joiners = new int[1];
      inflight.compute(key, (k, cur) -> {
        joiners[0] = cur.joiners; // cur is mine: only its fetcher removes it
        return null;
      });
      b.retain(joiners[0]); // one for each joiner; ours goes to our caller
      mine.done.complete(b);
      return b;
    } catch (Throwable t) {
      if (b != null) {
        b.release();
      }
      inflight.remove(key, mine);
      mine.done.completeExceptionally(t);
      throw t;
    }
  }

  /** Waits for the fetch a reader joined: its reference when it completes; a cancelled waiter's is released once it arrives. */
  private static Block awaitJoined(Ctx ctx, CompletableFuture<Block> done) throws IOException {
    try {
      return await(ctx, done);
    } catch (IOException | RuntimeException e) {
      if (!done.isCompletedExceptionally()) {
        done.thenAccept(Block::release); // we stopped waiting: give back the reference we were counted for
      }
      throw e;
    }
  }

  /** Block {@code key} read from the object store into a reused array when it has the block size (one reference: the caller's). */
  private Block load(String key, int blen) throws IOException {
    gets.increment();
    if (blen != bs) {
      byte[] b = store.getBytes(key, 0, blen); // its length known: the checksum layer reads it through one small window
      meters.objectBytes.increment(b.length);
      if (b.length != blen) {
        throw new CorruptObjectException(key, "block has " + b.length + " bytes, its key says " + blen);
      }
      return Block.unpooled(b);
    }
    byte[] a = blocks.take();
    boolean done = false;
    try {
      int n = store.read(key, 0, ByteBuffer.wrap(a));
      meters.objectBytes.increment(n);
      if (n != blen) {
        throw new CorruptObjectException(key, "block has at least " + n + " bytes where its key says " + blen);
      }
      done = true;
      return new Block(a, blocks);
    } finally {
      if (!done) {
        blocks.give(a);
      }
    }
  }

  /** Waits for another reader's fetch; wakes with EINTR/ETIMEDOUT when {@code ctx} is cancelled. */
  private static Block await(Ctx ctx, CompletableFuture<Block> f) throws IOException {
    try {
      return ctx.await(f);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      throw new IOException(c.toString(), c);
    }
  }

  /**
   * Block {@code key} from memory or else fetched (not queued for the disk cache: the caller
   * writes it; {@code askSource} as for {@link #fetchWhole}), with a reference for the caller.
   */
  Block wholeBlock(Ctx ctx, String key, int blen, boolean askSource) throws IOException {
    Block b = mem.acquire(key);
    return b != null ? b : fetchWhole(ctx, key, blen, false, askSource, true);
  }

  boolean cached(String key) {
    return mem.contains(key) || (disk != null && disk.contains(key)) || (staging != null && staging.contains(key));
  }

  @Override
  public boolean cachedLocally(long sliceId, int size) {
    checkRange(sliceId, size, 0);
    for (int bi = 0; bi < BlockKeys.blocks(size, bs); bi++) {
      if (!cached(BlockKeys.key(sliceId, bi, BlockKeys.blockLength(size, bs, bi)))) {
        return false;
      }
    }
    return cachesEnabled();
  }

  /** {@code <first cache dir>/passthrough}, a quarter of the disk cache's size. */
  @Override
  public java.util.Optional<LocalArea> localArea() {
    if (disk == null || config.cacheEncrypted()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new LocalArea(config.cacheDirs().getFirst().resolve("passthrough"), config.cacheSize() / 4));
  }

  @Override
  public byte[] readBlock(Ctx ctx, String key, int blockLen, int off, int len) throws IOException {
    return serving.read(ctx, key, blockLen, off, len);
  }

  @Override
  public boolean hasBlock(String key, int blockLen) throws IOException {
    return serving.has(key, blockLen);
  }

  @Override
  public boolean keepBlock(String key, int blockLen, byte[] block) throws IOException {
    return serving.keep(key, blockLen, block);
  }

  @Override
  public boolean evictBlock(String key, int blockLen) throws IOException {
    return serving.evict(key, blockLen);
  }

  @Override
  public boolean warmBlock(Ctx ctx, String key, int blockLen) throws IOException {
    return serving.warm(ctx, key, blockLen);
  }

  @Override
  public int prefetch(long sliceId, int size, int off, int len) {
    checkRange(sliceId, size, off);
    if (!cachesEnabled() || closed || len <= 0 || off >= size) {
      return Math.max(len, 0);
    }
    int end = (int) Math.min(size, (long) off + len);
    for (int bi = off / bs; bi * (long) bs < end; bi++) {
      int blen = BlockKeys.blockLength(size, bs, bi);
      String key = BlockKeys.key(sliceId, bi, blen);
      if (cached(key) || inflight.containsKey(key)) {
        continue;
      }
      if (prefetchQueued.get() >= 2 * config.downloadThreads() || !budget.tryAcquireReleasable(blen)) {
        return Math.max(0, bi * bs - off); // the blocks before this one
      }
      prefetchQueued.incrementAndGet();
      meters.readAhead.increment();
      try {
        downloads.execute(() -> {
          try {
            if (!cached(key)) {
              fetchWhole(Ctx.ROOT, key, blen, true, true, true).release(); // read ahead: a stream's block
            }
          } catch (IOException e) {
            log.debug("prefetch of {} failed: {}", key, e.toString());
          } finally {
            budget.release(blen, blen);
            prefetchQueued.decrementAndGet();
          }
        });
      } catch (RejectedExecutionException e) {
        budget.release(blen, blen);
        prefetchQueued.decrementAndGet();
        return Math.max(0, bi * bs - off);
      }
    }
    return len;
  }

  @Override
  public int fillCache(long sliceId, int size) throws IOException {
    checkRange(sliceId, size, 0);
    if (!cachesEnabled()) {
      return 0;
    }
    List<CompletableFuture<Boolean>> tasks = new ArrayList<>();
    for (int bi = 0; bi < BlockKeys.blocks(size, bs); bi++) {
      int blen = BlockKeys.blockLength(size, bs, bi);
      String key = BlockKeys.key(sliceId, bi, blen);
      tasks.add(CompletableFuture.supplyAsync(() -> {
        try {
          return fill(key, blen);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, downloads));
    }
    boolean[] written = new boolean[tasks.size()];
    for (int bi = 0; bi < tasks.size(); bi++) {
      try {
        written[bi] = tasks.get(bi).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted during warm-up");
      } catch (ExecutionException e) {
        Throwable c = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
        throw c instanceof IOException io ? io : new IOException(c);
      }
    }
    int uncached = 0;
    for (int bi = 0; bi < written.length; bi++) {
      // Written, and still there once all are: a slice larger than the cache evicts its own first blocks.
      uncached += written[bi] && warm(BlockKeys.key(sliceId, bi, BlockKeys.blockLength(size, bs, bi))) ? 0 : 1;
    }
    return uncached;
  }

  /** Whether warm-up's work for {@code key} is done: on disk (or staged) with a disk cache, else in memory. */
  private boolean warm(String key) {
    return disk == null ? mem.contains(key) : disk.contains(key) || (staging != null && staging.contains(key));
  }

  /** Fetches block {@code key} if needed and writes it to the disk cache (memory without one) now; whether it is cached. */
  private boolean fill(String key, int blen) throws IOException {
    if (disk == null) {
      if (!mem.contains(key)) {
        fetchWhole(Ctx.ROOT, key, blen, true, true, false).release();
      }
      return mem.contains(key);
    }
    if (warm(key)) {
      return true;
    }
    Block b = wholeBlock(Ctx.ROOT, key, blen, true);
    try {
      return disk.putNow(key, b.data()) || disk.contains(key);
    } finally {
      b.release();
    }
  }

  @Override
  public void remove(long sliceId, int size) throws IOException {
    checkRange(sliceId, size, 0);
    IOException first = null;
    for (int bi = 0; bi < BlockKeys.blocks(size, bs); bi++) {
      try {
        deleteBlock(BlockKeys.key(sliceId, bi, BlockKeys.blockLength(size, bs, bi)));
      } catch (IOException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    synchronized (lastEnd) {
      lastEnd.remove(sliceId);
    }
    if (first != null) {
      throw first;
    }
  }

  @Override
  public void rescanLocalCache() {
    if (disk != null) {
      ChunkStores.daemon("nectar-cache-rescan").newThread(() -> {
        try {
          disk.rescan();
        } catch (RuntimeException e) {
          log.warn("rescan of the disk cache failed (its size may be undercounted until the next mount): {}", e.toString());
        }
      }).start();
    }
  }

  @Override
  public ChunkStats stats() {
    return new ChunkStats(budget.used(), budget.limit(), disk == null ? 0 : disk.bytes(), disk == null ? 0 : disk.blocks(),
        hits.sum(), misses.sum(), gets.sum(), puts.sum(), staging == null ? 0 : staging.stagedBlocks());
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    uploads.shutdown();
    downloads.shutdownNow();
    try {
      if (!uploads.awaitTermination(closeTimeout.toSeconds(), TimeUnit.SECONDS)) {
        log.warn("uploads still running at close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (staging != null) {
      long left = staging.close(closeTimeout);
      if (left > 0) {
        log.warn("{} staged blocks are not uploaded yet; they stay in {} and are uploaded at the next start", left,
            config.cacheDirs().getFirst().resolve("rawstaging"));
      }
    }
    if (disk != null) {
      disk.close();
    }
    pages.close();
  }

  /** Stops everything without draining the writeback queue, as a crash would (tests). */
  void closeNow() {
    closed = true;
    uploads.shutdownNow();
    downloads.shutdownNow();
    pages.close();
    if (staging != null) {
      staging.closeNow();
    }
    if (disk != null) {
      disk.close();
    }
  }
}
