package io.nectarfs.gateway.s3;

import io.nectarfs.common.FsException;

/**
 * The one mapping from the volume's errors to S3's: an {@link FsException}'s errno, read in the
 * context of the request (a missing path is NoSuchBucket for a bucket request, NoSuchKey for an
 * object). Errors that are the volume's fault rather than the request's (EIO, a timeout) are
 * InternalError and {@link #serverSide} tells the handler to log them.
 */
final class S3Errors {
  private S3Errors() {}

  /** The S3 error of {@code e} for a request on {@code bucket} (null: the service) and {@code key} (null: the bucket). */
  static S3Exception of(FsException e, String bucket, String key) {
    String what = key != null ? key : bucket != null ? bucket : "/";
    return switch (e.errno()) {
      case EACCES, EPERM -> S3Error.ACCESS_DENIED.exception();
      case EROFS -> S3Error.ACCESS_DENIED.exception("The volume is read-only.");
      case ENOENT, ENOTDIR -> key != null ? S3Error.NO_SUCH_KEY.exception() : S3Error.NO_SUCH_BUCKET.exception();
      case EISDIR -> key != null ? S3Error.NO_SUCH_KEY.exception() : S3Error.INVALID_REQUEST.exception(what + " is a directory");
      case EEXIST -> key != null
          ? S3Error.INVALID_REQUEST.exception("The key " + key + " conflicts with an existing object or prefix of the same name.")
          : S3Error.BUCKET_ALREADY_OWNED_BY_YOU.exception();
      case ENOTEMPTY -> key != null
          ? S3Error.INVALID_REQUEST.exception("The prefix " + key + " is not empty.")
          : S3Error.BUCKET_NOT_EMPTY.exception();
      case ENOSPC -> S3Error.QUOTA_EXCEEDED.exception("The volume has no space left for this write.");
      case EDQUOT -> S3Error.QUOTA_EXCEEDED.exception("The quota of the directory or user does not allow this write.");
      case ENAMETOOLONG -> S3Error.KEY_TOO_LONG.exception();
      case EFBIG -> S3Error.ENTITY_TOO_LARGE.exception();
      case EINVAL, EILSEQ -> S3Error.INVALID_ARGUMENT.exception("Invalid argument: " + e.errno().description());
      case ELOOP, EMLINK -> S3Error.INVALID_REQUEST.exception(what + ": " + e.errno().description());
      case EOPNOTSUPP, ENOSYS -> S3Error.NOT_IMPLEMENTED.exception("The volume does not support this operation.");
      case EAGAIN, EBUSY, EMFILE, ENFILE, ENOMEM -> S3Error.SLOW_DOWN.exception();
      default -> new S3Exception(S3Error.INTERNAL_ERROR, S3Error.INTERNAL_ERROR.message(), e);
    };
  }

  /** Whether an error is the server's (logged) rather than the request's. */
  static boolean serverSide(S3Error e) {
    return e.status() >= 500 && e != S3Error.NOT_IMPLEMENTED && e != S3Error.SLOW_DOWN && e != S3Error.SERVICE_UNAVAILABLE;
  }
}
