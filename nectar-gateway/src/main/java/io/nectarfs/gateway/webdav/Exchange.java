package io.nectarfs.gateway.webdav;

import io.nectarfs.common.Ctx;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/** One request being served: the Jetty request and response, the decoded path, the caller, and the parsed If header. */
final class Exchange {
  /** The largest XML request body read (PROPFIND, PROPPATCH, LOCK): larger is 413. */
  static final int MAX_XML = 1 << 20;

  final Request request;
  final Response response;
  final String method;
  final String path;
  final Ctx ctx;
  final IfHeader ifHeader;

  Exchange(Request request, Response response, String path, Ctx ctx, IfHeader ifHeader) {
    this.request = request;
    this.response = response;
    this.method = request.getMethod();
    this.path = path;
    this.ctx = ctx;
    this.ifHeader = ifHeader;
  }

  String header(String name) {
    return request.getHeaders().get(name);
  }

  /** The lock tokens the client submitted (in its If header). */
  Set<String> tokens() {
    return ifHeader == null ? Set.of() : ifHeader.tokens();
  }

  InputStream body() {
    return Content.Source.asInputStream(request);
  }

  /** The request body when it is small XML; empty when there is none. 413 above {@link #MAX_XML}. */
  byte[] xmlBody() throws IOException, DavException {
    long len = request.getLength();
    if (len > MAX_XML) {
      throw new DavException(413, "the XML request body is larger than 1 MiB");
    }
    try (InputStream in = body()) {
      byte[] b = in.readNBytes(MAX_XML + 1);
      if (b.length > MAX_XML) {
        throw new DavException(413, "the XML request body is larger than 1 MiB");
      }
      return b;
    }
  }

  void header(String name, String value) {
    response.getHeaders().put(name, value);
  }

  OutputStream out() {
    return Content.Sink.asOutputStream(response);
  }

  /** Sends a complete response with a body (may be empty). */
  void send(int status, String contentType, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    if (contentType != null && b.length > 0) {
      header("Content-Type", contentType);
    }
    response.getHeaders().put("Content-Length", b.length);
    try (OutputStream o = out()) {
      if (!method.equals("HEAD")) {
        o.write(b);
      }
    }
  }

  void status(int status) throws IOException {
    send(status, null, "");
  }

  void xml(int status, String xml) throws IOException {
    send(status, "application/xml; charset=utf-8", "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + xml);
  }
}
