package io.nectarfs.fuse.linux;

import java.io.IOException;

/** A failed system call: what was attempted and the errno it gave. */
public final class NativeException extends IOException {
  private static final long serialVersionUID = 1L;
  private final int errno;

  public NativeException(String what, int errno) {
    super(what + ": " + LibC.strerror(errno) + " (errno " + errno + ")");
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }
}
