package io.nectarfs.fs;

import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;

/** Exceptions that name the path they concern (the rule of {@link FileApi}). */
final class Errors {
  private Errors() {}

  /** {@code e}'s errno with a message naming {@code path} ({@code e} itself when it already does). */
  static FsException at(FsException e, String path) {
    String m = e.getMessage();
    return m != null && m.startsWith(path + ": ") ? e : new FsException(e.errno(), path);
  }

  static FsException of(Errno errno, String path) {
    return new FsException(errno, path);
  }
}
