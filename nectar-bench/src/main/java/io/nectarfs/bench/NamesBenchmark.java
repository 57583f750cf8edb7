package io.nectarfs.bench;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Names;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import io.nectarfs.volume.Volumes;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
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
 * The cost of lossless names ({@link Names}) against the plain UTF-8 conversions they replaced,
 * per name, and a metadata lookup on the in-memory engine for scale (every lookup encodes its
 * name once for the key; every readdir entry and FUSE request decodes one).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class NamesBenchmark {
  /** ascii: a typical file name; utf8: Japanese; latin1: not UTF-8 (escape path). */
  @Param({"ascii", "utf8", "latin1"})
  String kind;

  private byte[] bytes;
  private String name;
  private MetaClient meta;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    bytes = switch (kind) {
      case "ascii" -> "IMG_20240101_123456.jpg".getBytes(StandardCharsets.UTF_8);
      case "utf8" -> "日本語のファイル名-2024.txt".getBytes(StandardCharsets.UTF_8);
      default -> HexFormat.of().parseHex("526573756de92d636166e92d6e61ef76652e747874"); // Latin-1 "Resumé-café-naïve.txt"
    };
    name = Names.decode(bytes);
    String vol = "bench-" + UUID.randomUUID();
    try (TxnKv kv = Volumes.engine("mem://" + vol, new Secrets(Map.of()))) {
      MetaClient.format(kv, Format.builder("bench", "mem://" + vol).checksum(false).storageLayout(Format.LAYOUT_NAME).build(), false, Clock.SYSTEM);
    }
    meta = Volume.openMeta("mem://" + vol, VolumeOptions.defaults().withSecrets(new Secrets(Map.of())));
    meta.mknod(Ctx.ROOT, Meta.ROOT, name, io.nectarfs.meta.FileType.FILE, 0644, 0, 0);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    meta.close();
  }

  @Benchmark
  public byte[] encodeNames() {
    return Names.encode(name);
  }

  @Benchmark
  public byte[] encodeJdkUtf8() {
    return name.getBytes(StandardCharsets.UTF_8);
  }

  @Benchmark
  public String decodeNames() {
    return Names.decode(bytes);
  }

  @Benchmark
  public String decodeJdkUtf8() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Benchmark
  public long lookup() throws Exception {
    return meta.lookup(Ctx.ROOT, Meta.ROOT, name).ino();
  }
}
