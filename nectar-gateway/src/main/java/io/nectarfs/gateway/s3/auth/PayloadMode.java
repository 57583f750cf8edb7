package io.nectarfs.gateway.s3.auth;

/** How a request's body is sent and covered, from its {@code x-amz-content-sha256}. */
enum PayloadMode {
  /** UNSIGNED-PAYLOAD, no header (anonymous), or a presigned URL: the body as it is. */
  UNSIGNED(false, false, false),
  /** A hex SHA-256 of the body, checked at the end. */
  SHA256(false, false, false),
  /** aws-chunked with a signature per chunk. */
  STREAMING_SIGNED(true, true, false),
  /** aws-chunked with a signature per chunk and signed trailers. */
  STREAMING_SIGNED_TRAILER(true, true, true),
  /** aws-chunked without signatures, with trailers (the default of current SDKs). */
  STREAMING_UNSIGNED_TRAILER(true, false, true);

  private final boolean chunked;
  private final boolean signedChunks;
  private final boolean trailer;

  PayloadMode(boolean chunked, boolean signedChunks, boolean trailer) {
    this.chunked = chunked;
    this.signedChunks = signedChunks;
    this.trailer = trailer;
  }

  boolean chunked() {
    return chunked;
  }

  boolean signedChunks() {
    return signedChunks;
  }

  boolean trailer() {
    return trailer;
  }
}
