package io.nectarfs.cli;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Metrics;
import io.nectarfs.common.Sizes;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nectar bench TARGET}: sequential write and read of a large file, random 4 KiB reads and
 * small-file create/stat/read/delete. TARGET is a metadata URL (through the VFS, no mount) or a
 * directory (any file system: a NectarFS mount, a local disk, another FUSE file system), so the
 * same numbers can be taken side by side.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Benchmark file I/O: sequential write/read, random 4 KiB reads, small files.",
        "TARGET is a META-URL (through the VFS) or a directory (e.g. a mount point or a local disk, for comparison)."})
final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;
  @Mixin DataOptions data;

  @Parameters(paramLabel = "TARGET", description = "META-URL or directory.")
  String target;

  @Option(names = "--big-file-size", paramLabel = "SIZE", description = "Size of the large file (default: ${DEFAULT-VALUE}).")
  String bigFileSize = "1G";

  @Option(names = "--io-size", paramLabel = "SIZE", description = "Size of each sequential read/write (default: ${DEFAULT-VALUE}).")
  String ioSize = "1M";

  @Option(names = "--random-reads", paramLabel = "N", description = "Random 4 KiB reads (default: ${DEFAULT-VALUE}).")
  int randomReads = 5000;

  @Option(names = "--small-files", paramLabel = "N", description = "Small files (default: ${DEFAULT-VALUE}).")
  int smallFiles = 1000;

  @Option(names = "--small-size", paramLabel = "SIZE", description = "Size of each small file (default: ${DEFAULT-VALUE}).")
  String smallSize = "4K";

  @Option(names = "--drop-caches", description = "Also read the large file cold: drop the kernel's page cache first (root).")
  boolean dropCaches;

  @Option(names = "--no-metrics", description = "Through the VFS: record no metrics (to measure what recording them costs).")
  boolean noMetrics;

  @Option(names = "--no-access-log", description = "Through the VFS: no access-log layer and no internal files (.stats, .accesslog), to measure what the idle access log costs.")
  boolean noAccessLog;

  /** What the benchmark needs from a file system. */
  interface Target extends AutoCloseable {
    OutputStream create(String name) throws IOException;

    /** Random-access reads of one file. */
    interface Reader extends AutoCloseable {
      int read(long off, ByteBuffer dst) throws IOException;

      @Override
      void close() throws IOException;
    }

    Reader open(String name) throws IOException;

    InputStream stream(String name) throws IOException;

    void stat(String name) throws IOException;

    void delete(String name) throws IOException;

    void mkdir(String name) throws IOException;

    @Override
    void close() throws IOException;
  }

  @Option(names = "--json", description = "Print the results as one JSON object (fields: docs/cli-json.md).")
  boolean json;

  private record Row(String what, String result, String detail, Phase phase) {}

  /** {@code --json}: one phase; {@code ops} operations moving {@code bytes} in {@code seconds}. */
  /** A latency for the table: µs below a millisecond (cached reads take a few µs), ms above. */
  static String latency(double nanos) {
    return nanos < 1e6 ? String.format(Locale.ROOT, "%.1f µs", nanos / 1e3) : String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
  }

  record Phase(String test, long ops, long bytes, double seconds, Double p50Ms, Double p99Ms) {}

  record Json(String target, List<Phase> results) {}

  private static double secs(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    long big = Sizes.parse(bigFileSize);
    int chunkIo = (int) Sizes.parse(ioSize);
    int small = (int) Sizes.parse(smallSize);
    String dir = "nectar-bench-" + UUID.randomUUID().toString().substring(0, 8);
    try (Target t = target.contains("://") ? vfsTarget(dir) : dirTarget(Path.of(target).resolve(dir))) {
      String shown = target.contains("://") ? io.nectarfs.common.Uris.redact(target) : target;
      if (!json) {
        out.println("bench on " + (target.contains("://") ? shown + " (VFS, no mount)" : target));
        out.flush();
      }
      List<Row> rows = new ArrayList<>();
      byte[] buf = new byte[chunkIo];
      new Random(1).nextBytes(buf);
      boolean tty = Progress.isTerminal();
      // Sequential write.
      long t0 = System.nanoTime();
      try (Progress p = new Progress(spec.commandLine().getErr(), tty, "sequential write", big / chunkIo);
          OutputStream o = t.create("big")) {
        for (long done = 0; done < big; done += chunkIo) {
          int n = (int) Math.min(chunkIo, big - done);
          o.write(buf, 0, n);
          p.add(1, n);
        }
      }
      long ios = (big + chunkIo - 1) / chunkIo;
      rows.add(new Row("sequential write", mbps(big, t0), Sizes.format(big) + " in " + Sizes.format(chunkIo) + " writes, then close",
          new Phase("sequential_write", ios, big, secs(t0), null, null)));
      // Sequential read.
      t0 = System.nanoTime();
      long read = 0;
      try (Progress p = new Progress(spec.commandLine().getErr(), tty, "sequential read", big / chunkIo);
          InputStream in = t.stream("big")) {
        byte[] rb = new byte[chunkIo];
        int n;
        while ((n = in.readNBytes(rb, 0, rb.length)) > 0) {
          read += n;
          p.add(1, n);
        }
      }
      if (read != big) {
        throw new IOException("read back " + read + " bytes of " + big);
      }
      rows.add(new Row("sequential read", mbps(big, t0), "right after the write", new Phase("sequential_read", ios, big, secs(t0), null, null)));
      if (dropCaches) {
        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
        t0 = System.nanoTime();
        try (InputStream in = t.stream("big")) {
          byte[] rb = new byte[chunkIo];
          while (in.readNBytes(rb, 0, rb.length) > 0) {
            // read through
          }
        }
        rows.add(new Row("sequential read cold", mbps(big, t0), "after dropping the kernel page cache",
            new Phase("sequential_read_cold", ios, big, secs(t0), null, null)));
      }
      // Random 4 KiB reads.
      long[] lat = new long[randomReads];
      Random r = new Random(2);
      t0 = System.nanoTime();
      try (Target.Reader rd = t.open("big")) {
        ByteBuffer b4 = ByteBuffer.allocate(4096);
        for (int i = 0; i < randomReads; i++) {
          long off = (long) (r.nextDouble() * Math.max(1, big - 4096)) & ~4095L;
          b4.clear();
          long s = System.nanoTime();
          rd.read(off, b4);
          lat[i] = System.nanoTime() - s;
        }
      }
      Arrays.sort(lat);
      rows.add(new Row("random 4K read", "p50 " + latency(pct(lat, 0.5)),
          String.format(Locale.ROOT, "p99 %s, %d reads (cached after the sequential read)", latency(pct(lat, 0.99)), randomReads),
          new Phase("random_4k_read", randomReads, 4096L * randomReads, secs(t0), pct(lat, 0.5) / 1e6, pct(lat, 0.99) / 1e6)));
      t.delete("big");
      // Small files.
      t.mkdir("small");
      byte[] sb = Arrays.copyOf(buf, small);
      rows.add(smallPhase("small create+write", t, i -> {
        try (OutputStream o = t.create("small/f" + i)) {
          o.write(sb);
        }
      }, small));
      rows.add(smallPhase("small stat", t, i -> t.stat("small/f" + i), small));
      rows.add(smallPhase("small read", t, i -> {
        try (InputStream in = t.stream("small/f" + i)) {
          in.readAllBytes();
        }
      }, small));
      rows.add(smallPhase("small delete", t, i -> t.delete("small/f" + i), small));
      t.delete("small");
      if (json) {
        JsonOutput.print(out, new Json(shown, rows.stream().map(Row::phase).toList()));
        return Cli.OK;
      }
      out.println();
      out.printf(Locale.ROOT, "| %-20s | %-16s | %s%n", "test", "result", "detail");
      out.printf("|%s|%s|%s%n", "-".repeat(22), "-".repeat(18), "-".repeat(40));
      for (Row row : rows) {
        out.printf(Locale.ROOT, "| %-20s | %-16s | %s%n", row.what, row.result, row.detail);
      }
    }
    return Cli.OK;
  }

  @FunctionalInterface
  private interface SmallOp {
    void run(int i) throws IOException;
  }

  private Row smallPhase(String name, Target t, SmallOp op, int small) throws IOException {
    long t0 = System.nanoTime();
    try (Progress p = new Progress(spec.commandLine().getErr(), Progress.isTerminal(), name, smallFiles)) {
      for (int i = 0; i < smallFiles; i++) {
        op.run(i);
        p.add(1, 0);
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    return new Row(name, String.format(Locale.ROOT, "%.0f files/s", smallFiles / secs), smallFiles + " files of " + smallSize,
        new Phase(name.replace(' ', '_').replace('+', '_'), smallFiles, name.contains("write") || name.contains("read") ? (long) smallFiles * small : 0, secs, null, null));
  }

  private static String mbps(long bytes, long t0) {
    return String.format(Locale.ROOT, "%.1f MiB/s", bytes / ((System.nanoTime() - t0) / 1e9) / (1 << 20));
  }

  private static long pct(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(q * sorted.length) - 1))];
  }

  private Target dirTarget(Path base) throws IOException {
    Files.createDirectories(base);
    return new Target() {
      @Override
      public OutputStream create(String name) throws IOException {
        FileChannel ch = FileChannel.open(base.resolve(name), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        return new java.io.FilterOutputStream(java.nio.channels.Channels.newOutputStream(ch)) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
          }

          @Override
          public void close() throws IOException {
            ch.force(true);
            super.close();
          }
        };
      }

      @Override
      public Reader open(String name) throws IOException {
        FileChannel ch = FileChannel.open(base.resolve(name), StandardOpenOption.READ);
        return new Reader() {
          @Override
          public int read(long off, ByteBuffer dst) throws IOException {
            return ch.read(dst, off);
          }

          @Override
          public void close() throws IOException {
            ch.close();
          }
        };
      }

      @Override
      public InputStream stream(String name) throws IOException {
        return Files.newInputStream(base.resolve(name));
      }

      @Override
      public void stat(String name) throws IOException {
        Files.readAttributes(base.resolve(name), java.nio.file.attribute.BasicFileAttributes.class);
      }

      @Override
      public void delete(String name) throws IOException {
        Files.delete(base.resolve(name));
      }

      @Override
      public void mkdir(String name) throws IOException {
        Files.createDirectory(base.resolve(name));
      }

      @Override
      public void close() throws IOException {
        Files.deleteIfExists(base);
      }
    };
  }

  private Target vfsTarget(String dir) throws IOException {
    VolumeOptions options = data.volumeOptions("bench", false).withMetrics(noMetrics ? Metrics.disabled() : Metrics.create());
    if (noAccessLog) {
      options = options.withVfsConfig(options.vfsConfig().withInternalFiles(false));
    }
    Volume volume = Volume.open(target, options);
    FileSystem fs = volume.fileSystem();
    Ctx ctx = Ctx.ROOT;
    String base = "/" + dir;
    try {
      fs.mkdirs(ctx, base, 0755);
    } catch (IOException e) {
      volume.close();
      throw e;
    }
    return new Target() {
      @Override
      public OutputStream create(String name) throws IOException {
        return fs.newOutputStream(ctx, base + "/" + name, 0644, true);
      }

      @Override
      public Reader open(String name) throws IOException {
        FileSystem.Stat s = fs.stat(ctx, base + "/" + name);
        long fh = volume.vfs().open(ctx, s.ino(), 0);
        return new Reader() {
          @Override
          public int read(long off, ByteBuffer dst) throws IOException {
            return volume.vfs().read(ctx, s.ino(), fh, off, dst);
          }

          @Override
          public void close() throws IOException {
            volume.vfs().release(ctx, s.ino(), fh);
          }
        };
      }

      @Override
      public InputStream stream(String name) throws IOException {
        return fs.newInputStream(ctx, base + "/" + name);
      }

      @Override
      public void stat(String name) throws IOException {
        fs.stat(ctx, base + "/" + name);
      }

      @Override
      public void delete(String name) throws IOException {
        fs.delete(ctx, base + "/" + name, false);
      }

      @Override
      public void mkdir(String name) throws IOException {
        fs.mkdirs(ctx, base + "/" + name, 0755);
      }

      @Override
      public void close() throws IOException {
        try {
          fs.delete(ctx, base, true);
        } finally {
          volume.close();
        }
      }
    };
  }
}
