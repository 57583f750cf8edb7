package io.nectarfs.object.s3;

import io.nectarfs.common.Secrets;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStoreProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Opens S3 stores: {@code s3://bucket[/prefix]} on AWS and {@code
 * http(s)://[ACCESS:SECRET@]host[:port]/bucket[/prefix]} on S3-compatible servers (MinIO, Ceph,
 * S3Proxy); see {@link S3Url} for the options.
 *
 * <p>Credentials, first found wins: the URL's user info; {@code NECTAR_S3_ACCESS_KEY} with {@code
 * NECTAR_S3_SECRET_KEY} (each also as {@code _FILE}); the default profile of the AWS credentials
 * file named by {@code NECTAR_S3_CREDENTIALS_FILE}; the AWS SDK's default chain. The region: the
 * {@code region} option, else {@code AWS_REGION}, else us-east-1.
 *
 * <p>Opening makes no request unless {@code create-bucket=true}: errors about the bucket or the
 * credentials surface on the first operation.
 */
public final class S3StoreProvider implements ObjectStoreProvider {
  /** Public no-arg constructor for {@link java.util.ServiceLoader}. */
  public S3StoreProvider() {}

  @Override
  public Set<String> schemes() {
    return Set.of("s3", "http", "https");
  }

  // ApacheHttpClient (Apache HttpClient 4) is deprecated in the SDK we use (2.57) in favour of
  // Apache5HttpClient (artifact apache5-client, a drop-in with the same builder). Kept for now as
  // the module's chosen client; switching is a one-line change plus the dependency swap.
  @Override
  public ObjectStore open(String url, Secrets secrets) throws IOException {
    return open(url, secrets, List.of());
  }

  /** {@link #open(String, Secrets)} with SDK interceptors (tests count requests with one). */
  @SuppressWarnings("deprecation")
  ObjectStore open(String url, Secrets secrets, List<ExecutionInterceptor> interceptors) throws IOException {
    S3Url u = S3Url.parse(url);
    String region = u.region() != null ? u.region() : secrets.plain("AWS_REGION").orElse("us-east-1");
    AwsCredentialsProvider credentials = credentials(u, secrets);

    S3ClientBuilder b = S3Client.builder()
        .httpClientBuilder(ApacheHttpClient.builder()
            .maxConnections(u.maxConnections())
            .connectionTimeout(u.connectTimeout())
            .socketTimeout(u.requestTimeout())
            .connectionAcquisitionTimeout(u.requestTimeout())
            // With "Expect: 100-continue" a server that refuses a put early (NoSuchBucket, 403)
            // leaves the pooled connection out of step and the next request on it fails with a
            // broken pipe (seen with S3Proxy/Jetty). Bodies are small (one block), so send them.
            .expectContinueEnabled(false))
        .region(Region.of(region))
        .credentialsProvider(credentials)
        .forcePathStyle(u.pathStyle())
        // The SDK's defaults (since 2.30) add a CRC32 checksum to every request, sending bodies as
        // aws-chunked with a checksum trailer. S3Proxy 2.6 rejects those puts ("400
        // XAmzContentSHA256Mismatch"), as do older MinIO and Ceph releases; the checksum decorator
        // protects the data end to end anyway. So send and validate checksums only where an
        // operation requires them.
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        // No retries here: the retry decorator retries TransientStoreExceptions, and a second
        // layer of retries would multiply the attempts and need resettable request bodies.
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()).executionInterceptors(List.copyOf(interceptors)));
    String hostPort;
    if (u.endpoint() != null) {
      b.endpointOverride(URI.create(u.endpoint()));
      hostPort = u.endpoint().substring(u.endpoint().indexOf("://") + 3);
    } else {
      hostPort = "s3." + region + ".amazonaws.com";
    }
    S3Client client = b.build();
    S3Errors errors = new S3Errors(u.shownEndpoint(region), u.bucket(), hostPort);
    S3Store store = new S3Store(client, u, region, errors);
    if (u.createBucket()) {
      try {
        store.createBucketIfMissing();
      } catch (IOException | RuntimeException e) {
        store.close();
        throw e;
      }
    }
    return store;
  }

  private static AwsCredentialsProvider credentials(S3Url u, Secrets secrets) throws IOException {
    if (u.accessKey() != null) {
      return StaticCredentialsProvider.create(AwsBasicCredentials.create(u.accessKey(), u.secretKey()));
    }
    Optional<String> ak = secrets.get("NECTAR_S3_ACCESS_KEY");
    Optional<String> sk = secrets.get("NECTAR_S3_SECRET_KEY");
    if (ak.isPresent() != sk.isPresent()) {
      throw new IOException(
          (ak.isPresent() ? "NECTAR_S3_ACCESS_KEY is set but NECTAR_S3_SECRET_KEY is not" : "NECTAR_S3_SECRET_KEY is set but NECTAR_S3_ACCESS_KEY is not")
              + " (for " + u.redacted() + "): set both, or neither");
    }
    if (ak.isPresent()) {
      return StaticCredentialsProvider.create(AwsBasicCredentials.create(ak.get(), sk.get()));
    }
    Optional<String> file = secrets.plain("NECTAR_S3_CREDENTIALS_FILE");
    if (file.isPresent()) {
      Path p = Path.of(file.get());
      if (!Files.isReadable(p)) {
        throw new IOException("cannot read NECTAR_S3_CREDENTIALS_FILE=" + p + " (for " + u.redacted() + "): check the path and its permissions");
      }
      ProfileFile pf;
      try {
        pf = ProfileFile.builder().content(p).type(ProfileFile.Type.CREDENTIALS).build();
      } catch (RuntimeException e) {
        throw new IOException("cannot parse NECTAR_S3_CREDENTIALS_FILE=" + p + " as an AWS credentials file (ini with [default])", e);
      }
      if (pf.profile("default").isEmpty()) {
        throw new IOException("NECTAR_S3_CREDENTIALS_FILE=" + p + " has no [default] profile");
      }
      return ProfileCredentialsProvider.builder().profileFile(pf).profileName("default").build();
    }
    return DefaultCredentialsProvider.builder().build();
  }
}
