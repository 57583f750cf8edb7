package io.nectarfs.cli;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Sizes;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.meta.Chunks;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Slice;
import io.nectarfs.volume.Volume;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nectar warmup META-URL PATH...}: fills the local disk cache with files' blocks, in parallel. */
@Command(name = "warmup", mixinStandardHelpOptions = true, description = "Load files (directories recursively) into the local disk cache, so that first reads are fast.")
final class WarmupCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;
  @Mixin DataOptions data;

  @Parameters(index = "0", paramLabel = "META-URL", description = "The volume's metadata engine URL.")
  String metaUrl;

  @Parameters(index = "1..*", paramLabel = "PATH", description = "Paths inside the volume.")
  List<String> paths;

  @Option(names = "--threads", paramLabel = "N", description = "Parallel downloads (default: ${DEFAULT-VALUE}).")
  int threads = 16;

  @Option(names = "--json", description = "Print the summary as one JSON object (fields: docs/cli-json.md).")
  boolean json;

  /** {@code --json}: files warmed up and their bytes. */
  record Json(long files, long bytes, double seconds) {}

  private record Job(long ino, long length) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (Volume v = Volume.open(metaUrl, data.volumeOptions("warmup", true))) {
      FileSystem fs = v.fileSystem();
      List<Job> jobs = new ArrayList<>();
      for (String p : paths) {
        collect(fs, p, jobs);
      }
      long total = jobs.stream().mapToLong(Job::length).sum();
      AtomicLong done = new AtomicLong();
      long t0 = System.nanoTime();
      try (Progress progress = new Progress(spec.commandLine().getErr(), Progress.isTerminal(), "warming up", jobs.size());
          ExecutorService ex = Executors.newFixedThreadPool(Math.max(1, threads))) {
        List<Future<?>> fs2 = new ArrayList<>();
        for (Job j : jobs) {
          fs2.add(ex.submit(() -> {
            for (int i = 0; i * (long) Chunks.CHUNK_SIZE < j.length(); i++) {
              for (Slice s : v.meta().read(Ctx.ROOT, j.ino(), i)) {
                if (s.id() != 0) {
                  v.chunks().fillCache(s.id(), s.size());
                }
              }
            }
            done.addAndGet(j.length());
            progress.add(1, j.length());
            return null;
          }));
        }
        for (Future<?> f : fs2) {
          try {
            f.get();
          } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception c ? c : e;
          }
        }
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      if (json) {
        JsonOutput.print(out, new Json(jobs.size(), total, secs));
        return Cli.OK;
      }
      out.printf("warmed up %d file(s), %s in %.1f s (%s/s)%n", jobs.size(), Sizes.format(total), secs, Sizes.format((long) (total / Math.max(secs, 1e-3))));
    }
    return Cli.OK;
  }

  private void collect(FileSystem fs, String path, List<Job> jobs) throws java.io.IOException {
    FileSystem.Stat s = fs.stat(Ctx.ROOT, path);
    if (s.attr().type() == FileType.FILE) {
      jobs.add(new Job(s.ino(), s.attr().length()));
    } else if (s.attr().isDir()) {
      for (FileSystem.Child c : fs.list(Ctx.ROOT, path)) {
        collect(fs, path.endsWith("/") ? path + c.name() : path + "/" + c.name(), jobs);
      }
    }
  }
}
