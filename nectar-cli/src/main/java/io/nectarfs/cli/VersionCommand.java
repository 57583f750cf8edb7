package io.nectarfs.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code nectar version [--json]}: the same as {@code nectar --version}, also as JSON. */
@Command(name = "version", mixinStandardHelpOptions = true,
    description = "Show the NectarFS version, Java, FUSE support and build info (git commit, build time).")
final class VersionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Option(names = "--json", description = "One line of JSON (fields in docs/cli-json.md).")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    VersionInfo v = VersionInfo.current();
    if (json) {
      JsonOutput.print(out, v);
    } else {
      for (String l : v.lines()) {
        out.println(l);
      }
      out.flush();
    }
    return Cli.OK;
  }
}
