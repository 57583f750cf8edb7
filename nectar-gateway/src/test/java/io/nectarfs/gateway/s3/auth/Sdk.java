package io.nectarfs.gateway.s3.auth;

import io.nectarfs.common.Clock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.checksums.spi.ChecksumAlgorithm;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** The AWS SDK v2 as the client of the tests: requests signed by its own signer, captured as sent. */
final class Sdk {
  static final String AK = "AKIDNECTARTEST";
  static final String SECRET = "nectar/secret+key=for-tests";
  static final String REGION = "us-east-1";
  static final String ENDPOINT = "http://127.0.0.1:9000";
  static final String HTTPS = "https://127.0.0.1:9443";

  private Sdk() {}

  /** A request as it left the client: request line parts, headers (lower-case names) and the raw body. */
  record Captured(String method, String rawPath, String rawQuery, Map<String, List<String>> headers, byte[] body) {
    SignedRequest signed() {
      return new SignedRequest(method, rawPath, rawQuery, headers);
    }

    long contentLength() {
      List<String> v = headers.get("content-length");
      return v == null ? -1 : Long.parseLong(v.getFirst());
    }

    InputStream raw() {
      return new ByteArrayInputStream(body);
    }

    String header(String name) {
      List<String> v = headers.get(name);
      return v == null ? null : v.getFirst();
    }

    Captured withHeader(String name, String value) {
      Map<String, List<String>> h = new LinkedHashMap<>(headers);
      if (value == null) {
        h.remove(name);
      } else {
        h.put(name, List.of(value));
      }
      return new Captured(method, rawPath, rawQuery, h, body);
    }

    Captured withBody(byte[] b) {
      return new Captured(method, rawPath, rawQuery, headers, b);
    }

    Captured withPath(String p) {
      return new Captured(method, p, rawQuery, headers, body);
    }

    Captured withQuery(String q) {
      return new Captured(method, rawPath, q, headers, body);
    }
  }

  static Captured capture(SdkHttpRequest r, byte[] body) {
    Map<String, List<String>> h = new LinkedHashMap<>();
    r.forEachHeader((k, v) -> h.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new ArrayList<>()).addAll(v));
    h.putIfAbsent("host", List.of(r.host() + (r.port() == 80 ? "" : ":" + r.port())));
    return new Captured(r.method().name(), r.encodedPath().isEmpty() ? "/" : r.encodedPath(), r.encodedQueryParameters().orElse(""), h, body);
  }

  /** Runs S3 client calls against a capturing HTTP client; returns each request as sent. */
  static List<Captured> client(Consumer<S3Client> calls) {
    return client(ENDPOINT, calls);
  }

  /** As {@link #client(Consumer)} with an endpoint: over https the SDK sends unsigned payloads with trailers. */
  static List<Captured> client(String endpoint, Consumer<S3Client> calls) {
    List<Captured> out = new ArrayList<>();
    SdkHttpClient http = new SdkHttpClient() {
      @Override
      public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return new ExecutableHttpRequest() {
          @Override
          public HttpExecuteResponse call() throws IOException {
            byte[] body = new byte[0];
            if (request.contentStreamProvider().isPresent()) {
              try (InputStream in = request.contentStreamProvider().get().newStream()) {
                body = in.readAllBytes();
              }
            }
            out.add(capture(request.httpRequest(), body));
            return HttpExecuteResponse.builder()
                .response(SdkHttpResponse.builder().statusCode(200).putHeader("ETag", "\"x\"").putHeader("Content-Length", "0").build())
                .responseBody(AbortableInputStream.create(new ByteArrayInputStream(new byte[0])))
                .build();
          }

          @Override
          public void abort() {}
        };
      }

      @Override
      public void close() {}
    };
    try (S3Client s3 = S3Client.builder()
        .httpClient(http)
        .region(Region.of(REGION))
        .endpointOverride(URI.create(endpoint))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(AK, SECRET)))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .build()) {
      calls.accept(s3);
    }
    return out;
  }

  static S3Presigner presigner() {
    return S3Presigner.builder()
        .region(Region.of(REGION))
        .endpointOverride(URI.create(ENDPOINT))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(AK, SECRET)))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .build();
  }

  /** Options of a direct signature by the SDK's AwsV4HttpSigner. */
  record Sign(boolean payloadSigning, boolean chunked, ChecksumAlgorithm checksum, String region, Instant time, boolean presign) {
    static Sign header() {
      return new Sign(true, false, null, REGION, null, false);
    }

    Sign chunked(boolean signed, ChecksumAlgorithm trailer) {
      return new Sign(signed, true, trailer, region, time, presign);
    }

    Sign region(String r) {
      return new Sign(payloadSigning, chunked, checksum, r, time, presign);
    }

    Sign at(Instant t) {
      return new Sign(payloadSigning, chunked, checksum, region, t, presign);
    }

    Sign presigned() {
      return new Sign(false, false, null, region, time, true);
    }
  }

  /** Signs one request with the SDK's signer; the body comes back as the signer encodes it. */
  static Captured sign(SdkHttpMethod method, String encodedPathAndQuery, Map<String, String> headers, byte[] body, Sign o) {
    // over plain http the signer signs the payload whatever it is told: unsigned forms need https
    String endpoint = o.payloadSigning() ? ENDPOINT : HTTPS;
    SdkHttpRequest.Builder b = SdkHttpRequest.builder().method(method).uri(URI.create(endpoint + encodedPathAndQuery));
    headers.forEach(b::putHeader);
    if (body != null) {
      b.putHeader("Content-Length", Long.toString(body.length));
    }
    SdkHttpRequest req = b.build();
    java.time.Clock clock = o.time() == null ? java.time.Clock.systemUTC() : java.time.Clock.fixed(o.time(), ZoneOffset.UTC);
    var signed = AwsV4HttpSigner.create().sign(r -> {
      r.identity(AwsBasicCredentials.create(AK, SECRET))
          .request(req)
          .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
          .putProperty(AwsV4HttpSigner.REGION_NAME, o.region())
          .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
          .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
          .putProperty(HttpSigner.SIGNING_CLOCK, clock)
          .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, o.payloadSigning())
          .putProperty(AwsV4HttpSigner.CHUNK_ENCODING_ENABLED, o.chunked());
      if (body != null) {
        r.payload(ContentStreamProvider.fromByteArray(body));
      }
      if (o.checksum() != null) {
        r.putProperty(AwsV4HttpSigner.CHECKSUM_ALGORITHM, o.checksum());
      }
      if (o.presign()) {
        r.putProperty(AwsV4HttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
            .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, java.time.Duration.ofMinutes(10));
      }
    });
    byte[] sent = new byte[0];
    if (signed.payload().isPresent()) {
      try (InputStream in = signed.payload().get().newStream()) {
        sent = in.readAllBytes();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return capture(signed.request(), sent);
  }

  /** A clock fixed at an instant. */
  static Clock clockAt(Instant t) {
    return () -> t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  static Authenticator authenticator(Instant now) {
    return Authenticator.sigV4(List.of(new AccessKey(AK, SECRET, 1000, 1000, new int[] {1000, 27}, false)), REGION, clockAt(now));
  }

  static RequestBody body(byte[] b) {
    return RequestBody.fromBytes(b);
  }
}
