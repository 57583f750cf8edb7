package io.nectarfs.cli;

import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nectar fsck META-URL [--repair]}: checks (and repairs) the metadata's consistency. */
@Command(name = "fsck", mixinStandardHelpOptions = true,
    description = {"Check the metadata: entries, link counts, parents, slice references, directory statistics, quota usage, locks.",
        "--repair fixes what it finds (dangling entries are removed, unreachable inodes go to /lost+found); stop writers first."})
final class FsckCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(paramLabel = "META-URL", description = "The volume's metadata engine URL.")
  String metaUrl;

  @Option(names = "--repair", description = "Fix the problems found.")
  boolean repair;

  @Option(names = "--json", description = "Print the result as one JSON object (fields: docs/cli-json.md).")
  boolean json;

  /** {@code --json}: problems found, fixes made and problems left after a repair (= found without --repair). */
  record Json(List<String> problems, List<String> fixed, List<String> left, double seconds) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (MetaClient m = Volume.openMeta(metaUrl, VolumeOptions.defaults().withReadOnly(!repair).withBackgroundJobs(false).withClientName("fsck"))) {
      if (!json) {
        err.println("checking...");
        err.flush();
      }
      List<String> problems;
      Progress p = new Progress(err, Progress.isTerminal(), "checking (keys read)", 0);
      try (p) {
        problems = m.check(n -> p.add(n, 0));
      }
      if (json && (problems.isEmpty() || !repair)) {
        JsonOutput.print(out, new Json(problems, List.of(), problems, p.seconds()));
        return problems.isEmpty() ? Cli.OK : Cli.FAILURE;
      }
      for (String problem : json ? List.<String>of() : problems) {
        out.println("problem: " + problem);
      }
      if (problems.isEmpty()) {
        out.println("fsck: no problems found");
        return Cli.OK;
      }
      if (!repair) {
        out.printf("fsck: %d problem(s) found; run with --repair to fix them%n", problems.size());
        return Cli.FAILURE;
      }
      List<String> fixed = new MetaAdmin(m).repair(step -> {
        if (!json) {
          err.println(step + "...");
          err.flush();
        }
      });
      List<String> left = m.check();
      if (json) {
        JsonOutput.print(out, new Json(problems, fixed, left, p.seconds()));
        return left.isEmpty() ? Cli.OK : Cli.FAILURE;
      }
      for (String f : fixed) {
        out.println("fixed: " + f);
      }
      out.printf("fsck: %d problem(s) found, %d fix(es) made, %d problem(s) left%n", problems.size(), fixed.size(), left.size());
      return left.isEmpty() ? Cli.OK : Cli.FAILURE;
    }
  }
}
