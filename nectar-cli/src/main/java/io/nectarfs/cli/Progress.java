package io.nectarfs.cli;

import io.nectarfs.common.Sizes;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-line progress display for long-running commands, redrawn in place on a terminal at most
 * ten times a second and silent otherwise (logs and CI output stay clean).
 *
 * <p>Concurrency: {@link #add} is called from many worker threads (atomic counters); drawing
 * happens under the instance lock so lines never interleave.
 */
final class Progress implements AutoCloseable {
  private final PrintWriter out;
  private final boolean terminal;
  private final String label;
  private final long total;
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final long start = System.nanoTime();
  private long lastDraw;

  Progress(PrintWriter out, boolean terminal, String label, long total) {
    this.out = out;
    this.terminal = terminal;
    this.label = label;
    this.total = total;
  }

  /** Whether standard error is an interactive terminal. */
  static boolean isTerminal() {
    var c = System.console();
    return c != null && c.isTerminal() && System.getenv("CI") == null;
  }

  void add(long items, long byteCount) {
    done.addAndGet(items);
    bytes.addAndGet(byteCount);
    if (terminal) {
      long now = System.nanoTime();
      if (now - lastDraw > 100_000_000L) {
        draw(false);
      }
    }
  }

  private synchronized void draw(boolean last) {
    lastDraw = System.nanoTime();
    double secs = Math.max(1e-9, (lastDraw - start) / 1e9);
    long d = done.get();
    int width = 24;
    int filled = total <= 0 ? 0 : (int) Math.min(width, d * width / total);
    String bar = "#".repeat(filled) + " ".repeat(width - filled);
    String rate = bytes.get() > 0 ? String.format(Locale.ROOT, " %s/s", Sizes.format((long) (bytes.get() / secs))) : "";
    out.printf(Locale.ROOT, "\r%-28s [%s] %d/%d%s %.1fs%s", label, bar, d, total, rate, secs, last ? "\n" : "");
    out.flush();
  }

  @Override
  public void close() {
    if (terminal) {
      draw(true);
    }
  }
}
