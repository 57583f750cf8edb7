package io.nectarfs.cli;

import io.nectarfs.common.Secrets;
import io.nectarfs.common.Sizes;
import io.nectarfs.object.CopyCapable;
import io.nectarfs.object.ListPage;
import io.nectarfs.object.MultipartCapable;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nectar objbench STORAGE-URL}: a functional check of an object store (put, get, ranged get,
 * head, list, delete, copy, multipart) followed by throughput and latency of small and large
 * objects at several concurrency levels. Everything is written under a unique prefix and removed
 * at the end.
 */
@Command(
    name = "objbench",
    mixinStandardHelpOptions = true,
    description = {
      "Check that an object store works and measure it.",
      "Runs a functional check, then puts, gets, heads and deletes small and large objects at each",
      "concurrency level, and prints throughput and latency percentiles. Exit code 1 if a check fails."
    })
final class ObjbenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;
  @Mixin StorageOptions storage;

  @Parameters(paramLabel = "STORAGE-URL", description = "file:///path, s3://bucket or http(s)://host:port/bucket")
  String url;

  @Option(names = "--small-size", paramLabel = "SIZE", description = "Size of small objects (default: ${DEFAULT-VALUE}).")
  String smallSize = "128K";

  @Option(names = "--big-size", paramLabel = "SIZE", description = "Size of large objects (default: ${DEFAULT-VALUE}).")
  String bigSize = "4M";

  @Option(names = "--small-count", paramLabel = "N", description = "Small objects per run (default: ${DEFAULT-VALUE}).")
  int smallCount = 200;

  @Option(names = "--big-count", paramLabel = "N", description = "Large objects per run (default: ${DEFAULT-VALUE}).")
  int bigCount = 32;

  @Option(names = "--threads", paramLabel = "N[,N...]", split = ",", description = "Concurrency levels (default: ${DEFAULT-VALUE}).")
  List<Integer> threads = List.of(1, 4, 16);

  @Option(names = "--skip-functional", description = "Skip the functional check.")
  boolean skipFunctional;

  @Option(names = "--skip-bench", description = "Only run the functional check.")
  boolean skipBench;

  @Option(names = "--json", description = "Print the results as one JSON object (fields: docs/cli-json.md).")
  boolean json;

  private PrintWriter out;
  private final List<CheckJson> checkResults = new ArrayList<>();
  private final List<BenchJson> benchResults = new ArrayList<>();

  /** {@code --json}: a functional check; {@code status} ok, fail or n/a; {@code error} on failure. */
  record CheckJson(String name, String status, Double ms, String error) {}

  /** {@code --json}: one benchmark run; {@code bytes} moved (0 for head and delete). */
  record BenchJson(String op, long size, int threads, int objects, long bytes, double seconds, double opsPerSecond, double p50Ms, double p99Ms) {}

  record Json(String storage, List<CheckJson> checks, List<BenchJson> bench, int failed) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter realOut = spec.commandLine().getOut();
    out = json ? new PrintWriter(java.io.Writer.nullWriter()) : realOut;
    long small = Sizes.parse(smallSize);
    long big = Sizes.parse(bigSize);
    if (small <= 0 || big <= 0 || small > (1L << 30) || big > (1L << 30)) {
      throw new ParameterException(spec.commandLine(), "object sizes must be between 1 byte and 1 GiB");
    }
    if (smallCount < 1 || bigCount < 1 || threads.isEmpty() || threads.stream().anyMatch(t -> t < 1 || t > 1024)) {
      throw new ParameterException(spec.commandLine(), "counts must be positive and threads between 1 and 1024");
    }
    String prefix = "objbench-" + UUID.randomUUID().toString().substring(0, 8) + "/";
    try (ObjectStore store = ObjectStores.registry().open(url, storage.toStoreOptions(), Secrets.fromEnvironment())) {
      out.println("Object store: " + store.describe());
      int failed = 0;
      try {
        if (!skipFunctional) {
          failed = functional(store, prefix + "check/");
        }
        if (!skipBench) {
          bench(store, prefix, (int) small, (int) big);
        }
      } finally {
        cleanup(store, prefix);
      }
      if (json) {
        JsonOutput.print(realOut, new Json(store.describe(), checkResults, benchResults, failed));
      }
      if (failed > 0) {
        out.flush();
        throw new IOException(failed + " functional check" + (failed > 1 ? "s" : "") + " failed on " + store.describe());
      }
      return Cli.OK;
    }
  }

  // ---- functional check ----

  private interface Check {
    /** Runs the check; returns a note, or null when not applicable. */
    String run() throws Exception;
  }

  private int functional(ObjectStore s, String p) {
    out.println();
    out.println("Functional check:");
    Random r = new Random(1);
    byte[] data = new byte[100_000];
    r.nextBytes(data);
    record Named(String name, Check check) {}
    List<Named> checks = List.of(
        new Named("put", () -> {
          s.put(p + "a", data);
          return "";
        }),
        new Named("get", () -> {
          expect(Arrays.equals(s.getBytes(p + "a"), data), "content differs");
          return "";
        }),
        new Named("get range", () -> {
          expect(Arrays.equals(s.getBytes(p + "a", 1000, 5000), Arrays.copyOfRange(data, 1000, 6000)), "range content differs");
          expect(s.getBytes(p + "a", 99_990, 100).length == 10, "range past the end not cut");
          return "";
        }),
        new Named("head", () -> {
          long size = s.head(p + "a").size();
          expect(size == data.length, "size " + size + " != " + data.length);
          return "";
        }),
        new Named("get missing", () -> {
          try {
            s.getBytes(p + "missing");
          } catch (NoSuchFileException e) {
            return "";
          }
          throw new IOException("a missing object was returned");
        }),
        new Named("overwrite", () -> {
          s.put(p + "a", Arrays.copyOf(data, 10));
          expect(s.getBytes(p + "a").length == 10, "old content returned after overwrite");
          return "";
        }),
        new Named("list", () -> {
          s.put(p + "d/x", new byte[1]);
          s.put(p + "d/y", new byte[2]);
          expect(s.listKeys(p).equals(List.of(p + "a", p + "d/x", p + "d/y")), "listing " + s.listKeys(p));
          ListPage pg = s.list(p, "", "/", 100);
          expect(pg.commonPrefixes().equals(List.of(p + "d/")), "delimiter listing " + pg.commonPrefixes());
          ListPage first = s.list(p, "", "", 1);
          expect(first.truncated() && first.objects().size() == 1, "pagination");
          return "";
        }),
        new Named("delete", () -> {
          s.delete(p + "a");
          s.delete(p + "a");
          try {
            s.head(p + "a");
            throw new IOException("deleted object still exists");
          } catch (NoSuchFileException e) {
            return "";
          }
        }),
        new Named("copy", () -> {
          CopyCapable c = s.capability(CopyCapable.class).orElse(null);
          if (c == null) {
            return null;
          }
          c.copy(p + "d/y", p + "d/z");
          expect(s.getBytes(p + "d/z").length == 2, "copy content differs");
          return "";
        }),
        new Named("multipart", () -> {
          MultipartCapable mp = s.capability(MultipartCapable.class).orElse(null);
          if (mp == null) {
            return null;
          }
          byte[] part = new byte[(int) mp.minPartSize()];
          r.nextBytes(part);
          String id = mp.createMultipart(p + "mp");
          var p1 = mp.uploadPart(p + "mp", id, 1, new ByteArrayInputStream(part), part.length);
          var p2 = mp.uploadPart(p + "mp", id, 2, new ByteArrayInputStream(data), data.length);
          mp.completeMultipart(p + "mp", id, List.of(p1, p2));
          expect(s.head(p + "mp").size() == part.length + data.length, "assembled size");
          expect(Arrays.equals(s.getBytes(p + "mp", part.length, -1), data), "assembled content");
          return "";
        }));
    int failed = 0;
    for (Named c : checks) {
      long t0 = System.nanoTime();
      String status;
      try {
        String note = c.check().run();
        double ms = (System.nanoTime() - t0) / 1e6;
        status = note == null ? "n/a   not supported by this store" : String.format(Locale.ROOT, "ok    %.1f ms", ms);
        checkResults.add(new CheckJson(c.name(), note == null ? "n/a" : "ok", note == null ? null : ms, null));
      } catch (Exception e) {
        failed++;
        status = "FAIL  " + Cli.message(e);
        checkResults.add(new CheckJson(c.name(), "fail", null, Cli.message(e)));
      }
      out.printf(Locale.ROOT, "  %-12s %s%n", c.name(), status);
      out.flush();
    }
    return failed;
  }

  private static void expect(boolean ok, String what) throws IOException {
    if (!ok) {
      throw new IOException(what);
    }
  }

  // ---- benchmark ----

  private record Result(String op, int size, int threads, int count, long nanos, long[] latencies) {}

  private void bench(ObjectStore s, String prefix, int small, int big) throws Exception {
    out.println();
    out.println("Benchmark (" + smallCount + " x " + Sizes.format(small) + ", " + bigCount + " x " + Sizes.format(big) + " per level):");
    List<Result> results = new ArrayList<>();
    boolean tty = Progress.isTerminal();
    for (int[] sc : new int[][] {{small, smallCount}, {big, bigCount}}) {
      byte[] data = new byte[sc[0]];
      new Random(7).nextBytes(data);
      for (int t : threads) {
        String p = prefix + "bench-" + sc[0] + "-" + t + "/";
        for (String op : List.of("put", "get", "head", "delete")) {
          String label = String.format(Locale.ROOT, "%s %s x%d", op, Sizes.format(sc[0]), t);
          try (Progress progress = new Progress(spec.commandLine().getErr(), tty, label, sc[1])) {
            results.add(run(s, op, p, data, sc[1], t, progress));
          }
        }
      }
    }
    printTable(results);
  }

  private Result run(ObjectStore s, String op, String p, byte[] data, int count, int nThreads, Progress progress) throws Exception {
    long[] lat = new long[count];
    AtomicInteger next = new AtomicInteger();
    long t0 = System.nanoTime();
    try (ExecutorService ex = Executors.newFixedThreadPool(nThreads)) {
      List<Future<?>> fs = new ArrayList<>();
      for (int w = 0; w < nThreads; w++) {
        fs.add(ex.submit(() -> {
          for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
            String key = p + String.format(Locale.ROOT, "%06d", i);
            long s0 = System.nanoTime();
            long moved = 0;
            switch (op) {
              case "put" -> {
                s.put(key, data);
                moved = data.length;
              }
              case "get" -> moved = s.getBytes(key).length;
              case "head" -> s.head(key);
              case "delete" -> s.delete(key);
              default -> throw new IllegalStateException(op);
            }
            lat[i] = System.nanoTime() - s0;
            progress.add(1, moved);
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw e.getCause() instanceof Exception c ? c : e;
        }
      }
    }
    return new Result(op, data.length, nThreads, count, System.nanoTime() - t0, lat);
  }

  private void printTable(List<Result> results) {
    out.println();
    out.printf(Locale.ROOT, "| %-6s | %9s | %7s | %7s | %10s | %9s | %8s | %8s |%n", "op", "size", "threads", "objects", "MiB/s", "ops/s", "p50 ms", "p99 ms");
    out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%s|%s|%s|%n", "-".repeat(8), "-".repeat(11), "-".repeat(9), "-".repeat(9), "-".repeat(12), "-".repeat(11), "-".repeat(10), "-".repeat(10));
    for (Result r : results) {
      long[] l = r.latencies.clone();
      Arrays.sort(l);
      double secs = r.nanos / 1e9;
      boolean moves = r.op.equals("put") || r.op.equals("get");
      String mibs = moves ? String.format(Locale.ROOT, "%.1f", (double) r.size * r.count / secs / Sizes.MiB) : "-";
      benchResults.add(new BenchJson(r.op, r.size, r.threads, r.count, moves ? (long) r.size * r.count : 0, secs, r.count / secs, pct(l, 0.50) / 1e6, pct(l, 0.99) / 1e6));
      out.printf(Locale.ROOT, "| %-6s | %9s | %7d | %7d | %10s | %9.0f | %8.2f | %8.2f |%n",
          r.op, Sizes.format(r.size), r.threads, r.count, mibs, r.count / secs, pct(l, 0.50) / 1e6, pct(l, 0.99) / 1e6);
    }
    out.flush();
  }

  private static long pct(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  private void cleanup(ObjectStore s, String prefix) {
    try {
      for (String k : s.listKeys(prefix)) {
        s.delete(k);
      }
      for (MultipartCapable mp : s.capability(MultipartCapable.class).stream().toList()) {
        for (String id : mp.listMultipart(prefix + "check/mp")) {
          mp.abortMultipart(prefix + "check/mp", id);
        }
      }
    } catch (IOException | RuntimeException e) {
      spec.commandLine().getErr().println("nectar: warning: could not remove all objects under " + prefix + ": " + Cli.message(e));
    }
  }
}
