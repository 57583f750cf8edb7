package io.nectarfs.csi;

import io.grpc.Status;

/** A request the driver refuses with a chosen gRPC status and a message that names the problem. */
final class CsiException extends RuntimeException {
  private final Status.Code code;

  CsiException(Status.Code code, String message) {
    super(message);
    this.code = code;
  }

  Status.Code code() {
    return code;
  }

  static CsiException invalid(String message) {
    return new CsiException(Status.Code.INVALID_ARGUMENT, message);
  }

  static CsiException notFound(String message) {
    return new CsiException(Status.Code.NOT_FOUND, message);
  }
}
