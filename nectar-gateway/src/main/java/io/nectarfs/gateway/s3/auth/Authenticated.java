package io.nectarfs.gateway.s3.auth;

import io.nectarfs.gateway.s3.S3Exception;
import java.io.InputStream;

/** A request whose signature checked out: who sent it, and how to read its body. */
public interface Authenticated {
  Principal principal();

  /**
   * The request's payload over the raw HTTP body: {@code aws-chunked} decoded (signed chunks and
   * trailers), every digest the request declares checked when the end is read.
   *
   * @param raw the HTTP body as received
   * @param contentLength the Content-Length header, -1 if absent
   * @throws S3Exception a header that cannot be honoured before any byte is read
   *     ({@code InvalidDigest}, {@code InvalidArgument} for an unknown checksum algorithm, {@code
   *     MissingContentLength} for an aws-chunked body without x-amz-decoded-content-length)
   */
  VerifiedBody body(InputStream raw, long contentLength) throws S3Exception;
}
