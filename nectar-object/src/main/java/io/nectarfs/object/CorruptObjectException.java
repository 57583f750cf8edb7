package io.nectarfs.object;

import java.io.IOException;

/** The stored bytes of an object are damaged (checksum or authentication tag mismatch). */
public final class CorruptObjectException extends IOException {
  private static final long serialVersionUID = 1L;
  private final String key;

  public CorruptObjectException(String key, String what) {
    super("object " + key + " is corrupt: " + what);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
