package io.nectarfs.gateway.s3;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers itself, before a request reaches {@link S3Handler} (a malformed request line,
 * headers too large, a bad URI): S3's XML error body with a request id instead of Jetty's HTML
 * page. Stateless; thread-safe.
 */
final class S3ErrorHandler extends ErrorHandler {
  @Override
  protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback)
      throws IOException {
    S3Error e = code >= 500 ? S3Error.INTERNAL_ERROR : code == 413 ? S3Error.ENTITY_TOO_LARGE : S3Error.INVALID_REQUEST;
    String id = HexFormat.of().withUpperCase().toHexDigits(ThreadLocalRandom.current().nextLong());
    String text = message == null || message.isBlank() ? e.message() : message.replaceAll("[\\r\\n]+", " ");
    String body = Xml.plain("Error").el("Code", e.code()).el("Message", text).el("RequestId", id).end("Error");
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    response.getHeaders().put("x-amz-request-id", id);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/xml");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, b.length);
    response.write(true, request.getMethod().equals("HEAD") ? ByteBuffer.allocate(0) : ByteBuffer.wrap(b), callback);
  }
}
