package io.nectarfs.gateway.webdav;

import io.nectarfs.common.Ctx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * Who a request acts as: without a user every request acts as one identity; with a user, HTTP
 * Basic credentials must match (compared in constant time) and the request acts as the user's
 * uid/gid. The password is held only here and never logged or printed.
 */
public final class BasicAuth {
  private final String user;
  private final byte[] password;
  private final Ctx identity;

  private BasicAuth(String user, byte[] password, Ctx identity) {
    this.user = user;
    this.password = password;
    this.identity = identity;
  }

  /** No authentication: every request acts as {@code uid}/{@code gid}. */
  public static BasicAuth none(int uid, int gid) {
    return new BasicAuth(null, null, Ctx.of(uid, gid));
  }

  /** Basic authentication of one user, acting as {@code uid}/{@code gid}. */
  public static BasicAuth user(String user, String password, int uid, int gid) {
    if (user == null || user.isEmpty() || user.indexOf(':') >= 0) {
      throw new IllegalArgumentException("the WebDAV user name must be non-empty and contain no ':'");
    }
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("the WebDAV password is empty");
    }
    return new BasicAuth(user, password.getBytes(StandardCharsets.UTF_8), Ctx.of(uid, gid));
  }

  public boolean required() {
    return user != null;
  }

  /** The caller of a request with this Authorization header, or null when it must authenticate (401). */
  Ctx authenticate(String authorization) {
    if (user == null) {
      return identity;
    }
    if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(authorization.substring(6).trim());
    } catch (IllegalArgumentException e) {
      return null;
    }
    String s = new String(decoded, StandardCharsets.UTF_8);
    int colon = s.indexOf(':');
    if (colon < 0) {
      return null;
    }
    boolean userOk = MessageDigest.isEqual(s.substring(0, colon).getBytes(StandardCharsets.UTF_8), user.getBytes(StandardCharsets.UTF_8));
    boolean passOk = MessageDigest.isEqual(s.substring(colon + 1).getBytes(StandardCharsets.UTF_8), password);
    return userOk & passOk ? identity : null;
  }
}
