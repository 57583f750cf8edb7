package io.nectarfs.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code nectar} command. Subcommands are one class each. */
@Command(
    name = "nectar",
    mixinStandardHelpOptions = true,
    versionProvider = Nectar.Version.class,
    description = "NectarFS: a distributed POSIX file system for AI training.",
    subcommands = {FormatCommand.class, MountCommand.class, UpgradeCommand.class, UmountCommand.class, ConfigCommand.class, StatusCommand.class, ProfileCommand.class, StatsCommand.class, DestroyCommand.class, RestoreCommand.class, QuotaCommand.class, SummaryCommand.class, FsckCommand.class, DumpCommand.class, LoadCommand.class, InfoCommand.class, RmrCommand.class, CloneCommand.class, CompactCommand.class, GcCommand.class, WarmupCommand.class, BenchCommand.class, MdtestCommand.class, ObjbenchCommand.class, KeygenCommand.class, VersionCommand.class, WebdavCommand.class, GatewayCommand.class, CacheNodeCommand.class, CsiCommand.class, CompletionCommand.class, DebugCommand.class, CommandLine.HelpCommand.class})
public final class Nectar implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code: 0 ok, 1 failure, 2 usage error. */
  public static int run(String... args) {
    return Cli.commandLine(new Nectar()).execute(args);
  }

  /** {@code nectar --version}: the lines of {@code nectar version}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return VersionInfo.current().lines();
    }
  }
}
