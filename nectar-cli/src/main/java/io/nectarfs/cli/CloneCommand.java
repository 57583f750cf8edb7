package io.nectarfs.cli;

import io.nectarfs.common.Ctx;
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

/** {@code nectar clone META-URL SRC DST}: copies a file or tree by sharing slices, as the calling user. */
@Command(name = "clone", mixinStandardHelpOptions = true,
    description = {"Copy a file or a directory tree instantly by sharing its data (metadata only; later writes to either copy diverge).",
        "The copy appears whole or not at all: it is built under a hidden name next to DST and renamed into place.",
        "Examples: nectar clone sqlite3:///var/lib/nectar/vol.db /models/v1 /models/v1-experiment",
        "          nectar clone /mnt/nectar/models/v1 /mnt/nectar/models/v1-experiment"})
final class CloneCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(arity = "2..3", paramLabel = "[META-URL] SRC DST",
      description = {"META-URL, then SRC and DST inside the volume (e.g. /models/v1 /models/v2),",
          "or SRC and DST on a running mount (e.g. /mnt/nectar/models/v1 /mnt/nectar/models/v2): the mount copies through its control file.",
          "DST must not exist."})
  List<String> args;

  @Option(names = {"-p", "--preserve"}, description = "Keep owner (root only), times and extended attributes, not only the mode.")
  boolean preserve;

  @Option(names = "--json", description = "Print the summary as one JSON object (fields: docs/cli-json.md).")
  boolean json;

  /** {@code --json}: entries created. */
  record Json(String source, String destination, long entries, double seconds) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    boolean url = args.getFirst().contains("://");
    if (!url && args.size() == 2) {
      return MountControl.clone(out, json, args.get(0), args.get(1), preserve);
    }
    if (!url || args.size() != 3) {
      throw new ParameterException(spec.commandLine(), "give META-URL SRC DST (paths inside the volume) or SRC DST (paths on a mount)");
    }
    String metaUrl = args.get(0);
    String src = args.get(1);
    String dst = args.get(2);
    Ctx ctx = Caller.current();
    try (MetaClient m = Volume.openMeta(metaUrl, VolumeOptions.defaults().withBackgroundJobs(false).withClientName("clone"))) {
      long from = Caller.resolve(m, ctx, src);
      Caller.Parent to = Caller.parent(m, ctx, dst);
      long total = m.getattr(ctx, from).isDir() ? new MetaAdmin(m).summary(from).inodes() + 1 : 1;
      Progress progress = new Progress(spec.commandLine().getErr(), Progress.isTerminal(), "cloning", total);
      long n;
      try (progress) {
        n = Trees.copy(m, ctx, from, to.dir(), to.name(), preserve, x -> progress.add(x, 0));
      } catch (io.nectarfs.common.FsException e) {
        throw new io.nectarfs.common.FsException(e.errno(), "clone " + src + " to " + dst + " failed, nothing was created: "
            + e.getMessage().replace(": " + e.errno().description(), ""));
      }
      if (json) {
        JsonOutput.print(out, new Json(src, dst, n, progress.seconds()));
      } else {
        out.printf("cloned %s to %s: %d entries in %.1f s%n", src, dst, n, progress.seconds());
      }
    }
    return Cli.OK;
  }
}
