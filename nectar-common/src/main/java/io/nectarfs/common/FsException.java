package io.nectarfs.common;

import java.io.IOException;

/**
 * A POSIX outcome: an {@link Errno} and a detail naming what it concerns. Stackless, because
 * outcomes such as ENOENT are ordinary control flow on hot paths.
 */
public final class FsException extends IOException {
  private static final long serialVersionUID = 1L;
  private final Errno errno;

  public FsException(Errno errno, String detail) {
    super(detail == null || detail.isEmpty() ? errno.description() : detail + ": " + errno.description());
    this.errno = errno;
  }

  public Errno errno() {
    return errno;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
