package io.nectarfs.cli;

import io.nectarfs.fuse.FuseMount;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nectar umount MOUNTPOINT}: unmounts; {@code --force} also when busy or the client died. */
@Command(name = "umount", aliases = "unmount", mixinStandardHelpOptions = true,
    description = {"Unmount a NectarFS mount. The client flushes written data and ends its session.",
        "With --force, unmount even when busy or when the client was killed (lazy unmount)."})
final class UmountCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(paramLabel = "MOUNTPOINT", description = "The mount point.")
  Path mountpoint;

  @Option(names = {"-f", "--force"}, description = "Lazy unmount, also of a mount whose client is gone.")
  boolean force;

  @Override
  public Integer call() throws Exception {
    if (!FuseMount.isMounted(mountpoint)) {
      throw new IOException(mountpoint + " is not mounted");
    }
    boolean root = "root".equals(System.getProperty("user.name"));
    FuseMount.unmount(mountpoint, force, !root);
    spec.commandLine().getOut().println("unmounted " + mountpoint);
    return Cli.OK;
  }
}
