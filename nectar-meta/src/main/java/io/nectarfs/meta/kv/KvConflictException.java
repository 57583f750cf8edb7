package io.nectarfs.meta.kv;

import java.io.IOException;

/** A transaction lost a conflict and was rolled back; running it again may succeed. */
public final class KvConflictException extends IOException {
  private static final long serialVersionUID = 1L;

  public KvConflictException(String message) {
    super(message);
  }

  public KvConflictException(String message, Throwable cause) {
    super(message, cause);
  }
}
