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
        "HOUR is a directory of /.trash, e.g. 2026-11-29-04 (UTC hour of deletion); without HOUR, lists the hours and their entries."})
final class RestoreCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(index = "0", paramLabel = "META-URL", description = "The volume's metadata engine URL.")
  String metaUrl;

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "HOUR", description = "Trash hour directories to restore (none: list them).")
  List<String> hours = List.of();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    boolean list = hours.isEmpty();
    try (MetaClient m = Volume.openMeta(metaUrl, VolumeOptions.defaults().withReadOnly(list).withBackgroundJobs(false).withClientName("restore"))) {
      if (list) {
        List<TrashHours.Hour> all = TrashHours.list(m);
        if (all.isEmpty()) {
          out.println("the trash is empty: nothing to restore");
        }
        for (TrashHours.Hour h : all) {
          out.printf("%s  %d entries%n", h.name(), h.entries());
        }
        if (!all.isEmpty()) {
          out.printf("restore with: nectar restore META-URL %s%n", all.getLast().name());
        }
        return Cli.OK;
      }
      int total = 0;
      for (String h : hours) {
        int n = m.restore(Ctx.ROOT, h);
        out.printf("%s: %d entries restored%n", h, n);
        total += n;
      }
      if (hours.size() > 1) {
        out.printf("total: %d entries restored%n", total);
      }
    }
    return Cli.OK;
  }
}
