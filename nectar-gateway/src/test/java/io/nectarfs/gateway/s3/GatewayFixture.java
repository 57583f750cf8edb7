package io.nectarfs.gateway.s3;

import io.nectarfs.common.Metrics;
import io.nectarfs.gateway.s3.auth.AccessKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * A gateway over the in-memory {@link MemStore} with the {@link TestAuth} stand-in on a free port
 * of 127.0.0.1: keys "rw" (uid 1000) and "ro" (read-only), bucket "pub" public, domain "s3.test"
 * for virtual hosts. Helpers for the JDK HttpClient, raw sockets and the AWS SDK.
 */
final class GatewayFixture implements AutoCloseable {
  static final String AUTH_RW = "AWS4-HMAC-SHA256 Credential=rw/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";
  static final String AUTH_RO = "AWS4-HMAC-SHA256 Credential=ro/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";

  final MemStore store = new MemStore();
  final Metrics metrics = Metrics.create();
  final S3Gateway gateway;
  final TestAuth auth;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(30)).build();

  GatewayFixture() throws IOException {
    this(60_000);
  }

  GatewayFixture(long idleMillis) throws IOException {
    auth = new TestAuth(new AccessKey("rw", "secret-rw", 1000, 1000, new int[0], false),
        new AccessKey("ro", "secret-ro", 1001, 1001, new int[0], true));
    gateway = S3Gateway.start(store, S3Gateway.Options.of(new InetSocketAddress("127.0.0.1", 0), auth)
        .withPublicBuckets(Set.of("pub")).withDomains(Set.of("s3.test")).withMetrics(metrics).withIdleTimeoutMillis(idleMillis));
  }

  HttpResponse<byte[]> send(String method, String rawPathAndQuery, byte[] body, String... headers) throws IOException, InterruptedException {
    return send(AUTH_RW, method, rawPathAndQuery, body, headers);
  }

  HttpResponse<byte[]> send(String auth, String method, String rawPathAndQuery, byte[] body, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.url() + rawPathAndQuery)).timeout(Duration.ofSeconds(60))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (auth != null) {
      b.header("Authorization", auth);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  /** Sends raw request bytes on a new connection and returns everything the server answers until it closes. */
  String raw(String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(60_000);
      OutputStream o = s.getOutputStream();
      o.write(request.getBytes(StandardCharsets.UTF_8));
      o.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * An SDK client as a stand-in-friendly user: path style, plain payloads (no aws-chunked, checksums
   * only where an operation requires one). The end-to-end test uses the SDK's defaults instead.
   */
  S3Client sdk() {
    return S3Client.builder().endpointOverride(URI.create(gateway.url())).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("rw", "secret-rw")))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).chunkedEncodingEnabled(false).build())
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .httpClientBuilder(ApacheHttpClient.builder()).build();
  }

  @Override
  public void close() throws IOException {
    gateway.close();
  }
}
