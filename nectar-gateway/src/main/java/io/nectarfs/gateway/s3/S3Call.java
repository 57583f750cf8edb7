package io.nectarfs.gateway.s3;

import io.nectarfs.common.Ctx;
import io.nectarfs.gateway.s3.auth.Authenticated;
import io.nectarfs.gateway.s3.auth.Principal;
import io.nectarfs.gateway.s3.auth.VerifiedBody;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One S3 request being served: the Jetty request and response, the bucket and key it names, its
 * decoded query, who sent it, and the bytes answered so far (for the access log). Not
 * thread-safe: one request, one virtual thread.
 */
final class S3Call {
  /** The largest XML request body read (DeleteObjects of 1000 keys, a complete of 10000 parts). */
  static final int MAX_XML = 4 << 20;

  final Request request;
  final Response response;
  final String method;
  final String bucket;
  final String key;
  final Map<String, String> query;
  final String requestId;
  Authenticated auth;
  Principal principal = Principal.ANONYMOUS;
  String operation = "Unknown";
  long bytesOut;
  /** Headers an error answer keeps (the response is reset before an error is sent). */
  final Map<String, String> errorHeaders = new java.util.HashMap<>(2);

  S3Call(Request request, Response response, String bucket, String key, Map<String, String> query, String requestId) {
    this.request = request;
    this.response = response;
    this.method = request.getMethod();
    this.bucket = bucket;
    this.key = key;
    this.query = query;
    this.requestId = requestId;
  }

  Ctx ctx() {
    return principal.ctx();
  }

  String header(String name) {
    return request.getHeaders().get(name);
  }

  boolean has(String param) {
    return query.containsKey(param);
  }

  String param(String name) {
    return query.get(name);
  }

  void header(String name, String value) {
    if (value != null) {
      response.getHeaders().put(name, value);
    }
  }

  /** The request's payload, verified as it is read (signature, aws-chunked, digests). */
  VerifiedBody body() throws S3Exception {
    InputStream raw = Content.Source.asInputStream(request);
    return auth.body(raw, request.getLength());
  }

  /** The whole payload of an XML request (verified), MalformedXML-sized: at most {@link #MAX_XML}. */
  byte[] xmlBody() throws IOException {
    if (request.getLength() > MAX_XML) {
      throw S3Error.MALFORMED_XML.exception("The XML body is larger than 4 MiB.");
    }
    try (VerifiedBody in = body()) {
      byte[] b = in.readNBytes(MAX_XML + 1);
      if (b.length > MAX_XML) {
        throw S3Error.MALFORMED_XML.exception("The XML body is larger than 4 MiB.");
      }
      return b;
    }
  }

  /** A complete response with an XML document. */
  void xml(int status, String doc) throws IOException {
    send(status, "application/xml", doc.getBytes(StandardCharsets.UTF_8));
  }

  /** A complete response with no body. */
  void empty(int status) throws IOException {
    send(status, null, new byte[0]);
  }

  void send(int status, String contentType, byte[] b) throws IOException {
    response.setStatus(status);
    if (contentType != null) {
      header("Content-Type", contentType);
    }
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, b.length);
    boolean body = !method.equals("HEAD") && b.length > 0 && status != 304 && status != 204;
    write(true, body ? ByteBuffer.wrap(b) : ByteBuffer.allocate(0));
    bytesOut += body ? b.length : 0;
  }

  /** Writes (and waits for) one piece of the response body. */
  void write(boolean last, ByteBuffer b) throws IOException {
    Callback.Completable cb = new Callback.Completable();
    response.write(last, b, cb);
    await(cb);
  }

  static void await(Callback.Completable cb) throws IOException {
    try {
      cb.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while sending the response");
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof IOException io ? io : new IOException(c);
    }
  }
}
