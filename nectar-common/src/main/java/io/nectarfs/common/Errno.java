package io.nectarfs.common;

import java.io.FileNotFoundException;
import java.io.InterruptedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

/**
 * POSIX outcomes with their Linux numbers, as they travel on the FUSE wire.
 *
 * <p>Every layer reports POSIX failures as {@link FsException} carrying one of these values; each
 * front end (FUSE, S3 gateway, Hadoop, CLI) translates them exactly once. {@link #of(Throwable)}
 * is the single mapping from foreign exceptions to an errno.
 */
public enum Errno {
  EPERM(1, "operation not permitted"),
  ENOENT(2, "no such file or directory"),
  EINTR(4, "interrupted"),
  EIO(5, "input/output error"),
  ENXIO(6, "no such device or address"),
  E2BIG(7, "argument list too long"),
  EBADF(9, "bad file descriptor"),
  EAGAIN(11, "resource temporarily unavailable"),
  ENOMEM(12, "out of memory"),
  EACCES(13, "permission denied"),
  EFAULT(14, "bad address"),
  EBUSY(16, "device or resource busy"),
  EEXIST(17, "file exists"),
  EXDEV(18, "cross-device link"),
  ENODEV(19, "no such device"),
  ENOTDIR(20, "not a directory"),
  EISDIR(21, "is a directory"),
  EINVAL(22, "invalid argument"),
  ENFILE(23, "too many open files in system"),
  EMFILE(24, "too many open files"),
  ENOTTY(25, "inappropriate ioctl for device"),
  ETXTBSY(26, "text file busy"),
  EFBIG(27, "file too large"),
  ENOSPC(28, "no space left on device"),
  ESPIPE(29, "illegal seek"),
  EROFS(30, "read-only file system"),
  EMLINK(31, "too many links"),
  EPIPE(32, "broken pipe"),
  ERANGE(34, "result too large"),
  EDEADLK(35, "resource deadlock avoided"),
  ENAMETOOLONG(36, "file name too long"),
  ENOLCK(37, "no locks available"),
  ENOSYS(38, "function not implemented"),
  ENOTEMPTY(39, "directory not empty"),
  ELOOP(40, "too many levels of symbolic links"),
  ENODATA(61, "no data available"),
  EOVERFLOW(75, "value too large for defined data type"),
  EPROTO(71, "protocol error"),
  EBADMSG(74, "bad message"),
  EILSEQ(84, "invalid or incomplete multibyte or wide character"),
  EOPNOTSUPP(95, "operation not supported"),
  ECONNREFUSED(111, "connection refused"),
  ETIMEDOUT(110, "connection timed out"),
  ESTALE(116, "stale file handle"),
  EDQUOT(122, "disk quota exceeded");

  private final int code;
  private final String description;

  Errno(int code, String description) {
    this.code = code;
    this.description = description;
  }

  /** The Linux errno number. */
  public int code() {
    return code;
  }

  /** The strerror-like description, lower case. */
  public String description() {
    return description;
  }

  /** A new stackless exception carrying this errno and a detail naming the object concerned. */
  public FsException exception(String detail) {
    return new FsException(this, detail);
  }

  /** Returns the errno with the given Linux number, or {@link #EIO} if it is not known here. */
  public static Errno ofCode(int code) {
    for (Errno e : values()) {
      if (e.code == code) {
        return e;
      }
    }
    return EIO;
  }

  /**
   * The one mapping from any failure to a POSIX outcome. Unknown failures become {@link #EIO};
   * the caller logs those once with their stack.
   */
  public static Errno of(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      switch (c) {
        case FsException fe -> {
          return fe.errno();
        }
        case NoSuchFileException e -> {
          return ENOENT;
        }
        case FileNotFoundException e -> {
          return ENOENT;
        }
        case FileAlreadyExistsException e -> {
          return EEXIST;
        }
        case AccessDeniedException e -> {
          return EACCES;
        }
        case DirectoryNotEmptyException e -> {
          return ENOTEMPTY;
        }
        case NotDirectoryException e -> {
          return ENOTDIR;
        }
        case InterruptedException e -> {
          return EINTR;
        }
        case InterruptedIOException e when !(e instanceof java.net.SocketTimeoutException) -> {
          return EINTR;
        }
        case java.net.SocketTimeoutException e -> {
          return ETIMEDOUT;
        }
        case CancellationException e -> {
          return EINTR;
        }
        case TimeoutException e -> {
          return ETIMEDOUT;
        }
        default -> {}
      }
    }
    return EIO;
  }
}
