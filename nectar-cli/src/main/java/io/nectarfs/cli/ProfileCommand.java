package io.nectarfs.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code nectar profile MOUNTPOINT|LOGFILE}: aggregates the access log (docs/access-log.md). A
 * mount point is followed live through its {@code .accesslog} and redrawn every interval; a saved
 * log file is aggregated once.
 *
 * <p>Concurrency: live, a daemon thread reads lines into the (synchronized) profile while this
 * thread draws; the reader's blocked read returns at the log's keep-alive at the latest, and the
 * process exit closes the file.
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
    description = "Aggregate the access log of a mount (live) or a saved access-log file: operations by total time and count, per uid and pid.")
final class ProfileCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "MOUNTPOINT|LOGFILE", description = "A NectarFS mount point (reads its .accesslog live) or a saved access log.")
  Path path;

  @Option(names = "--interval", defaultValue = "1s", description = "Refresh interval of the live view (default: ${DEFAULT-VALUE}).")
  String interval;

  @Option(names = "--once", description = "Live: aggregate one interval, print once and exit.")
  boolean once;

  @Option(names = "--duration", description = "Live: aggregate for this long (e.g. 30s), print once and exit.")
  String duration;

  @Option(names = "--json", description = "Print JSON (one object per line) instead of tables.")
  boolean json;

  @Option(names = "--top", defaultValue = "15", description = "Rows per table (default: ${DEFAULT-VALUE}).")
  int top;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (Files.isDirectory(path)) {
      Path log = path.resolve(".accesslog");
      if (!Files.exists(log)) {
        throw new IllegalArgumentException(path + " is not a NectarFS mount point (it has no .accesslog)");
      }
      return live(out, log);
    }
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException(path + " is neither a NectarFS mount point nor an access-log file");
    }
    AccessLogProfile p = new AccessLogProfile();
    try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      int n = 0;
      for (String line; (line = r.readLine()) != null; ) {
        n++;
        if (!p.add(line)) {
          throw new IllegalArgumentException(path + " is not a NectarFS access log (line " + n + " does not have the access-log format)");
        }
      }
    } catch (java.nio.charset.MalformedInputException e) {
      throw new IllegalArgumentException(path + " is not a NectarFS access log (not UTF-8 text)");
    }
    print(out, p, p.spanSeconds(), false); // a saved log covers the time from its first line to its last
    return Cli.OK;
  }

  private int live(PrintWriter out, Path log) throws Exception {
    Duration every = Durations.parse(interval);
    Duration total = duration != null ? Durations.parse(duration) : once ? every : null;
    if (every.isZero() || every.isNegative()) {
      throw new IllegalArgumentException("--interval must be positive");
    }
    java.io.InputStream in;
    try {
      in = Files.newInputStream(log);
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException(log + ": permission denied (only root and the mount owner may read the access log)");
    }
    AccessLogProfile p = new AccessLogProfile();
    Thread reader = Thread.ofPlatform().daemon().name("nectar-profile-reader").start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          p.add(line);
        }
      } catch (IOException e) {
        // the mount went away: the view keeps its last numbers
      }
    });
    long t0 = System.nanoTime();
    boolean terminal = total == null && !json && Progress.isTerminal();
    while (true) {
      long elapsed = System.nanoTime() - t0;
      long wait = every.toNanos();
      if (total != null) {
        wait = Math.min(wait, total.toNanos() - elapsed);
      }
      if (wait > 0) {
        Thread.sleep(Duration.ofNanos(wait)); // the refresh period of the display, not a wait for a condition
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (total != null) {
        if (System.nanoTime() - t0 >= total.toNanos() || !reader.isAlive()) {
          print(out, p, seconds, false);
          return Cli.OK;
        }
        continue;
      }
      print(out, p, seconds, terminal);
    }
  }

  private void print(PrintWriter out, AccessLogProfile p, double seconds, boolean redraw) {
    if (json) {
      out.println(p.json(seconds));
    } else {
      out.print((redraw ? "\033[H\033[2J" : "") + p.text(seconds, top));
    }
    out.flush();
  }
}
