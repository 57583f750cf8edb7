package io.nectarfs.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Uris;
import java.io.PrintWriter;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * How every command reports: exit code 0 on success, 1 on a failure with one line naming what is
 * wrong, 2 on a usage error. {@code --verbose} (anywhere on the line) adds the stack trace and
 * debug logging.
 *
 * <p>On/off options are picocli negatables declared by the name that changes the default: one
 * that is on by default is declared as {@code --no-x} (picocli sets a negatable declared by its
 * positive name to the opposite of its default, so {@code --x} would switch it off).
 */
final class Cli {
  static final int OK = 0;
  static final int FAILURE = 1;
  static final int USAGE = 2;

  private Cli() {}

  /** {@code command} with {@code subcommands} (classes annotated {@code @Command}) and this class's reporting. */
  static CommandLine commandLine(Object command, java.util.List<Class<?>> subcommands) {
    CommandLine cl = new CommandLine(command);
    for (Class<?> sub : subcommands) {
      cl.addSubcommand(sub);
    }
    versionOnlyAtTopLevel(cl);
    cl.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException ? USAGE : FAILURE);
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("nectar: " + usageMessage(ex));
          err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
          err.flush();
          return USAGE;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          PrintWriter err = c.getErr();
          if (ex instanceof CommandLine.ParameterException pe) {
            err.println("nectar: " + pe.getMessage());
            err.flush();
            return USAGE;
          }
          err.println("nectar: " + message(ex));
          if (verbose(parsed)) {
            ex.printStackTrace(err);
          }
          err.flush();
          return FAILURE;
        });
    cl.setExecutionStrategy(
        parsed -> {
          rejectUnmatched(parsed);
          configureLogging(verbose(parsed));
          return new CommandLine.RunLast().execute(parsed);
        });
    return cl;
  }

  /**
   * picocli's message, except for an unknown word where a command is expected: "unknown command
   * 'X'", with picocli's closest matches when it has any.
   */
  static String usageMessage(CommandLine.ParameterException ex) {
    if (ex instanceof CommandLine.UnmatchedArgumentException u && !ex.getCommandLine().getSubcommands().isEmpty()
        && !u.getUnmatched().isEmpty() && !u.getUnmatched().getFirst().startsWith("-")) {
      String where = ex.getCommandLine().getCommandSpec().qualifiedName();
      java.util.List<String> close = u.getSuggestions();
      return "unknown command '" + u.getUnmatched().getFirst() + "' for '" + where + "'"
          + (close.isEmpty() ? "" : " (did you mean " + String.join(" or ", close.subList(0, Math.min(2, close.size()))) + "?)");
    }
    return ex.getMessage();
  }

  /**
   * {@code --version} belongs to {@code nectar} alone ({@code nectar version} is the command):
   * removes the option that {@code mixinStandardHelpOptions} gives every subcommand.
   */
  private static void versionOnlyAtTopLevel(CommandLine cl) {
    for (CommandLine sub : cl.getSubcommands().values()) {
      CommandLine.Model.OptionSpec v = sub.getCommandSpec().findOption("--version");
      if (v != null) {
        sub.getCommandSpec().remove(v);
      }
      versionOnlyAtTopLevel(sub);
    }
  }

  /**
   * picocli skips its unmatched-argument check when help is requested, so {@code nectar UNKNOWN
   * --help} would print the top-level help and succeed: an unknown word is a usage error even then.
   */
  private static void rejectUnmatched(CommandLine.ParseResult parsed) {
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (!p.unmatched().isEmpty()) {
        throw new CommandLine.UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
      }
    }
  }

  private static boolean verbose(CommandLine.ParseResult parsed) {
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  static void configureLogging(boolean verbose) {
    if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
      Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      root.setLevel(verbose ? Level.DEBUG : Level.WARN);
      ctx.getLogger("io.nectarfs").setLevel(verbose ? Level.DEBUG : Level.WARN);
      if (verbose) {
        ctx.getLogger("software.amazon").setLevel(Level.INFO);
        ctx.getLogger("org.apache.http").setLevel(Level.INFO);
      }
    }
  }

  /** One line for a failure: its own message if it has one, else its type, with URLs redacted. */
  static String message(Throwable ex) {
    Throwable t = ex;
    while ((t.getMessage() == null || t.getMessage().isBlank()) && t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage();
    if (t instanceof FsException fe) {
      m = fe.getMessage();
    } else if (m == null || m.isBlank()) {
      m = t.getClass().getSimpleName() + " (" + Errno.of(t).description() + "); run with --verbose for details";
    } else if (t instanceof java.nio.file.NoSuchFileException) {
      m = "no such file or object: " + m;
    } else if (t instanceof java.nio.file.AccessDeniedException) {
      m = "permission denied: " + m;
    }
    m = m.replace('\n', ' ').replace('\r', ' ');
    // Defensive: messages should already be redacted; strip any userinfo that slipped through.
    StringBuilder out = new StringBuilder();
    for (String w : m.split(" ", -1)) {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(w.contains("://") ? Uris.redact(w) : w);
    }
    return out.toString();
  }
}
