package io.nectarfs.common;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The one redactor of storage and metadata URLs. Every URL that reaches a log, an error message or
 * a status line goes through {@link #redact(String)}; {@link Url} parses with the same idea of
 * where the user info ends, and this class errs on the side of hiding more.
 *
 * <p>Rules (textual, so that a URL that does not parse is still printed safely):
 *
 * <ul>
 *   <li>Text without {@code scheme://} that has {@code x:y@z} is taken as a DSN: {@code x:****@z}.
 *   <li>After {@code scheme://} a '/' starts a path ({@code file:///a@b}, {@code sqlite3:///x}):
 *       there is no user info (except for redis, where the
 *       user info may be a bare password starting with '/').
 *   <li>Otherwise the user info runs to the <em>last</em> '@' of the URL, so that a password
 *       holding unencoded '@', ':', '/', '?', '#' or '%' is hidden whole. When that text holds a
 *       '/', '?' or '#' but no ':' before it, the '@' belongs to a path or query ({@code
 *       s3://bucket/a@b}) and nothing is hidden, except for {@code redis}/{@code rediss}, where a
 *       bare user info is a password.
 *   <li>{@code user:password} prints as {@code user:****}; a bare user info prints as {@code ****},
 *       except for the SQL schemes, where it is the user name.
 *   <li>Query parameters whose name (percent-decoded, case, '-', '_' and '.' ignored) contains
 *       password, passwd, pwd, secret, token, passphrase, signature, credential, accesskey, apikey,
 *       privatekey, or is sig, have their value up to the next '&amp;' replaced by {@code ****}.
 * </ul>
 */
public final class Uris {
  static final Set<String> BARE_PASSWORD_SCHEMES = Set.of("redis", "rediss");
  static final Set<String> BARE_USER_SCHEMES = Set.of("postgres", "postgresql", "mysql", "mariadb");
  private static final List<String> SECRET_WORDS = List.of(
      "password", "passwd", "pwd", "secret", "token", "passphrase", "signature", "credential", "accesskey", "apikey", "privatekey");

  private Uris() {}

  /** The URL with any password, secret key or token replaced by {@code ****}. Never throws. */
  public static String redact(String url) {
    if (url == null) {
      return "null";
    }
    String scheme = scheme(url);
    if (scheme == null) {
      // Not a URL, perhaps a DSN such as user:password@tcp(host)/db: hide what looks like one.
      int at = url.lastIndexOf('@');
      int colon = url.indexOf(':');
      if (at > 0 && colon >= 0 && colon < at) {
        return url.substring(0, colon) + ":****" + redactParams(url.substring(at));
      }
      return redactParams(url);
    }
    int start = url.indexOf("://") + 3;
    int at = url.lastIndexOf('@');
    boolean pathForm = start < url.length() && url.charAt(start) == '/' && !BARE_PASSWORD_SCHEMES.contains(scheme);
    if (start >= url.length() || pathForm || at < start) {
      return url.substring(0, start) + redactParams(url.substring(start));
    }
    String info = url.substring(start, at);
    if (!isUserInfo(scheme, info)) {
      return url.substring(0, start) + redactParams(url.substring(start));
    }
    int colon = info.indexOf(':');
    String shown;
    if (colon >= 0) {
      shown = info.substring(0, colon) + ":****";
    } else if (info.isEmpty() || (BARE_USER_SCHEMES.contains(scheme) && firstOf(info, "/?#") < 0)) {
      shown = info;
    } else {
      shown = "****";
    }
    return url.substring(0, start) + shown + "@" + redactParams(url.substring(at + 1));
  }

  /**
   * The URL without its user info and without secret query parameters ({@link #isSecretParam}),
   * as it may be stored (e.g. in the volume's format record). The user info is found as {@link
   * Url#parse} finds it.
   *
   * @throws IllegalArgumentException when the URL is ambiguous ({@code http://a:12/34@h/b}: a
   *     password or a host, port and a path with '@'), naming what to percent-encode
   */
  public static String withoutCredentials(String url) {
    String scheme = scheme(url);
    if (scheme == null) {
      return url;
    }
    int start = url.indexOf("://") + 3;
    String rest = url.substring(start);
    int at = Url.userInfoEnd(scheme, rest);
    if (at == -2) {
      throw new IllegalArgumentException("the URL " + redact(url)
          + " is ambiguous: percent-encode '/' in the password as %2F, or '@' in the path as %40");
    }
    if (at >= 0) {
      rest = rest.substring(at + 1);
    }
    int q = rest.indexOf('?');
    if (q < 0) {
      return url.substring(0, start) + rest;
    }
    List<String> kept = new java.util.ArrayList<>();
    for (String pair : rest.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      if (!pair.isEmpty() && !isSecretParam(eq < 0 ? pair : pair.substring(0, eq))) {
        kept.add(pair);
      }
    }
    return url.substring(0, start) + rest.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
  }

  /** Whether the text before an '@' is user info (true) or part of a path or query (false). */
  static boolean isUserInfo(String scheme, String info) {
    int reserved = firstOf(info, "/?#");
    if (reserved < 0) {
      return true;
    }
    int colon = info.indexOf(':');
    return (colon >= 0 && colon < reserved) || BARE_PASSWORD_SCHEMES.contains(scheme);
  }

  /** Whether a query parameter name marks a secret value. */
  public static boolean isSecretParam(String name) {
    String n = Url.decodeQuietly(name).toLowerCase(Locale.ROOT).replace("-", "").replace("_", "").replace(".", "");
    if (n.equals("sig")) {
      return true;
    }
    for (String w : SECRET_WORDS) {
      if (n.contains(w)) {
        return true;
      }
    }
    return false;
  }

  /** Hides the values of secret parameters in {@code [?&]name=value} pairs. */
  private static String redactParams(String s) {
    int q = s.indexOf('?');
    if (q < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.substring(0, q + 1));
    String[] pairs = s.substring(q + 1).split("&", -1);
    for (int i = 0; i < pairs.length; i++) {
      if (i > 0) {
        out.append('&');
      }
      String p = pairs[i];
      int eq = p.indexOf('=');
      if (eq >= 0 && isSecretParam(p.substring(0, eq))) {
        out.append(p, 0, eq + 1).append("****");
      } else {
        out.append(p);
      }
    }
    return out.toString();
  }

  static int firstOf(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  /** The lower-case scheme of "scheme://rest", or null when there is no "scheme://". */
  public static String scheme(String url) {
    int i = url == null ? -1 : url.indexOf("://");
    if (i <= 0 || !url.substring(0, i).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
      return null;
    }
    return url.substring(0, i).toLowerCase(Locale.ROOT);
  }
}
