package io.nectarfs.cli;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Names;
import io.nectarfs.common.Sizes;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.meta.Chunks;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Slice;
import io.nectarfs.volume.Volume;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
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
 * {@code nectar warmup META-URL PATH...} or {@code nectar warmup MOUNT-PATH...}: fills a cache
 * with files' blocks, in parallel. Given paths in a running mount, the files are read through the
 * mount, so the mount's own cache (wherever it is) is filled; given META-URL, this process opens
 * the volume with its cache options. Symlinks are not followed and special files not read: both
 * are reported and counted. Errors name the full path.
 */
@Command(name = "warmup", mixinStandardHelpOptions = true,
    description = {"Load files (directories recursively) into the cache, so that first reads are fast.",
        "Paths in a running mount fill that mount's cache; META-URL PATH... fills the cache given by --cache-dir.",
        "Symlinks and special files are skipped (and reported)."})
final class WarmupCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;
  @Mixin DataOptions data;

  @Parameters(arity = "1..*", paramLabel = "META-URL PATH...|MOUNT-PATH...",
      description = "The volume's metadata URL and paths inside the volume, or paths in a running mount.")
  List<String> args;

  @Option(names = "--threads", paramLabel = "N", description = "Parallel downloads (default: ${DEFAULT-VALUE}).")
  int threads = 16;

  @Option(names = "--json", description = "Print the summary as one JSON object (fields: docs/cli-json.md).")
  boolean json;

  /** {@code --json}: files warmed up and their bytes; {@code skipped}: symlinks and special files not read. */
  record Json(long files, long bytes, double seconds, List<String> skipped) {}

  /** A regular file to warm: where it is (for messages), how to find it, its length. */
  private record Job(String path, long ino, long length) {}

  @Override
  public Integer call() throws Exception {
    List<String> skipped = new ArrayList<>();
    if (args.getFirst().contains("://")) {
      if (args.size() < 2) {
        throw new ParameterException(spec.commandLine(), "warmup " + args.getFirst() + " needs at least one PATH inside the volume");
      }
      try (Volume v = Volume.open(args.getFirst(), data.volumeOptions("warmup", true))) {
        List<Job> jobs = new ArrayList<>();
        for (String p : args.subList(1, args.size())) {
          collect(v.fileSystem(), Names.unescape(p), jobs, skipped);
        }
        run(jobs, skipped, j -> {
          for (int i = 0; i * (long) Chunks.CHUNK_SIZE < j.length(); i++) {
            for (Slice s : v.meta().read(Ctx.ROOT, j.ino(), i)) {
              if (s.id() != 0) {
                v.chunks().fillCache(s.id(), s.size());
              }
            }
          }
        });
      }
      return Cli.OK;
    }
    List<Job> jobs = new ArrayList<>();
    for (String a : args) {
      Path p = Path.of(a).toAbsolutePath().normalize();
      if (NectarMounts.containing(p).isEmpty()) {
        throw new ParameterException(spec.commandLine(), a + " is not in a NectarFS mount: give paths in a mount, or META-URL PATH...");
      }
      collectLocal(p, jobs, skipped);
    }
    run(jobs, skipped, j -> {
      byte[] buf = new byte[1 << 20];
      try (InputStream in = Files.newInputStream(Path.of(j.path()))) {
        while (in.read(buf) >= 0) {
          // reading through the mount fills its cache
        }
      }
    });
    return Cli.OK;
  }

  private interface Warm {
    void warm(Job j) throws IOException;
  }

  private void run(List<Job> jobs, List<String> skipped, Warm warm) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    for (String s : skipped) {
      err.println("warmup: skipped " + s);
    }
    err.flush();
    long total = jobs.stream().mapToLong(Job::length).sum();
    long t0 = System.nanoTime();
    try (Progress progress = new Progress(err, Progress.isTerminal(), "warming up", jobs.size());
        ExecutorService ex = Executors.newFixedThreadPool(Math.max(1, threads))) {
      List<Future<?>> running = new ArrayList<>();
      for (Job j : jobs) {
        running.add(ex.submit(() -> {
          try {
            warm.warm(j);
          } catch (IOException e) {
            throw new IOException(j.path() + ": " + why(e), e);
          }
          progress.add(1, j.length());
          return null;
        }));
      }
      for (Future<?> f : running) {
        try {
          f.get();
        } catch (ExecutionException e) {
          throw e.getCause() instanceof Exception c ? c : e;
        }
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    if (json) {
      JsonOutput.print(out, new Json(jobs.size(), total, secs, skipped));
      return;
    }
    out.printf("warmed up %d file(s), %s in %.1f s (%s/s)%s%n", jobs.size(), Sizes.format(total), secs,
        Sizes.format((long) (total / Math.max(secs, 1e-3))), skipped.isEmpty() ? "" : "; skipped " + skipped.size() + " symlink(s) and special file(s)");
  }

  /** Why an operation on a path failed, without repeating the path: the errno for POSIX outcomes. */
  private static String why(IOException e) {
    if (e instanceof io.nectarfs.common.FsException fe) {
      return fe.errno().description();
    }
    if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() == null) {
      return io.nectarfs.common.Errno.of(e).description();
    }
    return Cli.message(e);
  }

  /** Files below {@code path} in the volume; symlinks and special files go to {@code skipped}. */
  private static void collect(FileSystem fs, String path, List<Job> jobs, List<String> skipped) throws IOException {
    FileSystem.Stat s;
    try {
      s = fs.stat(Ctx.ROOT, path, false);
    } catch (IOException e) {
      throw new IOException(Names.escape(path) + ": " + why(e), e);
    }
    FileType t = s.attr().type();
    if (t == FileType.FILE) {
      jobs.add(new Job(Names.escape(path), s.ino(), s.attr().length()));
    } else if (s.attr().isDir()) {
      for (FileSystem.Child c : fs.list(Ctx.ROOT, path)) {
        collect(fs, path.endsWith("/") ? path + c.name() : path + "/" + c.name(), jobs, skipped);
      }
    } else {
      skipped.add((t == FileType.SYMLINK ? "symlink " : "special file ") + Names.escape(path));
    }
  }

  /** Regular files below a local path in a mount, without following symlinks. */
  private static void collectLocal(Path root, List<Job> jobs, List<String> skipped) throws IOException {
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
          if (a.isRegularFile()) {
            jobs.add(new Job(file.toString(), 0, a.size()));
          } else {
            skipped.add((a.isSymbolicLink() ? "symlink " : "special file ") + file);
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          throw new IOException(file + ": " + why(e), e);
        }
      });
    } catch (IOException e) {
      throw e.getMessage() != null && e.getMessage().startsWith("/") ? e : new IOException(root + ": " + why(e), e);
    }
  }
}
