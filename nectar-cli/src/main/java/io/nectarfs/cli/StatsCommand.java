package io.nectarfs.cli;

import io.nectarfs.common.PromText;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
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
 * {@code nectar stats MOUNTPOINT}: reads the mount's {@code .stats} (the metrics registry's
 * Prometheus text) every interval and shows what happened in it ({@link StatsDelta}). Single
 * threaded.
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
    description = "Show a mount's live statistics (ops/s and latency per layer, throughput, cache hit ratio, staging backlog), read from its .stats.")
final class StatsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "MOUNTPOINT", description = "A NectarFS mount point.")
  Path mountpoint;

  @Option(names = "--interval", defaultValue = "1s", description = "Sampling interval (default: ${DEFAULT-VALUE}).")
  String interval;

  @Option(names = "--once", description = "Print one sample (rates over one interval) and exit.")
  boolean once;

  @Option(names = "--run", paramLabel = "COMMAND",
      description = "Print one sample around a shell command instead of an interval: read .stats, run COMMAND (sh -c; its output goes to standard error), read .stats again.")
  String run;

  @Option(names = "--json", description = "Print one JSON object per sample (one line each).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Duration every = Durations.parse(interval);
    if (every.isZero() || every.isNegative()) {
      throw new IllegalArgumentException("--interval must be positive");
    }
    PrintWriter out = spec.commandLine().getOut();
    boolean redraw = !once && !json && Progress.isTerminal();
    PromText before = scrape();
    long t0 = System.nanoTime();
    if (run != null) {
      return around(out, before, t0);
    }
    while (true) {
      Thread.sleep(every); // the sampling period, not a wait for a condition
      PromText after = scrape();
      long t1 = System.nanoTime();
      StatsDelta d = new StatsDelta(before, after, (t1 - t0) / 1e9);
      print(out, d, redraw);
      if (once) {
        return Cli.OK;
      }
      before = after;
      t0 = t1;
    }
  }

  private int around(PrintWriter out, PromText before, long t0) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", "exec 1>&2\n" + run).redirectError(ProcessBuilder.Redirect.INHERIT)
        .redirectInput(ProcessBuilder.Redirect.INHERIT).start();
    int status = p.waitFor();
    PromText after = scrape();
    print(out, new StatsDelta(before, after, (System.nanoTime() - t0) / 1e9), false);
    if (status != 0) {
      throw new IllegalArgumentException("the command given to --run exited with status " + status);
    }
    return Cli.OK;
  }

  private void print(PrintWriter out, StatsDelta d, boolean redraw) {
    if (json) {
      out.println(d.json());
    } else {
      out.print((redraw ? "\033[H\033[2J" : "") + d.text());
    }
    out.flush();
  }

  private PromText scrape() {
    Path stats = mountpoint.resolve(".stats");
    String text;
    try {
      text = new String(Files.readAllBytes(stats), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(mountpoint + " is not a NectarFS mount point (it has no readable .stats)");
    }
    PromText p;
    try {
      p = PromText.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(mountpoint + " is not a NectarFS mount point (its .stats is not NectarFS metrics: " + e.getMessage() + ")");
    }
    if (!p.has("nectar_vfs_uptime_seconds")) {
      throw new IllegalArgumentException(mountpoint + " is not a NectarFS mount point (its .stats is not NectarFS metrics)");
    }
    return p;
  }
}
