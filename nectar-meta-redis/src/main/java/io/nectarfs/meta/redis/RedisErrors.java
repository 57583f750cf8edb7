package io.nectarfs.meta.redis;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.NoSuchElementException;
import javax.net.ssl.SSLException;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The one place where Jedis exceptions become {@link IOException}s with a one-line message that
 * names the redacted URL and what to check. The password is never part of a message: messages are
 * composed here, and anything taken from a foreign exception is scrubbed of it.
 */
final class RedisErrors {
  private final RedisUrl url;
  private final String password;

  RedisErrors(RedisUrl url, String password) {
    this.url = url;
    this.password = password;
  }

  /** An exception thrown while connecting (borrowing a connection, first PING). */
  IOException connect(RuntimeException e) {
    return new IOException(describe(e, true), e);
  }

  /** An exception thrown while a command ran on an established connection. */
  IOException command(String what, RuntimeException e) {
    return new IOException(describe(e, false) + " (" + what + ")", e);
  }

  private String describe(RuntimeException e, boolean connecting) {
    String shown = url.redacted();
    JedisAccessControlException acl = find(e, JedisAccessControlException.class);
    String serverMsg = acl != null ? acl.getMessage() : find(e, JedisDataException.class) != null ? find(e, JedisDataException.class).getMessage() : null;
    String upper = serverMsg == null ? "" : serverMsg.toUpperCase(Locale.ROOT);
    if (upper.startsWith("WRONGPASS") || upper.contains("INVALID PASSWORD") || upper.contains("INVALID USERNAME-PASSWORD")) {
      return "cannot log in to " + shown + ": wrong " + (url.user() == null ? "password" : "user name or password") + " (check the URL or META_PASSWORD)";
    }
    if (upper.startsWith("NOAUTH")) {
      return "cannot log in to " + shown + ": the server requires a password; give it in the URL (redis://:PASSWORD@host:port/db) or in META_PASSWORD";
    }
    if (upper.contains("WITHOUT ANY PASSWORD CONFIGURED")) {
      return "cannot log in to " + shown + ": a password was given but the server has none configured; remove it from the URL and META_PASSWORD";
    }
    if (upper.contains("DB INDEX IS OUT OF RANGE")) {
      return "cannot use " + shown + ": database " + url.db() + " does not exist on the server (see 'databases' in redis.conf)";
    }
    if (upper.startsWith("OOM")) {
      return "Redis at " + shown + " is out of memory (" + scrub(serverMsg) + "): raise maxmemory or free space";
    }
    if (upper.startsWith("NOPERM")) {
      return "Redis at " + shown + " refused a command for this user: " + scrub(serverMsg);
    }
    String prefix = connecting ? "cannot connect to " + shown + ": " : "Redis at " + shown + " failed: ";
    if (find(e, UnknownHostException.class) != null) {
      return prefix + "unknown host '" + url.host() + "'";
    }
    if (find(e, ConnectException.class) != null) {
      return prefix + "connection refused — is Redis running?";
    }
    if (find(e, NoRouteToHostException.class) != null) {
      return prefix + "no route to host — is Redis running?";
    }
    SocketTimeoutException timeout = find(e, SocketTimeoutException.class);
    if (timeout != null) {
      // "Connect timed out" while opening the socket; "Read timed out" waiting for an answer.
      boolean opening = timeout.getMessage() != null && timeout.getMessage().toLowerCase(Locale.ROOT).contains("connect");
      return prefix + "no answer within " + (opening ? url.connectTimeout() : url.timeout()).toMillis() + " ms — is Redis running and reachable?";
    }
    SSLException ssl = find(e, SSLException.class);
    if (ssl != null) {
      return prefix + "TLS failed (" + scrub(ssl.getMessage()) + ") — does the server speak TLS? (rediss:// needs TLS, redis:// is plain)";
    }
    if (find(e, NoSuchElementException.class) != null) {
      return "no free connection to " + shown + " within " + url.timeout().toMillis() + " ms: all " + url.maxConnections()
          + " are busy (raise max-connections)";
    }
    if (find(e, JedisConnectionException.class) != null) {
      return prefix + "connection lost (" + scrub(root(e).getMessage()) + ")";
    }
    if (serverMsg != null) {
      return prefix + scrub(serverMsg);
    }
    return prefix + e.getClass().getSimpleName() + ": " + scrub(root(e).getMessage());
  }

  private String scrub(String msg) {
    if (msg == null) {
      return "";
    }
    String one = msg.replace('\n', ' ').replace('\r', ' ');
    if (password != null && !password.isEmpty()) {
      one = one.replace(password, "****");
    }
    return one;
  }

  private static Throwable root(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  /** The first {@code type} among {@code e}, its causes and their suppressed exceptions. */
  private static <T extends Throwable> T find(Throwable e, Class<T> type) {
    return find(e, type, 0);
  }

  private static <T extends Throwable> T find(Throwable e, Class<T> type, int depth) {
    // Jedis tries every address a name resolves to and attaches each failure as suppressed.
    for (Throwable t = e; t != null && depth < 20; t = t.getCause() == t ? null : t.getCause(), depth++) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
      for (Throwable s : t.getSuppressed()) {
        T found = find(s, type, depth + 1);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }
}
