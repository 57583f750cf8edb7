package io.nectarfs.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Aggregates access-log lines (docs/access-log.md): per operation, per uid and per pid the count,
 * the errors and the total time. Concurrency: thread-safe (one monitor): a reader thread adds
 * lines while the display thread takes snapshots.
 */
final class AccessLogProfile {
  /** TIME [uid:U,gid:G,pid:P] OP (ARGS): RESULT [VALUE] &lt;SECONDS&gt; */
  static final Pattern LINE = Pattern.compile("^(\\S+) \\[uid:(\\d+),gid:(\\d+),pid:(\\d+)\\] (\\S+) \\((.*)\\): (\\S+)(?: .*)? <(\\d+)\\.(\\d{6})>$");
  private static final Pattern DROPPED = Pattern.compile("^# dropped (\\d+) lines$");

  /** Totals of one key. */
  static final class Row {
    final String key;
    long count;
    long errors;
    long micros;

    Row(String key) {
      this.key = key;
    }
  }

  private final Map<String, Row> ops = new HashMap<>();
  private final Map<String, Row> uids = new HashMap<>();
  private final Map<String, Row> pids = new HashMap<>();
  private long lines;
  private long dropped;
  private long firstMicros = Long.MAX_VALUE;
  private long lastMicros = Long.MIN_VALUE;

  /**
   * Adds one line: an operation, a note ({@code #}) or an empty line.
   *
   * @return false if the line is neither (not an access log)
   */
  synchronized boolean add(String line) {
    if (line.isEmpty()) {
      return true;
    }
    if (line.startsWith("#")) {
      Matcher d = DROPPED.matcher(line);
      if (d.matches()) {
        dropped += Long.parseLong(d.group(1));
      }
      return true;
    }
    Matcher m = LINE.matcher(line);
    if (!m.matches()) {
      return false;
    }
    long micros = Long.parseLong(m.group(8)) * 1_000_000L + Long.parseLong(m.group(9));
    boolean error = !m.group(7).equals("OK");
    try {
      java.time.Instant at = java.time.Instant.parse(m.group(1));
      long t = at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000;
      firstMicros = Math.min(firstMicros, t);
      lastMicros = Math.max(lastMicros, t);
    } catch (java.time.format.DateTimeParseException e) {
      return false;
    }
    lines++;
    for (var e : List.of(Map.entry(ops, m.group(5)), Map.entry(uids, m.group(2)), Map.entry(pids, m.group(4)))) {
      Row r = e.getKey().computeIfAbsent(e.getValue(), Row::new);
      r.count++;
      r.micros += micros;
      r.errors += error ? 1 : 0;
    }
    return true;
  }

  synchronized long lines() {
    return lines;
  }

  /** Seconds between the first and the last line (0 with fewer than two). */
  synchronized double spanSeconds() {
    return lines < 2 ? 0 : (lastMicros - firstMicros) / 1e6;
  }

  /** The table as text: operations by total time, by count, then uids and pids by total time. */
  synchronized String text(double seconds, int top) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%d operations in %.1f s%s%n", lines, seconds, dropped > 0 ? ", " + dropped + " lines dropped (reader too slow)" : ""));
    table(b, "operation (by total time)", sorted(ops, byTime()), top);
    table(b, "operation (by count)", sorted(ops, byCount()), top);
    table(b, "uid", sorted(uids, byTime()), top);
    table(b, "pid", sorted(pids, byTime()), top);
    return b.toString();
  }

  private static void table(StringBuilder b, String title, List<Row> rows, int top) {
    b.append(String.format(Locale.ROOT, "%n%-28s %10s %8s %12s %12s%n", title, "count", "errors", "total ms", "avg us"));
    for (Row r : rows.subList(0, Math.min(top, rows.size()))) {
      b.append(String.format(Locale.ROOT, "%-28s %10d %8d %12.3f %12.1f%n", r.key, r.count, r.errors, r.micros / 1000.0, (double) r.micros / r.count));
    }
  }

  /** One JSON object on one line (for scripts). */
  synchronized String json(double seconds) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "{\"seconds\":%.3f,\"lines\":%d,\"dropped\":%d,", seconds, lines, dropped));
    json(b, "operations", "op", sorted(ops, byTime()), false);
    b.append(',');
    json(b, "uids", "uid", sorted(uids, byTime()), true);
    b.append(',');
    json(b, "pids", "pid", sorted(pids, byTime()), true);
    return b.append('}').toString();
  }

  private static void json(StringBuilder b, String name, String key, List<Row> rows, boolean numeric) {
    b.append('"').append(name).append("\":[");
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      b.append(i == 0 ? "" : ",").append("{\"").append(key).append("\":").append(numeric ? r.key : "\"" + r.key.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
      b.append(String.format(Locale.ROOT, ",\"count\":%d,\"errors\":%d,\"total_seconds\":%.6f}", r.count, r.errors, r.micros / 1e6));
    }
    b.append(']');
  }

  private static Comparator<Row> byTime() {
    return Comparator.<Row>comparingLong(r -> r.micros).reversed().thenComparing(r -> r.key);
  }

  private static Comparator<Row> byCount() {
    return Comparator.<Row>comparingLong(r -> r.count).reversed().thenComparing(r -> r.key);
  }

  private static List<Row> sorted(Map<String, Row> m, Comparator<Row> order) {
    List<Row> rows = new ArrayList<>(m.values());
    rows.sort(order);
    return rows;
  }
}
