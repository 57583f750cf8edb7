package io.nectarfs.cli;

import io.nectarfs.common.Sizes;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A one-line progress display for long-running commands, redrawn in place on a terminal at most
 * ten times a second and silent otherwise (logs and CI output stay clean): items done (of the
 * total when known), bytes, the rate, and the time left when the total is known. The command
 * prints its own final summary (a line, or the JSON object) whether or not this draws.
 *
 * <p>Concurrency: {@link #add} is called from many worker threads: the counters are atomic and
 * the throttle is a compare-and-set on the time of the last draw, so one thread at a time wins a
 * draw; drawing itself happens under the instance lock so lines never interleave. The total may
 * be raised while running ({@link #total(long)}, e.g. while a scan discovers work).
 */
final class Progress implements AutoCloseable {
  private static final long DRAW_EVERY_NANOS = 100_000_000L;

  private final PrintWriter out;
  private final boolean terminal;
  private final String label;
  private final LongSupplier nanoClock;
  private final AtomicLong total;
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong lastDraw;
  private final long start;
  private boolean closed;
  private volatile String status;

  /** {@code total}: items expected, or 0 when unknown (no bar, no ETA). */
  Progress(PrintWriter out, boolean terminal, String label, long total) {
    this(out, terminal, label, total, System::nanoTime);
  }

  Progress(PrintWriter out, boolean terminal, String label, long total, LongSupplier nanoClock) {
    this.out = out;
    this.terminal = terminal;
    this.label = label;
    this.total = new AtomicLong(Math.max(0, total));
    this.nanoClock = nanoClock;
    this.start = nanoClock.getAsLong();
    this.lastDraw = new AtomicLong(start - DRAW_EVERY_NANOS);
  }

  /** Whether standard error is an interactive terminal. */
  static boolean isTerminal() {
    var c = System.console();
    return c != null && c.isTerminal() && System.getenv("CI") == null;
  }

  /** Sets the number of items expected (0: unknown). */
  void total(long items) {
    total.set(Math.max(0, items));
  }

  /** Records {@code items} more items done and {@code byteCount} more bytes moved. */
  void add(long items, long byteCount) {
    done.addAndGet(items);
    bytes.addAndGet(byteCount);
    if (terminal) {
      long now = nanoClock.getAsLong();
      long last = lastDraw.get();
      if (now - last >= DRAW_EVERY_NANOS && lastDraw.compareAndSet(last, now)) {
        draw(false);
      }
    }
  }

  /**
   * Shows {@code text} (a step or count a long operation reports, like "1200 entries") after the
   * label, redrawn under the same throttle as {@link #add}; silent when not a terminal.
   */
  void status(String text) {
    this.status = text;
    if (terminal) {
      long now = nanoClock.getAsLong();
      long last = lastDraw.get();
      if (now - last >= DRAW_EVERY_NANOS && lastDraw.compareAndSet(last, now)) {
        draw(false);
      }
    }
  }

  long items() {
    return done.get();
  }

  long bytes() {
    return bytes.get();
  }

  /** Seconds since this started. */
  double seconds() {
    return Math.max(1e-9, (nanoClock.getAsLong() - start) / 1e9);
  }

  /** The status text (without carriage return): label, bar, items, bytes, rate, ETA. */
  String line() {
    double secs = seconds();
    long d = done.get();
    long t = total.get();
    long b = bytes.get();
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-24s", label));
    String st = status;
    if (st != null) {
      return s.append(' ').append(st).append(String.format(Locale.ROOT, " %.1fs", secs)).toString();
    }
    if (t > 0) {
      int width = 20;
      int filled = (int) Math.min(width, d * width / t);
      s.append(" [").append("#".repeat(filled)).append(" ".repeat(width - filled)).append("] ").append(d).append('/').append(t);
    } else {
      s.append(' ').append(d);
    }
    if (b > 0) {
      s.append(", ").append(Sizes.format(b)).append(" (").append(Sizes.format((long) (b / secs))).append("/s)");
    } else {
      s.append(String.format(Locale.ROOT, " (%.0f/s)", d / secs));
    }
    s.append(String.format(Locale.ROOT, " %.1fs", secs));
    if (t > 0 && d > 0 && d < t) {
      s.append(String.format(Locale.ROOT, ", ETA %.0fs", (t - d) * secs / d));
    }
    return s.toString();
  }

  private synchronized void draw(boolean last) {
    if (closed) {
      return;
    }
    out.print("\r" + line() + "\u001b[K" + (last ? "\n" : ""));
    out.flush();
  }

  @Override
  public void close() {
    if (terminal) {
      draw(true);
    }
    synchronized (this) {
      closed = true;
    }
  }
}
