package io.nectarfs.cli;

import io.nectarfs.common.Ctx;
import io.nectarfs.meta.DirEntry;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.vfs.Compaction;
import io.nectarfs.volume.Volume;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nectar compact META-URL PATH...}: rewrites fragmented files' chunks as one slice each, now. */
@Command(name = "compact", mixinStandardHelpOptions = true,
    description = {"Compact fragmented files now: every chunk made of several slices (many small or overlapping writes) is rewritten as one.",
        "Reads are faster afterwards; the replaced objects are deleted after the volume's slice free delay.",
        "Examples: nectar compact /mnt/nectar/logs",
        "          nectar compact sqlite3:///var/lib/nectar/vol.db /logs"})
final class CompactCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;
  @Mixin DataOptions data;

  @Parameters(arity = "1..*", paramLabel = "[META-URL] PATH",
      description = {"META-URL then files or directories (recursively) inside the volume,",
          "or paths on a running mount: the mount compacts them (and drops its cached slice lists) through its control file."})
  List<String> args;

  @Option(names = "--min-slices", paramLabel = "N", description = "Compact chunks with at least this many slices (default: ${DEFAULT-VALUE}).")
  int minSlices = 2;

  @Option(names = "--json", description = "Print the summary as one JSON object (fields: docs/cli-json.md).")
  boolean json;

  /** {@code --json}: files visited, chunks rewritten, and slices in the fragmented chunks before and after. */
  record Json(long files, long chunks, long slicesBefore, long slicesAfter, double seconds) {}

  private long chunks;
  private long before;
  private long after;

  @Override
  public Integer call() throws Exception {
    if (minSlices < 2) {
      throw new ParameterException(spec.commandLine(), "--min-slices must be at least 2");
    }
    PrintWriter out = spec.commandLine().getOut();
    if (!args.getFirst().contains("://")) {
      return MountControl.compact(out, json, args, minSlices);
    }
    if (args.size() < 2) {
      throw new ParameterException(spec.commandLine(), "compact META-URL needs at least one PATH inside the volume");
    }
    String metaUrl = args.getFirst();
    List<String> paths = args.subList(1, args.size());
    try (Volume v = Volume.open(metaUrl, data.volumeOptions("compact", false))) {
      Meta m = v.meta();
      long total = 0;
      for (String p : paths) {
        long ino = Caller.resolve(m, Ctx.ROOT, p);
        total += m.getattr(Ctx.ROOT, ino).isDir() ? new MetaAdmin(v.meta()).summary(ino).files() : 1;
      }
      Progress progress = new Progress(spec.commandLine().getErr(), Progress.isTerminal(), "compacting", total);
      try (progress) {
        for (String p : paths) {
          walk(v, Caller.resolve(m, Ctx.ROOT, p), progress);
        }
      }
      if (json) {
        JsonOutput.print(out, new Json(progress.items(), chunks, before, after, progress.seconds()));
      } else {
        out.printf("compacted %d chunk(s) in %d file(s): %d slices before, %d after, in %.1f s%n", chunks, progress.items(), before, after,
            progress.seconds());
      }
    }
    return Cli.OK;
  }

  private void walk(Volume v, long ino, Progress progress) throws IOException {
    var a = v.meta().getattr(Ctx.ROOT, ino);
    if (a.type() == FileType.FILE) {
      Compaction.FileResult r = Compaction.file(v.meta(), v.chunks(), ino, minSlices);
      chunks += r.chunks();
      before += r.slicesBefore();
      after += r.slicesAfter();
      progress.add(1, a.length());
      return;
    }
    if (!a.isDir()) {
      return;
    }
    String cursor = "";
    while (true) {
      List<DirEntry> page = v.meta().readdir(Ctx.ROOT, ino, cursor, 1000, false);
      if (page.isEmpty()) {
        return;
      }
      for (DirEntry e : page) {
        if (e.type() == FileType.FILE || e.type() == FileType.DIR) {
          walk(v, e.ino(), progress);
        }
      }
      cursor = page.getLast().name();
    }
  }
}
