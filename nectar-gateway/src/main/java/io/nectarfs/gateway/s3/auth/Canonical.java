package io.nectarfs.gateway.s3.auth;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The parts of a Signature V4 canonical request that S3 derives from the request line and headers.
 *
 * <p>S3 rules: the path is not normalised and is encoded once; the server cannot know how a client
 * escaped it, so each segment of the raw path (between literal {@code /}) is percent-decoded to
 * bytes and re-encoded the one canonical way (unreserved {@code A-Z a-z 0-9 - . _ ~} as they are,
 * every other byte {@code %XX} upper case, so an escaped {@code %2F} stays escaped; a {@code +} in
 * a path is a plus). Query names and values are decoded the same way
 * (a {@code +} there is a space, as form encoding sends it), re-encoded with {@code /} escaped
 * too, and sorted by encoded name then encoded value; a parameter without {@code =} has the value
 * "". Header values are trimmed with inner runs of blanks reduced to one space, repeated headers
 * joined by commas.
 */
final class Canonical {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private Canonical() {}

  /** One query parameter: decoded (UTF-8) and canonically encoded (from the decoded bytes). */
  record Param(String name, String value, String encodedName, String encodedValue) {}

  /** The canonical URI of a raw path ("/" when empty). */
  static String uri(String rawPath) {
    if (rawPath == null || rawPath.isEmpty()) {
      return "/";
    }
    StringBuilder sb = new StringBuilder(rawPath.length() + 16);
    int start = 0;
    while (true) {
      int slash = rawPath.indexOf('/', start);
      int end = slash < 0 ? rawPath.length() : slash;
      sb.append(encode(decode(rawPath.substring(start, end), false)));
      if (slash < 0) {
        return sb.toString();
      }
      sb.append('/');
      start = slash + 1;
    }
  }

  /** The decoded parameters of a raw query, in arrival order. */
  static List<Param> params(String rawQuery) {
    List<Param> out = new ArrayList<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    int start = 0;
    while (start <= rawQuery.length()) {
      int amp = rawQuery.indexOf('&', start);
      int end = amp < 0 ? rawQuery.length() : amp;
      if (end > start) {
        String part = rawQuery.substring(start, end);
        int eq = part.indexOf('=');
        String name = eq < 0 ? part : part.substring(0, eq);
        String value = eq < 0 ? "" : part.substring(eq + 1);
        byte[] n = decode(name, true);
        byte[] v = decode(value, true);
        out.add(new Param(utf8(n), utf8(v), encode(n), encode(v)));
      }
      if (amp < 0) {
        break;
      }
      start = amp + 1;
    }
    return out;
  }

  /** The canonical query string of these parameters, leaving out the one named {@code skip} (or none). */
  static String query(List<Param> params, String skip) {
    List<String[]> enc = new ArrayList<>(params.size());
    for (Param p : params) {
      if (!p.name().equals(skip)) {
        enc.add(new String[] {p.encodedName(), p.encodedValue()});
      }
    }
    enc.sort((a, b) -> {
      int c = a[0].compareTo(b[0]);
      return c != 0 ? c : a[1].compareTo(b[1]);
    });
    StringBuilder sb = new StringBuilder();
    for (String[] e : enc) {
      if (!sb.isEmpty()) {
        sb.append('&');
      }
      sb.append(e[0]).append('=').append(e[1]);
    }
    return sb.toString();
  }

  /**
   * The canonical headers block ("name:value\n" per signed header, in the order given) for these
   * signed header names; an absent header has the value "".
   */
  static String headers(List<String> signed, Map<String, List<String>> headers) {
    StringBuilder sb = new StringBuilder();
    for (String name : signed) {
      sb.append(name).append(':');
      List<String> values = headers.get(name);
      if (values != null) {
        for (int i = 0; i < values.size(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          trimAll(values.get(i), sb);
        }
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** Appends a header value trimmed, inner runs of spaces and tabs reduced to one space. */
  static void trimAll(String v, StringBuilder sb) {
    int start = 0, end = v.length();
    while (start < end && blank(v.charAt(start))) {
      start++;
    }
    while (end > start && blank(v.charAt(end - 1))) {
      end--;
    }
    boolean inBlank = false;
    for (int i = start; i < end; i++) {
      char c = v.charAt(i);
      if (blank(c)) {
        if (!inBlank) {
          sb.append(' ');
        }
        inBlank = true;
      } else {
        sb.append(c);
        inBlank = false;
      }
    }
  }

  private static boolean blank(char c) {
    return c == ' ' || c == '\t';
  }

  private static String encode(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length + 16);
    for (byte b : bytes) {
      int c = b & 0xff;
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~') {
        sb.append((char) c);
      } else {
        sb.append('%').append(HEX[c >>> 4]).append(HEX[c & 15]);
      }
    }
    return sb.toString();
  }

  /** Percent-decodes to bytes; a malformed escape is kept as it is (as S3 does not reject it here). */
  private static byte[] decode(String s, boolean plusIsSpace) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
        out.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
        i += 2;
      } else if (c == '+' && plusIsSpace) {
        out.write(' ');
      } else if (c < 0x80) {
        out.write(c);
      } else {
        byte[] b = String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
          b = s.substring(i, i + 2).getBytes(java.nio.charset.StandardCharsets.UTF_8);
          i++;
        }
        out.write(b, 0, b.length);
      }
    }
    return out.toByteArray();
  }

  private static String utf8(byte[] b) {
    return new String(b, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
