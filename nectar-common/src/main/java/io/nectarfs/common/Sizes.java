package io.nectarfs.common;

import java.util.Locale;

/** Parsing and printing of byte sizes ("4M", "64KiB", "1.5G", "4096"). Binary units throughout. */
public final class Sizes {
  public static final long KiB = 1L << 10;
  public static final long MiB = 1L << 20;
  public static final long GiB = 1L << 30;
  public static final long TiB = 1L << 40;

  private Sizes() {}

  /**
   * Parses a size: a number with an optional unit K, M, G, T, P (optionally followed by "i", "B",
   * or "iB"), binary multiples. A bare number is bytes.
   *
   * @throws IllegalArgumentException with a message naming the text when it is not a size
   */
  public static long parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty size");
    }
    String s = text.trim().toUpperCase(Locale.ROOT);
    if (s.endsWith("B")) {
      s = s.substring(0, s.length() - 1);
    }
    if (s.endsWith("I")) {
      s = s.substring(0, s.length() - 1);
    }
    long mult = 1;
    if (!s.isEmpty()) {
      char u = s.charAt(s.length() - 1);
      int shift = "KMGTP".indexOf(u);
      if (shift >= 0) {
        mult = 1L << (10 * (shift + 1));
        s = s.substring(0, s.length() - 1);
      }
    }
    try {
      double v = Double.parseDouble(s.trim());
      if (v < 0 || Double.isNaN(v) || v * mult > Long.MAX_VALUE) {
        throw new NumberFormatException();
      }
      return (long) (v * mult);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a size (examples: 4096, 64K, 4M, 1.5G)");
    }
  }

  /** Prints a size with a binary unit and up to one decimal: 4.0 MiB, 512 B. */
  public static String format(long bytes) {
    if (bytes < KiB) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = bytes;
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
  }
}
