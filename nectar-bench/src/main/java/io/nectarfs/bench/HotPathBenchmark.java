package io.nectarfs.bench;

import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.chunk.SliceWriter;
import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Chunks;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.Slice;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.vfs.Vfs;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import io.nectarfs.volume.Volumes;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The data path's hot spots on in-memory stores (no disk, no network): resolving a chunk's
 * slices, reading a cached block range, writing a block-sized slice, and 4 KiB / 1 MiB reads
 * through the VFS.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class HotPathBenchmark {
  @Param({"1", "20", "200"})
  int slices;

  /** The slice of the chunk store benchmarks: far above the ids the metadata hands the VFS. */
  private static final long BLOCK_SLICE = 1L << 50;

  private List<Slice> chunk;
  private Volume volume;
  private ChunkStore chunks;
  private Vfs vfs;
  private long ino;
  private long fh;
  private final ByteBuffer small = ByteBuffer.allocate(4096);
  private final ByteBuffer large = ByteBuffer.allocate(1 << 20);
  private final byte[] block = new byte[4 << 20];
  private long nextId = 1 << 40;
  private final Random random = new Random(1);

  @Setup(Level.Trial)
  public void setup() throws Exception {
    Random r = new Random(7);
    chunk = new ArrayList<>();
    for (int i = 0; i < slices; i++) {
      int pos = r.nextInt(60 << 20);
      int len = r.nextInt(4 << 20) + 1;
      chunk.add(new Slice(pos, i + 1, len, 0, len));
    }
    String name = "bench-" + UUID.randomUUID();
    try (TxnKv kv = Volumes.engine("mem://" + name, new Secrets(Map.of()))) {
      MetaClient.format(kv, Format.builder("bench", "mem://" + name).checksum(false).storageLayout(Format.LAYOUT_NAME).build(), false, Clock.SYSTEM);
    }
    volume = Volume.open("mem://" + name, VolumeOptions.defaults().withSecrets(new Secrets(Map.of())).withCache(CacheOptions.memoryOnly(256L << 20)));
    chunks = volume.chunks();
    vfs = volume.vfs();
    r.nextBytes(block);
    SliceWriter w = chunks.newWriter(BLOCK_SLICE);
    w.write(0, ByteBuffer.wrap(block));
    w.finish(block.length);
    var o = vfs.create(Ctx.ROOT, Meta.ROOT, "f", 0644, 0, 2);
    ino = o.entry().ino();
    fh = o.fh();
    byte[] data = new byte[64 << 20];
    r.nextBytes(data);
    vfs.write(Ctx.ROOT, ino, fh, 0, ByteBuffer.wrap(data));
    vfs.fsync(Ctx.ROOT, ino, fh, false);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    vfs.release(Ctx.ROOT, ino, fh);
    volume.close();
  }

  @Benchmark
  public List<Slice> resolveChunk() {
    return Chunks.resolve(chunk);
  }

  @Benchmark
  public int chunkStoreRead4k() throws Exception {
    small.clear();
    return chunks.read(BLOCK_SLICE, block.length, random.nextInt(block.length - 4096) & ~4095, small);
  }

  @Benchmark
  public long chunkStoreWrite4MiBSlice() throws Exception {
    SliceWriter w = chunks.newWriter(nextId++);
    w.write(0, ByteBuffer.wrap(block));
    w.finish(block.length);
    chunks.remove(w.id(), block.length);
    return w.id();
  }

  @Benchmark
  public int vfsRead4k() throws Exception {
    small.clear();
    return vfs.read(Ctx.ROOT, ino, fh, random.nextInt((64 << 20) - 4096) & ~4095, small);
  }

  @Benchmark
  public int vfsRead1MiB() throws Exception {
    large.clear();
    return vfs.read(Ctx.ROOT, ino, fh, (long) random.nextInt(63) << 20, large);
  }
}
