package io.nectarfs.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nectar upgrade MOUNTPOINT [META-URL]}: a planned takeover of a running mount by this
 * build, without unmounting (issue #17); the same as {@code nectar mount --takeover MOUNTPOINT -d}.
 */
@Command(name = "upgrade", mixinStandardHelpOptions = true,
    description = {"Replace the process serving a mount by one of this build, without unmounting.",
        "Programs using the mount see a pause, no error; open files, locks and listings go on. The new process runs in the background with the running mount's options."})
final class UpgradeCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(index = "0", paramLabel = "MOUNTPOINT", description = "Where the running NectarFS mount is.")
  Path mountpoint;

  @Parameters(index = "1", arity = "0..1", paramLabel = "META-URL", description = "If given, the mount must be of this volume.")
  String metaUrl;

  @Option(names = "--json", description = "Print the outcome as one JSON object (fields: docs/cli-json.md).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    return Takeover.launch(spec.commandLine().getOut(), mountpoint, metaUrl, false, json);
  }
}
