package io.nectarfs.gateway.s3.conformance;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Raw S3 requests for the cases an SDK will not send (malformed XML, a bad Content-MD5, a wrong
 * key, a skewed or expired signature): the SDK's own Signature V4 signer over the JDK HTTP client
 * (HTTP/1.1), so the request is exactly what the test wrote. Build with {@link #request}, adjust,
 * then {@link Req#send} or {@link Req#presign}.
 */
final class RawS3 {
  private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "expect", "upgrade");

  private final S3Target target;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  RawS3(S3Target target) {
    this.target = target;
  }

  /** A request on {@code path} (already percent-encoded, e.g. {@code /bucket/a%20b}). */
  Req request(String method, String path) {
    return new Req(method, path);
  }

  /** The answer: status, headers and body. */
  record Response(int status, Map<String, List<String>> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    Optional<String> header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .flatMap(e -> e.getValue().stream()).findFirst();
    }

    /** The {@code <Code>} of an XML error body, or "" when there is none. */
    String code() {
      List<String> c = texts("Code");
      return c.isEmpty() ? "" : c.getFirst();
    }

    /** The text of every element with this local name, in document order (empty when the body is not XML). */
    List<String> texts(String element) {
      List<String> out = new ArrayList<>();
      if (body.length == 0) {
        return out;
      }
      try {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document d = f.newDocumentBuilder().parse(new InputSource(new StringReader(text())));
        NodeList nodes = d.getElementsByTagNameNS("*", element);
        for (int i = 0; i < nodes.getLength(); i++) {
          out.add(nodes.item(i).getTextContent());
        }
      } catch (Exception e) {
        throw new AssertionError("not XML (" + e.getMessage() + "): " + text(), e);
      }
      return out;
    }

    @Override
    public String toString() {
      return status + " " + text();
    }
  }

  /** One request being built. Defaults: signed in headers with the target's key, now, payload signed. */
  final class Req {
    private final String method;
    private final String path;
    private final Map<String, String> query = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();
    private byte[] body = new byte[0];
    private byte[] replacement;
    private String accessKey = target.accessKey();
    private String secretKey = target.secretKey();
    private Clock clock = Clock.systemUTC();
    private boolean signed = true;
    private boolean payloadSigned = true;
    private boolean chunked = false;
    private String virtualHost;
    private java.util.function.UnaryOperator<byte[]> tamper = b -> b;

    private Req(String method, String path) {
      this.method = method;
      this.path = path;
    }

    /** A query parameter, unencoded ("" for a flag such as {@code ?uploads}). */
    Req query(String name, String value) {
      query.put(name, value);
      return this;
    }

    Req header(String name, String value) {
      headers.put(name, value);
      return this;
    }

    Req body(byte[] b) {
      body = b.clone();
      return this;
    }

    Req body(String s) {
      return body(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Sign with these credentials instead of the target's. */
    Req key(String ak, String sk) {
      accessKey = ak;
      secretKey = sk;
      return this;
    }

    /** Sign as if the time were this clock's (a skewed clock, a past date for an expired URL). */
    Req clock(Clock c) {
      clock = c;
      return this;
    }

    /** Sign as usual (over the body's hash), then send {@code other} instead of the body. */
    Req sendInstead(byte[] other) {
      replacement = other.clone();
      return this;
    }

    /** Sign the headers only: x-amz-content-sha256 is UNSIGNED-PAYLOAD. */
    Req unsignedPayload() {
      payloadSigned = false;
      headers.put("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
      return this;
    }

    /**
     * Send the body as signed {@code aws-chunked} chunks (x-amz-content-sha256
     * STREAMING-AWS4-HMAC-SHA256-PAYLOAD, each chunk with its signature), as the SDK's signer
     * encodes it; {@code tamper} may change the encoded bytes before they are sent. Call after
     * {@link #body}.
     */
    Req signedChunks(java.util.function.UnaryOperator<byte[]> tamper) {
      chunked = true;
      this.tamper = tamper;
      headers.put("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
      headers.put("x-amz-decoded-content-length", Integer.toString(body.length));
      headers.put("Content-Encoding", "aws-chunked");
      return this;
    }

    /** Virtual-host addressing: this Host (e.g. {@code bucket.s3.localhost}), sent to the endpoint's address. */
    Req virtualHost(String host) {
      virtualHost = host;
      return this;
    }

    /** Send without any signature (anonymous). */
    Req anonymous() {
      signed = false;
      return this;
    }

    Response send() throws IOException, InterruptedException {
      byte[][] payload = {body};
      SdkHttpRequest r = signed ? sign(null, payload) : unsigned();
      byte[] sent = replacement != null ? replacement : payload[0];
      if (virtualHost != null) {
        return RawHttp.exchange(target.endpoint(), r, sent);
      }
      HttpRequest.Builder b = HttpRequest.newBuilder(r.getUri()).timeout(Duration.ofMinutes(2));
      r.headers().forEach((name, values) -> {
        if (!RESTRICTED.contains(name.toLowerCase())) {
          values.forEach(v -> b.header(name, v));
        }
      });
      b.method(method, sent.length == 0 && (method.equals("GET") || method.equals("HEAD") || method.equals("DELETE"))
          ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(sent));
      HttpResponse<byte[]> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Response(resp.statusCode(), resp.headers().map(), resp.body());
    }

    /** A presigned URL (signature in the query) valid for {@code expiry} from this request's clock. */
    URI presign(Duration expiry) {
      return sign(expiry, new byte[][] {body}).getUri();
    }

    private SdkHttpRequest unsigned() {
      SdkHttpRequest.Builder b = base();
      headers.forEach(b::putHeader);
      return b.build();
    }

    private SdkHttpRequest.Builder base() {
      URI e = target.endpoint();
      SdkHttpRequest.Builder b = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method))
          .protocol(e.getScheme()).host(virtualHost != null ? virtualHost : e.getHost()).port(e.getPort()).encodedPath(path);
      query.forEach(b::putRawQueryParameter);
      return b;
    }

    /** Signs; {@code payload[0]} becomes the bytes to send (the chunk encoding of the body, when chunked). */
    private SdkHttpRequest sign(Duration presignExpiry, byte[][] payload) {
      SdkHttpRequest.Builder b = base();
      headers.forEach(b::putHeader);
      if (presignExpiry == null && !headers.containsKey("x-amz-content-sha256")) {
        b.putHeader("x-amz-content-sha256", sha256Hex(body));
      }
      SdkHttpRequest unsignedRequest = b.build();
      AwsCredentialsIdentity id = AwsCredentialsIdentity.create(accessKey, secretKey);
      SignedRequest s = AwsV4HttpSigner.create().sign(r -> {
        r.identity(id).request(unsignedRequest).payload(ContentStreamProvider.fromByteArray(body))
            .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
            .putProperty(AwsV4HttpSigner.REGION_NAME, target.region())
            .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
            .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
            .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, clock);
        if (chunked) {
          r.putProperty(AwsV4HttpSigner.CHUNK_ENCODING_ENABLED, true);
        }
        if (!payloadSigned) {
          r.putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false);
        }
        if (presignExpiry != null) {
          r.putProperty(AwsV4HttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
              .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, presignExpiry)
              .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false);
        }
      });
      if (chunked) {
        try (java.io.InputStream in = s.payload().orElseThrow().newStream()) {
          payload[0] = tamper.apply(in.readAllBytes());
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      return s.request();
    }
  }

  static String sha256Hex(byte[] b) {
    return HexFormat.of().formatHex(digest("SHA-256", b));
  }

  static byte[] digest(String algorithm, byte[] b) {
    try {
      return MessageDigest.getInstance(algorithm).digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
