package io.nectarfs.csi.dashboard;

import io.nectarfs.common.Uris;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What may leave the dashboard of text that could hold a secret (log lines, command lines): URLs
 * through {@link Uris#redact}, {@code name=value} and {@code name: value} whose name marks a
 * secret ({@link Uris#isSecretParam}) with the value replaced by {@code ****}.
 */
final class Redact {
  private static final Pattern TOKEN = Pattern.compile("\\S+");
  /** {@code name=value} or {@code name: value} (also JSON's), the name possibly quoted or dashed; the value ends at a delimiter. */
  private static final Pattern PAIR = Pattern.compile("([\"']?-{0,2}[A-Za-z0-9_.\\-]+[\"']?)(=|:\\s*)(\"[^\"]*\"|'[^']*'|[^\\s,;(){}\\[\\]&\"']+)");

  private Redact() {}

  static String line(String s) {
    Matcher m = PAIR.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1).replaceAll("^[\"'-]+|[\"']+$", "");
      String value = m.group(3);
      String replacement = Uris.isSecretParam(name) && !value.contains("://") ? m.group(1) + m.group(2) + "****" : m.group();
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    Matcher t = TOKEN.matcher(out.toString());
    StringBuilder urls = new StringBuilder();
    while (t.find()) {
      String token = t.group();
      t.appendReplacement(urls, Matcher.quoteReplacement(token.contains("@") || token.contains("://") ? url(token) : token));
    }
    t.appendTail(urls);
    return urls.toString();
  }

  static List<String> command(List<String> args) {
    return args.stream().map(Redact::line).toList();
  }

  /** A token that holds a URL or DSN, perhaps after {@code name=} or inside quotes. */
  private static String url(String token) {
    int start = token.indexOf("://");
    int from = 0;
    if (start > 0) {
      // the scheme starts after the last non-scheme character before "://"
      from = start;
      while (from > 0 && (Character.isLetterOrDigit(token.charAt(from - 1)) || "+-.".indexOf(token.charAt(from - 1)) >= 0)) {
        from--;
      }
    }
    return token.substring(0, from) + Uris.redact(token.substring(from));
  }
}
