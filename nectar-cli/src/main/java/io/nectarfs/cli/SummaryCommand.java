package io.nectarfs.cli;

import io.nectarfs.common.Sizes;
import io.nectarfs.meta.DirStats;
import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nectar summary META-URL PATH} or {@code nectar summary MOUNT-PATH}: size, files and directories of a tree from the directory statistics. */
@Command(name = "summary", mixinStandardHelpOptions = true,
    description = "Show the size, files and directories below a directory, from the directory statistics (no file is read).")
final class SummaryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(arity = "1..2", paramLabel = "META-URL PATH|MOUNT-PATH",
      description = "The volume's metadata engine URL and a directory inside the volume (e.g. /team/a), or a directory in a running mount.")
  java.util.List<String> args;

  @picocli.CommandLine.Option(names = "--json", description = "Print one JSON object (fields: docs/cli-json.md).")
  boolean json;

  /** {@code --json}: totals below {@code path} (not counting it). */
  record Json(String path, long size, long files, long dirs, long inodes) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    String[] target = VolumeArgs.of(spec, args);
    String metaUrl = target[0];
    String path = target[1];
    try (MetaClient m = Volume.openMeta(metaUrl, VolumeOptions.defaults().withReadOnly(true).withBackgroundJobs(false))) {
      MetaAdmin admin = new MetaAdmin(m);
      DirStats s = admin.summary(admin.resolve(io.nectarfs.common.Names.unescape(path)));
      if (json) {
        JsonOutput.print(out, new Json(args.getLast(), s.space(), s.files(), s.dirs(), s.inodes()));
        return Cli.OK;
      }
      out.printf("%s: size %s (%d bytes), files %d, directories %d%n", args.getLast(), Sizes.format(s.space()), s.space(), s.files(), s.dirs());
    }
    return Cli.OK;
  }
}
