package io.nectarfs.common;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One scrape in the Prometheus text exposition format (version 0.0.4): the samples, without the
 * {@code # HELP}/{@code # TYPE} comments. {@link #parse} accepts exactly that format (a metric
 * name, optional {@code {label="value",...}} with {@code \\}, {@code \"} and {@code \n} escapes,
 * a value, an optional timestamp) and rejects anything else with an {@link IllegalArgumentException}
 * naming the line. Immutable. Used by {@code nectar stats} and the CSI dashboard (a mount's {@code /metrics}).
 */
public final class PromText {
  /** One sample: a series (name and labels) and its value. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  private final List<Sample> samples;

  private PromText(List<Sample> samples) {
    this.samples = List.copyOf(samples);
  }

  public List<Sample> samples() {
    return samples;
  }

  /** Parses {@code text}; throws {@link IllegalArgumentException} at the first line not in the format. */
  public static PromText parse(String text) {
    List<Sample> out = new ArrayList<>();
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      try {
        out.add(sample(l));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("line " + n + " is not a Prometheus sample");
      }
    }
    return new PromText(out);
  }

  private static Sample sample(String l) {
    int i = 0;
    while (i < l.length() && nameChar(l.charAt(i), i == 0)) {
      i++;
    }
    if (i == 0) {
      throw new IllegalArgumentException();
    }
    String name = l.substring(0, i);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < l.length() && l.charAt(i) == '{') {
      i++;
      while (true) {
        while (l.charAt(i) == ' ' || l.charAt(i) == ',') {
          i++;
        }
        if (l.charAt(i) == '}') {
          i++;
          break;
        }
        int k = i;
        while (nameChar(l.charAt(i), i == k) && l.charAt(i) != ':') {
          i++;
        }
        if (i == k || l.charAt(i) != '=' || l.charAt(i + 1) != '"') {
          throw new IllegalArgumentException();
        }
        String key = l.substring(k, i);
        i += 2;
        StringBuilder v = new StringBuilder();
        for (char c; (c = l.charAt(i)) != '"'; i++) {
          if (c == '\\') {
            char e = l.charAt(++i);
            v.append(e == 'n' ? '\n' : e);
          } else {
            v.append(c);
          }
        }
        i++;
        labels.put(key, v.toString());
      }
    }
    String[] rest = l.substring(i).strip().split("\\s+");
    if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty() || i == l.length() || l.charAt(i) != ' ' && l.charAt(i) != '\t') {
      throw new IllegalArgumentException();
    }
    if (rest.length == 2) {
      Long.parseLong(rest[1]);
    }
    return new Sample(name, labels, value(rest[0]));
  }

  private static double value(String s) {
    return switch (s) {
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(s);
    };
  }

  private static boolean nameChar(char c, boolean first) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || !first && c >= '0' && c <= '9';
  }

  /** The sum of the samples named {@code name} whose labels pass {@code filter} (0 if none). */
  public double sum(String name, Predicate<Map<String, String>> filter) {
    double total = 0;
    for (Sample s : samples) {
      if (s.name().equals(name) && filter.test(s.labels())) {
        total += s.value();
      }
    }
    return total;
  }

  public double sum(String name) {
    return sum(name, labels -> true);
  }

  /** Whether any sample is named {@code name}. */
  public boolean has(String name) {
    return samples.stream().anyMatch(s -> s.name().equals(name));
  }
}
