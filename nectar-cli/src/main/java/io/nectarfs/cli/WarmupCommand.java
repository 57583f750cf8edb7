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
 * with files' blocks, in parallel. Given paths in a running mount, each file is warmed by the mount
 * itself through its control file ({@code warmup} request): the mount fetches every block and
 * writes it into its own cache (wherever it is) before answering, so nothing is left to a
 * background queue that may drop it or skipped because the kernel's page cache answered the
 * reads. A {@code --subdir} mount has no control file: its files are read through it, and the
 * summary says the blocks are not verified. Given META-URL, this process opens the volume with its
 * cache options. Blocks that could not be kept (the cache is too small or below its free-space
 * floor) are counted, reported, and make the exit status 1. Symlinks are not followed and special
 * files not read: both are reported and counted. Errors name the full path.
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

  @Option(names = "--cache-group", paramLabel = "NAME", description = "Warm the blocks in the caches of cache group NAME, each at the member that owns it, all members at once (META-URL PATH... only).")
  String group;

  @Option(names = "--check", description = "With --cache-group: report the fraction of the blocks the group holds; change nothing.")
  boolean check;

  @Option(names = "--evict", description = "With --cache-group: drop the blocks from the group's caches.")
  boolean evict;

  /**
   * {@code --json}: files warmed up and their bytes; {@code uncachedBlocks}: blocks not in the cache
   * afterwards (-1: not known, files read through a mount without a control file); {@code
   * skipped}: symlinks and special files not read.
   */
  record Json(long files, long bytes, double seconds, long uncachedBlocks, List<String> skipped) {}

  /** A regular file to warm: where it is (for messages), how to find it, its length. */
  private record Job(String path, long ino, long length) {}

  @Override
  public Integer call() throws Exception {
    List<String> skipped = new ArrayList<>();
    if (group == null && (check || evict)) {
      throw new ParameterException(spec.commandLine(), "--check and --evict need --cache-group NAME");
    }
    if (check && evict) {
      throw new ParameterException(spec.commandLine(), "--check and --evict exclude each other");
    }
    if (group != null) {
      if (!args.getFirst().contains("://") || args.size() < 2) {
        throw new ParameterException(spec.commandLine(), "--cache-group needs META-URL PATH...: the volume's metadata URL and paths inside the volume");
      }
      try (Volume v = Volume.open(args.getFirst(), data.volumeOptions("warmup", true).withBackgroundJobs(false))) {
        List<Job> jobs = new ArrayList<>();
        for (String p : args.subList(1, args.size())) {
          collect(v.fileSystem(), Names.unescape(p), jobs, skipped);
        }
        java.util.Map<Long, Long> lengths = new java.util.LinkedHashMap<>(); // inode → length, as collected
        jobs.forEach(j -> lengths.put(j.ino(), j.length()));
        return GroupWarmup.run(spec, v, group, lengths, jobs.size(), skipped,
            check ? GroupWarmup.Mode.CHECK : evict ? GroupWarmup.Mode.EVICT : GroupWarmup.Mode.WARM, json);
      }
    }
    if (args.getFirst().contains("://")) {
      if (args.size() < 2) {
        throw new ParameterException(spec.commandLine(), "warmup " + args.getFirst() + " needs at least one PATH inside the volume");
      }
      try (Volume v = Volume.open(args.getFirst(), data.volumeOptions("warmup", true))) {
        List<Job> jobs = new ArrayList<>();
        for (String p : args.subList(1, args.size())) {
          collect(v.fileSystem(), Names.unescape(p), jobs, skipped);
        }
        return run(jobs, skipped, j -> {
          long uncached = 0;
          for (int i = 0; i * (long) Chunks.CHUNK_SIZE < j.length(); i++) {
            for (Slice s : v.meta().read(Ctx.ROOT, j.ino(), i)) {
              if (s.id() != 0) {
                uncached += v.chunks().fillCache(s.id(), s.size());
              }
            }
          }
          return uncached;
        });
      }
    }
    List<Job> jobs = new ArrayList<>();
    for (String a : args) {
      Path p = Path.of(a).toAbsolutePath().normalize();
      if (NectarMounts.containing(p).isEmpty()) {
        throw new ParameterException(spec.commandLine(), a + " is not in a NectarFS mount: give paths in a mount, or META-URL PATH...");
      }
      collectLocal(p, jobs, skipped);
    }
    java.util.Map<Path, java.util.Optional<Path>> controls = new java.util.concurrent.ConcurrentHashMap<>(); // directory → its mount's
    return run(jobs, skipped, j -> {
      Path file = Path.of(j.path());
      java.util.Optional<Path> known = controls.get(file.getParent());
      if (known == null) {
        known = java.util.Optional.ofNullable(MountControl.controlFileOrNull(file.getParent()));
        controls.put(file.getParent(), known);
      }
      Path control = known.orElse(null);
      if (control != null) {
        return MountControl.warmup(control, file);
      }
      byte[] buf = new byte[1 << 20];
      try (InputStream in = Files.newInputStream(file)) {
        while (in.read(buf) >= 0) {
          // reading through the mount fills its cache, in the background: not verified
        }
      }
      return UNKNOWN;
    });
  }

  /** {@link Warm#warm}'s answer when the blocks' presence in the cache cannot be checked. */
  private static final long UNKNOWN = -1;

  private interface Warm {
    /** Warms one file; returns its blocks not in the cache afterwards, or {@link #UNKNOWN}. */
    long warm(Job j) throws IOException;
  }

  private int run(List<Job> jobs, List<String> skipped, Warm warm) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    for (String s : skipped) {
      err.println("warmup: skipped " + s);
    }
    err.flush();
    long total = jobs.stream().mapToLong(Job::length).sum();
    long uncached = 0;
    long t0 = System.nanoTime();
    try (Progress progress = new Progress(err, Progress.isTerminal(), "warming up", jobs.size());
        ExecutorService ex = Executors.newFixedThreadPool(Math.max(1, threads))) {
      List<Future<Long>> running = new ArrayList<>();
      for (Job j : jobs) {
        running.add(ex.submit(() -> {
          long u;
          try {
            u = warm.warm(j);
          } catch (IOException e) {
            throw new IOException(j.path() + ": " + why(e), e);
          }
          progress.add(1, j.length());
          return u;
        }));
      }
      for (Future<Long> f : running) {
        try {
          long u = f.get();
          uncached = uncached == UNKNOWN || u == UNKNOWN ? UNKNOWN : uncached + u;
        } catch (ExecutionException e) {
          throw e.getCause() instanceof Exception c ? c : e;
        }
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    if (uncached > 0) {
      err.println("warmup: " + uncached + " block(s) are not in the cache afterwards: the cache is smaller than the files or below its free-space floor");
    } else if (uncached == UNKNOWN && !jobs.isEmpty()) {
      err.println("warmup: files read through a mount without a control file (--subdir?): whether every block was cached is not known");
    }
    err.flush();
    if (json) {
      JsonOutput.print(out, new Json(jobs.size(), total, secs, uncached, skipped));
    } else {
      out.printf("warmed up %d file(s), %s in %.1f s (%s/s)%s%n", jobs.size(), Sizes.format(total), secs,
          Sizes.format((long) (total / Math.max(secs, 1e-3))), skipped.isEmpty() ? "" : "; skipped " + skipped.size() + " symlink(s) and special file(s)");
    }
    return uncached > 0 ? Cli.FAILURE : Cli.OK;
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
