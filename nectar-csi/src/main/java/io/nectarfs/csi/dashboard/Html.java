package io.nectarfs.csi.dashboard;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** HTML building with every value escaped: text and attribute values go through {@link #esc}, URL parts through {@link #url}. */
final class Html {
  private final StringBuilder out = new StringBuilder();

  /** Escapes {@code & < > " '} (text and quoted attributes); null prints as "-". */
  static String esc(Object v) {
    String s = v == null ? "-" : v.toString();
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /** A path segment or query value, percent-encoded. */
  static String url(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Appends markup written by this package (never a value). */
  Html raw(String markup) {
    out.append(markup);
    return this;
  }

  /** Appends an escaped value. */
  Html text(Object v) {
    out.append(esc(v));
    return this;
  }

  /** {@code <tag attrs>escaped text</tag>}; {@code attrs} is markup of this package. */
  Html el(String tag, String attrs, Object text) {
    out.append('<').append(tag).append(attrs.isEmpty() ? "" : " " + attrs).append('>').append(esc(text)).append("</").append(tag).append('>');
    return this;
  }

  /** A link to {@code href} (already encoded by {@link #url}) with escaped text. */
  Html link(String href, Object text) {
    out.append("<a href=\"").append(esc(href)).append("\">").append(esc(text)).append("</a>");
    return this;
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
