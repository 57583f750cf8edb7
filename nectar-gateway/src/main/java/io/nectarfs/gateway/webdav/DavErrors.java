package io.nectarfs.gateway.webdav;

import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;

/** The one mapping of {@link Errno} to an HTTP status for WebDAV (methods refine a few cases where RFC 4918 asks). */
final class DavErrors {
  private DavErrors() {}

  static int status(Errno e) {
    return switch (e) {
      case ENOENT -> 404;
      case EACCES, EPERM, EROFS -> 403;
      case EEXIST -> 405;
      case ENOTEMPTY, ENOTDIR, EISDIR, ELOOP, EXDEV -> 409;
      case EINVAL, ENAMETOOLONG, EILSEQ -> 400;
      case ENOSPC, EDQUOT, EFBIG -> 507;
      case EBUSY, EAGAIN, EINTR, ETIMEDOUT -> 503;
      case EOPNOTSUPP, ENOSYS -> 501;
      default -> 500;
    };
  }

  static DavException of(FsException e) {
    return new DavException(status(e.errno()), e.getMessage());
  }
}
