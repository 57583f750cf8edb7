package io.nectarfs.bench;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Metrics;
import io.nectarfs.common.Secrets;
import io.nectarfs.fs.FileHandle;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import io.nectarfs.volume.Volumes;
import java.nio.ByteBuffer;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;
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
 * What observability costs per file operation in the worst case: a volume on in-memory metadata
 * and storage (no disk, no network, so the recording is the largest share it can be), with every
 * meter and the idle access-log layer ({@code on}) or with neither ({@code off}: the disabled
 * registry and no internal files). Operations go through the file API as front ends use it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class ObservabilityBenchmark {
  /** {@code on}: both; {@code off}: neither; {@code metrics} or {@code accesslog}: only that one. */
  @Param({"on", "off"})
  String observability;

  private Volume volume;
  private FileSystem fs;
  private final ByteBuffer data = ByteBuffer.allocate(4096);
  private long next;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    String name = "obs-" + UUID.randomUUID();
    Secrets none = new Secrets(Map.of());
    try (TxnKv kv = Volumes.engine("mem://" + name, none)) {
      MetaClient.format(kv, Format.builder("obs", "mem://" + name).checksum(false).storageLayout(Format.LAYOUT_NAME).build(), false, Clock.SYSTEM);
    }
    boolean metrics = observability.equals("on") || observability.equals("metrics");
    boolean accessLog = observability.equals("on") || observability.equals("accesslog");
    VolumeOptions o = VolumeOptions.defaults().withSecrets(none).withCache(CacheOptions.memoryOnly(256L << 20))
        .withMetrics(metrics ? Metrics.create() : Metrics.disabled());
    volume = Volume.open("mem://" + name, accessLog ? o : o.withVfsConfig(o.vfsConfig().withInternalFiles(false)));
    fs = volume.fileSystem();
    fs.mkdirs(Ctx.ROOT, "/d/e", 0755);
    try (FileHandle h = fs.open(Ctx.ROOT, "/d/e/f", Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), 0644)) {
      h.write(ByteBuffer.allocate(4096));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    volume.close();
  }

  /** Path resolution and attributes of an existing file (three lookups, one getattr). */
  @Benchmark
  public Object stat() throws Exception {
    return fs.stat(Ctx.ROOT, "/d/e/f", true);
  }

  /** The small-file write cycle: create, write 4 KiB, close (commit), unlink. */
  @Benchmark
  public long createWriteCloseUnlink() throws Exception {
    String p = "/d/n" + (next++ & 1023);
    try (FileHandle h = fs.open(Ctx.ROOT, p, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING), 0644)) {
      data.clear();
      h.write(data);
    }
    fs.unlink(Ctx.ROOT, p);
    return next;
  }

  /** A 4 KiB read of a cached file through a handle. */
  @Benchmark
  public int read4k() throws Exception {
    try (FileHandle h = fs.open(Ctx.ROOT, "/d/e/f", Set.of(StandardOpenOption.READ), 0)) {
      data.clear();
      return h.read(data);
    }
  }
}
