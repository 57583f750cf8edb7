package io.nectarfs.meta.sql;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;

/**
 * Turns driver exceptions into one-line messages that name the redacted URL and say what to check.
 * Messages are scrubbed of the password even though drivers are not known to echo it.
 */
final class Failures {
  private Failures() {}

  /** Why a connection could not be made, as one line starting "cannot connect to URL: ". */
  static IOException connect(SqlUrl url, Throwable e) {
    return new IOException(scrub(url, "cannot connect to " + url.describe() + ": " + reason(url, e)), e);
  }

  static String reason(SqlUrl url, Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || containsLower(t, "connection refused")) {
        return "connection refused — is the server running?";
      }
      if (t instanceof UnknownHostException) {
        return "unknown host '" + url.host() + "' — check the host name";
      }
      if (t instanceof NoRouteToHostException) {
        return "no route to host '" + url.host() + "' — check the address and the network";
      }
      if (t instanceof SocketTimeoutException) {
        return "timed out — is the server reachable (address, firewall)?";
      }
      if (t instanceof SQLException s && !(t instanceof SQLTransientConnectionException && t.getCause() != null)) {
        String state = String.valueOf(s.getSQLState());
        int code = s.getErrorCode();
        if (state.startsWith("28") || code == 1045 || code == 1044) {
          return "authentication failed for user '" + url.user()
              + "' — check the password (in the URL, META_PASSWORD or META_PASSWORD_FILE) and the user's rights";
        }
        if ("3D000".equals(state) || code == 1049) {
          return "database '" + url.database() + "' does not exist — create it (CREATE DATABASE " + url.database()
              + ") or add ?create-database=true to the URL";
        }
      }
    }
    if (e instanceof SQLTransientConnectionException && e.getCause() == null) {
      return "no connection became available in time — is the server overloaded or the pool exhausted?";
    }
    return firstLine(e);
  }

  /** The exception's first message line, with its SQL state when there is one. */
  static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    if (nl >= 0) {
      m = m.substring(0, nl);
    }
    m = m.strip();
    if (e instanceof SQLException s && s.getSQLState() != null) {
      return m + " (SQL state " + s.getSQLState() + (s.getErrorCode() != 0 ? ", error " + s.getErrorCode() : "") + ")";
    }
    return m;
  }

  /** True when the failure is about the connection rather than the statement. */
  static boolean isConnectionLoss(SQLException e) {
    String state = e.getSQLState();
    return (state != null && state.startsWith("08")) || e instanceof SQLTransientConnectionException
        || e instanceof java.sql.SQLNonTransientConnectionException || e.getCause() instanceof java.io.IOException;
  }

  /** Replaces the password wherever it appears (passwords shorter than 4 characters are left). */
  static String scrub(SqlUrl url, String message) {
    String pw = url.password();
    if (pw != null && pw.length() >= 4) {
      message = message.replace(pw, "****");
    }
    return message.replace('\n', ' ');
  }

  private static boolean containsLower(Throwable t, String s) {
    return t.getMessage() != null && t.getMessage().toLowerCase(Locale.ROOT).contains(s);
  }
}
