package io.nectarfs.cli;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.Trees;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
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

/**
 * {@code nectar rmr META-URL PATH...} or {@code nectar rmr MOUNT-PATH...}: removes trees in the
 * metadata, as the calling user: with a META-URL through a metadata client of its own, with paths
 * on a running mount through that mount's {@code .control} file (so the mount's kernel caches
 * forget the removed entries).
 */
@Command(name = "rmr", mixinStandardHelpOptions = true,
    description = {"Remove files and directory trees fast, in the metadata (no kernel round trip per file), as the calling user.",
        "Removed entries go to the trash when the volume has one; storage objects are deleted later by a mount or 'nectar gc'.",
        "Examples: nectar rmr sqlite3:///var/lib/nectar/vol.db /datasets/old",
        "          nectar rmr /mnt/nectar/datasets/old"})
final class RmrCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(arity = "1..*", paramLabel = "[META-URL] PATH",
      description = {"META-URL then paths inside the volume (e.g. /data/old; \\xNN for a byte that is not UTF-8),",
          "or paths on a running mount (e.g. /mnt/nectar/data/old): the mount removes them through its control file."})
  List<String> args;

  @Option(names = "--threads", paramLabel = "N", description = "Metadata calls at once, with a META-URL (default: ${DEFAULT-VALUE}).")
  int threads = 16;

  @Option(names = "--json", description = "Print the summary as one JSON object (fields: docs/cli-json.md).")
  boolean json;

  /** {@code --json}: entries removed in total and per path. */
  record Json(long removed, List<PathJson> paths, double seconds) {}

  record PathJson(String path, long removed) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (!args.getFirst().contains("://")) {
      return MountControl.rmr(out, json, args);
    }
    if (args.size() < 2) {
      throw new ParameterException(spec.commandLine(), "rmr META-URL needs at least one PATH inside the volume");
    }
    String metaUrl = args.getFirst();
    List<String> paths = args.subList(1, args.size());
    Ctx ctx = Caller.current();
    try (MetaClient m = Volume.openMeta(metaUrl, VolumeOptions.defaults().withBackgroundJobs(false).withClientName("rmr"))) {
      long total = 0;
      for (String p : paths) {
        Caller.parent(m, ctx, p); // not the root
        long ino = Caller.resolve(m, ctx, p);
        total += m.getattr(ctx, ino).isDir() ? new MetaAdmin(m).summary(ino).inodes() + 1 : 1;
      }
      Progress progress = new Progress(spec.commandLine().getErr(), Progress.isTerminal(), "removing", total);
      List<PathJson> done = new java.util.ArrayList<>();
      try (progress) {
        for (String p : paths) {
          Caller.Parent t = Caller.parent(m, ctx, p);
          try {
            done.add(new PathJson(p, Trees.remove(m, ctx, t.dir(), t.name(), threads, n -> progress.add(n, 0))));
          } catch (FsException e) {
            throw new FsException(e.errno(), "rmr " + p + " stopped after " + progress.items() + " entries removed: " + e.getMessage().replace(": " + e.errno().description(), ""));
          }
        }
      }
      if (json) {
        JsonOutput.print(out, new Json(progress.items(), done, progress.seconds()));
      } else {
        out.printf("removed %d entries under %d path(s) in %.1f s%s%n", progress.items(), paths.size(), progress.seconds(),
            m.format().trashDays() > 0 ? " (to the trash)" : "");
      }
    }
    return Cli.OK;
  }
}
