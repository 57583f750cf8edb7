package io.nectarfs.cli;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Uris;
import io.nectarfs.meta.DirEntry;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nectar mdtest META-URL}: metadata operation rates and latency percentiles of a volume's
 * engine (create, stat, lookup, readdir, rename, unlink), measured under a private directory that
 * is removed afterwards.
 */
@Command(name = "mdtest", mixinStandardHelpOptions = true,
    description = {"Benchmark metadata operations on a formatted volume: create, stat, lookup, readdir, rename, unlink.",
        "Each thread works in its own directory (or all in one with --shared-dir); everything is removed at the end."})
final class MdtestCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(paramLabel = "META-URL", description = "The volume's metadata engine URL.")
  String metaUrl;

  @Option(names = "--files", paramLabel = "N", description = "Files per thread (default: ${DEFAULT-VALUE}).")
  int files = 1000;

  @Option(names = "--threads", paramLabel = "N", description = "Concurrent clients' threads (default: ${DEFAULT-VALUE}).")
  int threads = 4;

  @Option(names = "--shared-dir", description = "All threads work in one directory (contention).")
  boolean sharedDir;

  @Option(names = "--json", description = "Print the results as one JSON object (fields: docs/cli-json.md).")
  boolean json;

  private record Result(String op, long[] lat, long nanos) {}

  /** {@code --json}: one operation's count, duration and latency percentiles. */
  record OpJson(String op, long ops, double seconds, double opsPerSecond, double p50Ms, double p99Ms, double p999Ms) {}

  record Json(String metadata, int threads, int filesPerThread, boolean sharedDir, List<OpJson> results) {}

  @Override
  public Integer call() throws Exception {
    if (files < 1 || threads < 1 || threads > 256) {
      throw new ParameterException(spec.commandLine(), "--files must be positive and --threads between 1 and 256");
    }
    PrintWriter out = spec.commandLine().getOut();
    Ctx ctx = Ctx.ROOT;
    try (MetaClient m = Volume.openMeta(metaUrl, VolumeOptions.defaults().withClientName("mdtest"))) {
      if (!json) {
        out.printf("mdtest on %s: %d thread(s) x %d files%s%n", Uris.redact(m.engine().describe()), threads, files, sharedDir ? ", one shared directory" : "");
        out.flush();
      }
      long top = m.mkdir(ctx, Meta.ROOT, ".mdtest-" + UUID.randomUUID().toString().substring(0, 8), 0755, 0).ino();
      long[] dirs = new long[threads];
      for (int t = 0; t < threads; t++) {
        dirs[t] = sharedDir ? top : m.mkdir(ctx, top, "t" + t, 0755, 0).ino();
      }
      long[][] inos = new long[threads][files];
      List<Result> results = new ArrayList<>();
      results.add(phase("create", (t, i) -> inos[t][i] = m.mknod(ctx, dirs[t], name("f", t, i), FileType.FILE, 0644, 0, 0).ino(), threads * files));
      results.add(phase("stat", (t, i) -> m.getattr(ctx, inos[t][i]), threads * files));
      results.add(phase("lookup", (t, i) -> m.lookup(ctx, dirs[t], name("f", t, i)), threads * files));
      int pages = Math.max(1, (sharedDir ? threads * files : files) / 100);
      results.add(phase("readdir", (t, i) -> {
        if (i < pages) {
          List<DirEntry> page = m.readdir(ctx, dirs[t], i == 0 ? "" : name("f", t, Math.min(files - 1, i * 100 - 1)), 100, true);
          if (page.isEmpty() && i == 0) {
            throw new IllegalStateException("readdir returned nothing");
          }
        }
      }, threads * files, pages));
      results.add(phase("rename", (t, i) -> m.rename(ctx, dirs[t], name("f", t, i), dirs[t], name("g", t, i), 0), threads * files));
      results.add(phase("unlink", (t, i) -> m.unlink(ctx, dirs[t], name("g", t, i)), threads * files));
      if (!sharedDir) {
        for (int t = 0; t < threads; t++) {
          m.rmdir(ctx, top, "t" + t);
        }
      }
      for (DirEntry e : m.readdir(ctx, Meta.ROOT, ".mdtest-", 1, false)) {
        if (e.ino() == top) {
          m.rmdir(ctx, Meta.ROOT, e.name());
        }
      }
      if (m.readdir(ctx, Meta.ROOT, "", 100_000, false).stream().anyMatch(e -> e.ino() == top)) {
        throw new IllegalStateException("could not remove the mdtest directory");
      }
      if (json) {
        List<OpJson> ops = new ArrayList<>();
        for (Result r : results) {
          long[] l = r.lat.clone();
          Arrays.sort(l);
          double secs = r.nanos / 1e9;
          ops.add(new OpJson(r.op, l.length, secs, l.length / secs, pct(l, 0.5) / 1e6, pct(l, 0.99) / 1e6, pct(l, 0.999) / 1e6));
        }
        JsonOutput.print(out, new Json(Uris.redact(m.engine().describe()), threads, files, sharedDir, ops));
      } else {
        print(out, results);
      }
    }
    return Cli.OK;
  }

  private static String name(String p, int t, int i) {
    return String.format(Locale.ROOT, "%s%03d-%07d", p, t, i);
  }

  @FunctionalInterface
  private interface Op {
    void run(int thread, int i) throws Exception;
  }

  private Result phase(String op, Op body, int total) throws Exception {
    return phase(op, body, total, files);
  }

  private Result phase(String op, Op body, int total, int perThread) throws Exception {
    long[] lat = new long[threads * perThread];
    long t0 = System.nanoTime();
    try (Progress p = new Progress(spec.commandLine().getErr(), Progress.isTerminal(), op, (long) threads * perThread);
        ExecutorService ex = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        fs.add(ex.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            long s = System.nanoTime();
            body.run(thread, i);
            lat[thread * perThread + i] = System.nanoTime() - s;
            p.add(1, 0);
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        try {
          f.get();
        } catch (ExecutionException e) {
          throw e.getCause() instanceof Exception c ? c : e;
        }
      }
    }
    return new Result(op, lat, System.nanoTime() - t0);
  }

  private static void print(PrintWriter out, List<Result> results) {
    out.println();
    out.printf(Locale.ROOT, "| %-8s | %8s | %10s | %8s | %8s | %8s |%n", "op", "ops", "ops/s", "p50 ms", "p99 ms", "p99.9 ms");
    out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%s|%n", "-".repeat(10), "-".repeat(10), "-".repeat(12), "-".repeat(10), "-".repeat(10), "-".repeat(10));
    for (Result r : results) {
      long[] l = r.lat.clone();
      Arrays.sort(l);
      out.printf(Locale.ROOT, "| %-8s | %8d | %10.0f | %8.3f | %8.3f | %8.3f |%n", r.op, l.length, l.length / (r.nanos / 1e9),
          pct(l, 0.5) / 1e6, pct(l, 0.99) / 1e6, pct(l, 0.999) / 1e6);
    }
    out.flush();
  }

  private static long pct(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(q * sorted.length) - 1))];
  }
}
