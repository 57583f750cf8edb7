package io.nectarfs.cli;

import picocli.CommandLine.Option;

/** Options every command takes. Read by {@link Cli} from the parse result. */
final class GlobalOptions {
  @Option(names = "--verbose", description = "Debug logging and stack traces of failures.")
  boolean verbose;
}
