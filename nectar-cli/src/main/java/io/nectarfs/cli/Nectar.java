package io.nectarfs.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code nectar} command. Subcommands are one class each, listed in {@link #COMMANDS}.
 *
 * <p>picocli builds its model of a command by reflection when the command is added; for all
 * commands that is about half a second of every start (measured: {@code nectar version} 1.4 s, of
 * which 0.6 s in picocli). So a command line whose first word names a command gets that command
 * alone ({@link #commandLine(String...)}); help, completion, an option first or an unknown word
 * (whose "did you mean" needs every name) get the whole tree.
 */
@Command(
    name = "nectar",
    mixinStandardHelpOptions = true,
    versionProvider = Nectar.Version.class,
    description = "NectarFS: a distributed POSIX file system for AI training.")
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
    return commandLine(args).execute(args);
  }

  /** Every subcommand, in the order of {@code nectar --help}. */
  static final List<Class<?>> COMMANDS = List.of(FormatCommand.class, MountCommand.class, UpgradeCommand.class,
      UmountCommand.class, ConfigCommand.class, StatusCommand.class, ProfileCommand.class, StatsCommand.class,
      DestroyCommand.class, RestoreCommand.class, QuotaCommand.class, SummaryCommand.class, FsckCommand.class,
      DumpCommand.class, LoadCommand.class, InfoCommand.class, RmrCommand.class, CloneCommand.class,
      CompactCommand.class, GcCommand.class, WarmupCommand.class, BenchCommand.class, MdtestCommand.class,
      ObjbenchCommand.class, KeygenCommand.class, VersionCommand.class, WebdavCommand.class, GatewayCommand.class,
      CacheNodeCommand.class, CsiCommand.class, CompletionCommand.class, DebugCommand.class,
      CommandLine.HelpCommand.class);

  /** Commands that need the whole tree: help lists it, completion writes it out. */
  private static final Set<String> WHOLE_TREE = Set.of("help", "completion");

  /** The whole command tree. */
  static CommandLine commandLine() {
    return Cli.commandLine(new Nectar(), COMMANDS);
  }

  /** The tree {@code args} needs: the command its first word names, or all (see the class comment). */
  static CommandLine commandLine(String... args) {
    if (args.length > 0 && !WHOLE_TREE.contains(args[0])) {
      for (Class<?> c : COMMANDS) {
        Command a = c.getAnnotation(Command.class);
        if (a.name().equals(args[0]) || Arrays.asList(a.aliases()).contains(args[0])) {
          return Cli.commandLine(new Nectar(), List.of(c));
        }
      }
    }
    return commandLine();
  }

  /** {@code nectar --version}: the lines of {@code nectar version}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return VersionInfo.current().lines();
    }
  }
}
