package io.nectarfs.cli;

import io.nectarfs.common.Ctx;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nectar restore META-URL HOUR...}: puts files from the trash back where they were. */
@Command(name = "restore", mixinStandardHelpOptions = true,
    description = {"Restore deleted files from the trash to where they were.",
        "HOUR is a directory of /.trash, e.g. 2026-11-29-04 (UTC hour of deletion)."})
final class RestoreCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(index = "0", paramLabel = "META-URL", description = "The volume's metadata engine URL.")
  String metaUrl;

  @Parameters(index = "1..*", paramLabel = "HOUR", description = "Trash hour directories to restore.")
  List<String> hours;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (MetaClient m = Volume.openMeta(metaUrl, VolumeOptions.defaults().withBackgroundJobs(false).withClientName("restore"))) {
      int total = 0;
      for (String h : hours) {
        int n = m.restore(Ctx.ROOT, h);
        out.printf("%s: %d entries restored%n", h, n);
        total += n;
      }
      out.printf("%d entries restored%n", total);
    }
    return Cli.OK;
  }
}
