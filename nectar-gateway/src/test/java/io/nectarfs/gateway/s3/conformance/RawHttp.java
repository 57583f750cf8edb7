package io.nectarfs.gateway.s3.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * One HTTP/1.1 exchange over a plain socket, for the one thing the JDK client will not do: send a
 * Host header naming another host than the one connected to (virtual-host addressing with no DNS).
 * {@code Connection: close}; the answer is read to the end, chunked or not.
 */
final class RawHttp {
  private RawHttp() {}

  static RawS3.Response exchange(URI endpoint, SdkHttpRequest r, byte[] body) throws IOException {
    try (Socket s = new Socket(endpoint.getHost(), endpoint.getPort())) {
      s.setSoTimeout(120_000);
      StringBuilder head = new StringBuilder();
      String query = r.getUri().getRawQuery();
      head.append(r.method().name()).append(' ').append(r.encodedPath()).append(query == null ? "" : "?" + query).append(" HTTP/1.1\r\n");
      boolean host = false;
      for (Map.Entry<String, List<String>> h : r.headers().entrySet()) {
        host |= h.getKey().equalsIgnoreCase("host");
        if (!h.getKey().equalsIgnoreCase("content-length") && !h.getKey().equalsIgnoreCase("connection")) {
          for (String v : h.getValue()) {
            head.append(h.getKey()).append(": ").append(v).append("\r\n");
          }
        }
      }
      if (!host) {
        head.append("Host: ").append(r.host()).append(':').append(r.port()).append("\r\n");
      }
      head.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
      OutputStream out = s.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return read(s.getInputStream(), r.method().name().equals("HEAD"));
    }
  }

  private static RawS3.Response read(InputStream in, boolean head) throws IOException {
    String status = line(in);
    int code = Integer.parseInt(status.split(" ")[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String l = line(in); !l.isEmpty(); l = line(in)) {
      int colon = l.indexOf(':');
      headers.computeIfAbsent(l.substring(0, colon).trim(), k -> new ArrayList<>()).add(l.substring(colon + 1).trim());
    }
    if (head || code == 204 || code == 304) {
      return new RawS3.Response(code, headers, new byte[0]);
    }
    boolean chunked = headers.entrySet().stream().anyMatch(e -> e.getKey().equalsIgnoreCase("transfer-encoding")
        && e.getValue().stream().anyMatch(v -> v.toLowerCase(Locale.ROOT).contains("chunked")));
    if (!chunked) {
      return new RawS3.Response(code, headers, in.readAllBytes());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (int size = Integer.parseInt(line(in).split(";")[0].trim(), 16); size > 0; size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
      body.write(in.readNBytes(size));
      line(in);
    }
    return new RawS3.Response(code, headers, body.toByteArray());
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("connection closed in the middle of a line");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }
}
