package io.nectarfs.common;

import java.nio.charset.StandardCharsets;

/**
 * The lossless mapping between POSIX names (any bytes) and the {@code String}s of the Meta and Vfs
 * APIs ("surrogate escape", as Python's {@code os.fsdecode}).
 *
 * <p>{@link #decode} turns well-formed UTF-8 into its characters and every byte that is not part
 * of a well-formed sequence (Unicode 15, table 3-7: overlong forms, lone continuation bytes,
 * truncated sequences, encoded surrogates as in CESU-8, code points above U+10FFFF, bytes F5..FF)
 * into the lone surrogate {@code U+DC00 + byte} (U+DC80..U+DCFF). Well-formed UTF-8 never decodes
 * to a lone surrogate, so {@link #encode} can give back the exact original bytes: escape
 * characters become their byte again, everything else becomes UTF-8. For every byte array
 * {@code b}: {@code encode(decode(b))} equals {@code b}.
 *
 * <p>{@link #encode} rejects a lone surrogate outside U+DC80..U+DCFF (no byte string decodes to
 * one) with an {@link IllegalArgumentException}; it never substitutes. Strings built by hand from
 * escapes that together form valid UTF-8 (U+DCC3 U+DCA9) encode to those bytes and decode to the
 * character they spell (é): the bytes are the identity of a name, and strings that came from
 * {@link #decode} are canonical.
 *
 * <p>Front ends that need Unicode (S3 gateway, Hadoop) test {@link #isUtf8} and decide at their edge
 * what to do with names that are not; {@link #escape} gives a printable, unambiguous form for
 * terminals and logs. Stateless and thread-safe.
 */
public final class Names {
  private static final char ESCAPE_FIRST = '\uDC80';
  private static final char ESCAPE_LAST = '\uDCFF';
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Names() {}

  /** Decodes a whole array; see the class comment. */
  public static String decode(byte[] b) {
    return decode(b, 0, b.length);
  }

  /** Decodes {@code len} bytes from {@code off}, escaping every byte of a malformed sequence. */
  public static String decode(byte[] b, int off, int len) {
    // Fast path: the JDK's decoder (intrinsic for ASCII) replaces malformed input with U+FFFD; a
    // result without U+FFFD came from well-formed UTF-8 alone.
    String s = new String(b, off, len, StandardCharsets.UTF_8);
    if (s.indexOf('\uFFFD') < 0) {
      return s;
    }
    return decodeEscaping(b, off, len);
  }

  private static String decodeEscaping(byte[] b, int off, int len) {
    StringBuilder sb = new StringBuilder(len);
    int i = off;
    int end = off + len;
    while (i < end) {
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        sb.append((char) c);
        i++;
        continue;
      }
      int n = sequenceLength(b, i, end);
      if (n == 0) {
        sb.append((char) (0xDC00 + c));
        i++;
        continue;
      }
      int cp = switch (n) {
        case 2 -> ((c & 0x1F) << 6) | (b[i + 1] & 0x3F);
        case 3 -> ((c & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
        default -> ((c & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F);
      };
      sb.appendCodePoint(cp);
      i += n;
    }
    return sb.toString();
  }

  /** Length of the well-formed sequence starting at {@code i} (lead byte >= 0x80), 0 if none. */
  private static int sequenceLength(byte[] b, int i, int end) {
    int c = b[i] & 0xFF;
    int n;
    int lo = 0x80;
    int hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) {
        lo = 0xA0; // no overlong forms
      } else if (c == 0xED) {
        hi = 0x9F; // no surrogates (CESU-8)
      }
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) {
        lo = 0x90; // no overlong forms
      } else if (c == 0xF4) {
        hi = 0x8F; // nothing above U+10FFFF
      }
    } else {
      return 0; // continuation byte, C0/C1 (overlong) or F5..FF
    }
    if (i + n > end) {
      return 0;
    }
    int second = b[i + 1] & 0xFF;
    if (second < lo || second > hi) {
      return 0;
    }
    for (int k = 2; k < n; k++) {
      if ((b[i + k] & 0xC0) != 0x80) {
        return 0;
      }
    }
    return n;
  }

  /**
   * The bytes of a name: UTF-8, with escape characters U+DC80..U+DCFF turned back into their byte.
   *
   * @throws IllegalArgumentException for a lone surrogate outside U+DC80..U+DCFF
   */
  public static byte[] encode(String s) {
    // Fast path: the JDK's encoder (intrinsic for Latin-1 strings) replaces a lone surrogate with
    // '?'; a result without '?' is exact.
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    if (!contains(utf8, (byte) '?') || !hasLoneSurrogate(s)) {
      return utf8;
    }
    byte[] out = new byte[s.length() * 3];
    int o = 0;
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        out[o++] = (byte) c;
      } else if (c < 0x800) {
        out[o++] = (byte) (0xC0 | (c >> 6));
        out[o++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        out[o++] = (byte) (0xF0 | (cp >> 18));
        out[o++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        out[o++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        out[o++] = (byte) (0x80 | (cp & 0x3F));
      } else if (c >= ESCAPE_FIRST && c <= ESCAPE_LAST) {
        out[o++] = (byte) (c - 0xDC00);
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException("lone surrogate U+" + Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT)
            + " at index " + i + " is not part of a name");
      } else {
        out[o++] = (byte) (0xE0 | (c >> 12));
        out[o++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        out[o++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    return java.util.Arrays.copyOf(out, o);
  }

  private static boolean contains(byte[] b, byte v) {
    for (byte x : b) {
      if (x == v) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code s} holds a surrogate that is not half of a valid pair. */
  private static boolean hasLoneSurrogate(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c >= '\uD800' && c <= '\uDFFF') {
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return true;
      }
    }
    return false;
  }

  /** The length of {@link #encode}{@code (s)} in bytes (the one the 255-byte name limit counts). */
  public static int encodedLength(String s) {
    return encode(s).length;
  }

  /** Whether {@code s} is a valid Unicode string (no escaped bytes, no lone surrogates). */
  public static boolean isUtf8(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * A printable, unambiguous form for terminals and logs: escaped bytes, lone surrogates and
   * control characters as {@code \xNN} (surrogates as {@code \\uXXXX}), a backslash as {@code \\};
   * everything else unchanged. Names without those print as they are.
   */
  public static String escape(String s) {
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7F || c == '\\' || Character.isSurrogate(c)) {
        break;
      }
      i++;
    }
    if (i == n) {
      return s;
    }
    StringBuilder sb = new StringBuilder(n + 8).append(s, 0, i);
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(++i));
      } else if (c >= ESCAPE_FIRST && c <= ESCAPE_LAST) {
        hexByte(sb, c - 0xDC00);
      } else if (Character.isSurrogate(c)) {
        sb.append("\\u").append(Integer.toHexString(c));
      } else if (c < 0x20 || c == 0x7F) {
        hexByte(sb, c);
      } else if (c == '\\') {
        sb.append("\\\\");
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /**
   * The inverse of {@link #escape} for command-line input: {@code \xNN} is the byte NN (an escape
   * character for NN >= 0x80), {@code \\} a backslash; any other backslash stays as it is.
   * {@code unescape(escape(s))} equals {@code s} for every decoded name.
   */
  public static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < n && s.charAt(i + 1) == '\\') {
        sb.append('\\');
        i++;
      } else if (c == '\\' && i + 3 < n && s.charAt(i + 1) == 'x' && hex(s.charAt(i + 2)) >= 0 && hex(s.charAt(i + 3)) >= 0) {
        int b = hex(s.charAt(i + 2)) << 4 | hex(s.charAt(i + 3));
        sb.append((char) (b < 0x80 ? b : 0xDC00 + b));
        i += 3;
      } else {
        sb.append(c);
      }
    }
    // escaped bytes that together spell valid UTF-8 become the characters they spell
    return decode(encode(sb.toString()));
  }

  private static int hex(char c) {
    return Character.digit(c, 16);
  }

  private static void hexByte(StringBuilder sb, int b) {
    sb.append("\\x").append(HEX[b >> 4]).append(HEX[b & 0xF]);
  }
}
