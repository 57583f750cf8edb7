package io.nectarfs.csi;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapping from what the services throw to a gRPC status, and the one place an RPC's
 * answer is sent. Messages are one line and name the problem; they never carry secrets (the
 * exceptions of the volume layer redact URLs, and secrets are never put in messages here).
 */
final class Statuses {
  private static final Logger LOG = LoggerFactory.getLogger(Statuses.class);

  private Statuses() {}

  /** Runs {@code call} and sends its answer, or the status its failure maps to. */
  static <T> void answer(String rpc, StreamObserver<T> out, Callable<T> call) {
    T reply;
    try {
      reply = call.call();
    } catch (Throwable t) {
      StatusRuntimeException s = of(t);
      if (s.getStatus().getCode() == Status.Code.INTERNAL || s.getStatus().getCode() == Status.Code.UNAVAILABLE) {
        LOG.warn("{} failed: {}", rpc, s.getStatus().getDescription(), t);
      } else {
        LOG.info("{}: {} {}", rpc, s.getStatus().getCode(), s.getStatus().getDescription());
      }
      out.onError(s);
      return;
    }
    out.onNext(reply);
    out.onCompleted();
  }

  /** The status {@code t} maps to. */
  static StatusRuntimeException of(Throwable t) {
    if (t instanceof UncheckedIOException u) {
      t = u.getCause();
    }
    return switch (t) {
      case StatusRuntimeException s -> s;
      case CsiException c -> Status.fromCode(c.code()).withDescription(c.getMessage()).asRuntimeException();
      case FsException f -> Status.fromCode(code(f.errno())).withDescription(f.getMessage()).asRuntimeException();
      case IllegalArgumentException e -> Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
      case IOException e when unreachable(e) ->
          Status.UNAVAILABLE.withDescription("metadata engine unreachable: " + e.getMessage()).asRuntimeException();
      case IOException e -> Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException();
      default -> Status.INTERNAL.withDescription(t.getClass().getSimpleName() + ": " + t.getMessage()).asRuntimeException();
    };
  }

  static Status.Code code(Errno e) {
    return switch (e) {
      case ENOENT, ENOTDIR -> Status.Code.NOT_FOUND;
      case EEXIST -> Status.Code.ALREADY_EXISTS;
      case EINVAL, ENAMETOOLONG -> Status.Code.INVALID_ARGUMENT;
      case EACCES, EPERM, EROFS -> Status.Code.PERMISSION_DENIED;
      case EDQUOT, ENOSPC -> Status.Code.RESOURCE_EXHAUSTED;
      case ENOTEMPTY, EBUSY -> Status.Code.FAILED_PRECONDITION;
      case EAGAIN, EINTR, ETIMEDOUT -> Status.Code.UNAVAILABLE;
      default -> Status.Code.INTERNAL;
    };
  }

  /** Whether {@code e} (or a cause) says the engine could not be reached. */
  static boolean unreachable(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof ConnectException || c instanceof UnknownHostException || c instanceof java.net.SocketTimeoutException) {
        return true;
      }
      String n = c.getClass().getName();
      if (n.endsWith("JedisConnectionException") || n.endsWith("SQLTransientConnectionException")) {
        return true;
      }
    }
    return false;
  }
}
