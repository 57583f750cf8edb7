package io.nectarfs.gateway.webdav;

/**
 * A WebDAV outcome other than success: an HTTP status, an optional RFC 4918 precondition
 * element (the local name of a {@code DAV:} element for the error body) and a one-line message.
 */
final class DavException extends Exception {
  private final int status;
  private final String condition;

  DavException(int status, String message) {
    this(status, null, message);
  }

  DavException(int status, String condition, String message) {
    super(message, null, false, false);
    this.status = status;
    this.condition = condition;
  }

  int status() {
    return status;
  }

  /** The DAV: precondition element's local name, or null. */
  String condition() {
    return condition;
  }
}
