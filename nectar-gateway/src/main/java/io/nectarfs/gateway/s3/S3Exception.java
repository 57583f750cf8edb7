package io.nectarfs.gateway.s3;

import java.io.IOException;

/**
 * A request that fails with an S3 error: the handler answers it with {@link S3Error#status()} and
 * S3's XML error body. An {@link IOException} so that it can leave a body stream (a bad chunk
 * signature or checksum found at the end of an upload) and be told apart from a failing volume.
 */
public final class S3Exception extends IOException {
  private final S3Error error;

  public S3Exception(S3Error error, String message, Throwable cause) {
    super(message == null ? error.message() : message, cause);
    this.error = error;
  }

  public S3Error error() {
    return error;
  }
}
