package io.nectarfs.common;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Printing of storage and metadata URLs without their secrets. Every URL that reaches a log, an
 * error message or a status line goes through {@link #redact(String)}.
 */
public final class Uris {
  // scheme://user:password@host  -> scheme://user:****@host ; scheme://secret@host -> scheme://****@host
  // The user info runs to the LAST '@' before any query or fragment, so that passwords holding
  // '@' or an unencoded '/' are still hidden (RFC 3986 parsers split at the last '@' too).
  private static final Pattern USERINFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#][^?#]*)@(?=[^@]*$)");
  private static final Pattern SECRET_PARAM =
      Pattern.compile(
          "(?i)([?&](?:password|secret|secret[-_]?key|access[-_]?key|token|session[-_]?token|passphrase|sig|signature|x-amz-signature|x-amz-credential)=)[^&#]*");

  private Uris() {}

  /** The URL with any password, secret key or token replaced by {@code ****}. Never throws. */
  public static String redact(String url) {
    if (url == null) {
      return "null";
    }
    String out = url;
    Matcher m = USERINFO.matcher(out);
    if (m.find()) {
      String info = m.group(2);
      int colon = info.indexOf(':');
      String shown = colon >= 0 ? info.substring(0, colon) + ":****" : "****";
      if (colon < 0 && info.isEmpty()) {
        shown = "";
      }
      out = m.group(1) + shown + "@" + out.substring(m.end());
    }
    return SECRET_PARAM.matcher(out).replaceAll("$1****");
  }

  /** Splits "scheme://rest" into its lower-case scheme, or null when there is no "://". */
  public static String scheme(String url) {
    int i = url == null ? -1 : url.indexOf("://");
    if (i <= 0) {
      return null;
    }
    return url.substring(0, i).toLowerCase(java.util.Locale.ROOT);
  }
}
