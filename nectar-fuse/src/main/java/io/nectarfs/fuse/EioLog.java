package io.nectarfs.fuse;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Uris;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;

/**
 * Says why the file system answered EIO, without flooding the log when a store fails every call:
 * the first failure of each operation is reported at once with its cause; later ones of the same
 * operation at most once per {@code interval}, each report naming the newest cause and how many
 * failures it stands for. URLs in causes are redacted.
 *
 * <p>Thread-safe: one window per operation in a {@link ConcurrentHashMap}, updated atomically with
 * {@code compute}; the sink is called outside it. Invariant: every failure is either reported or
 * counted in the next report of its operation.
 */
final class EioLog {
  private final Clock clock;
  private final long intervalNanos;
  private final Consumer<String> sink;
  private final ConcurrentMap<String, Window> windows = new ConcurrentHashMap<>();

  /**
   * Per operation: when it was last reported and how many failures since; {@code report} and
   * {@code reportedSuppressed} describe the failure that produced this state.
   */
  private record Window(long lastReport, long suppressed, boolean report, long reportedSuppressed) {}

  EioLog(Clock clock, Duration interval, Consumer<String> sink) {
    this.clock = clock;
    this.intervalNanos = interval.toNanos();
    this.sink = sink;
  }

  /** Records that {@code op} answered EIO because of {@code cause}; reports it unless rate-limited. */
  void failed(String op, Throwable cause) {
    long now = clock.monotonicNanos();
    Window w = windows.compute(op, (k, old) -> {
      if (old == null || now - old.lastReport() >= intervalNanos) {
        return new Window(now, 0, true, old == null ? 0 : old.suppressed());
      }
      return new Window(old.lastReport(), old.suppressed() + 1, false, 0);
    });
    if (w.report()) {
      sink.accept(op + " failed, answering EIO: " + describe(cause)
          + (w.reportedSuppressed() > 0 ? " (" + w.reportedSuppressed() + " more " + op + " failure(s) since the last report)" : ""));
    }
  }

  /** The cause chain as one line: each distinct message, URLs redacted. */
  static String describe(Throwable t) {
    StringBuilder b = new StringBuilder();
    String last = null;
    for (Throwable c = t; c != null && c != c.getCause(); c = c.getCause()) {
      String m = c.getMessage() == null || c.getMessage().isBlank() ? c.getClass().getSimpleName() : c.getMessage();
      if (last != null && last.contains(m)) {
        continue;
      }
      if (b.length() > 0) {
        b.append(": caused by ");
      }
      b.append(m);
      last = m;
    }
    StringBuilder out = new StringBuilder();
    for (String word : b.toString().replace('\n', ' ').replace('\r', ' ').split(" ", -1)) {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(word.contains("://") ? Uris.redact(word) : word);
    }
    return out.toString();
  }
}
