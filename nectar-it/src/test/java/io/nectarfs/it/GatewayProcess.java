package io.nectarfs.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A {@code nectar gateway} process started through the launcher, as a user starts it: keys from a
 * 0600 key file, the URL read from what it prints. {@link #kill} is a SIGKILL (a crash).
 */
final class GatewayProcess implements AutoCloseable {
  private static final Pattern URL = Pattern.compile("served over S3 at (http://\\S+?)/? ");
  final Process process;
  final URI url;
  private final StringBuffer output = new StringBuffer();

  private GatewayProcess(Process process, URI url) {
    this.process = process;
    this.url = url;
  }

  static String launcher() {
    return Path.of(System.getProperty("user.dir")).getParent().resolve("nectar").toString();
  }

  /** Writes a key file (0600) of {@code id secret uid:gid} lines. */
  static Path keyFile(Path dir, Map<String, String> lines) throws IOException {
    Path f = dir.resolve("keys-" + System.nanoTime());
    Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    StringBuilder b = new StringBuilder("# test keys\n");
    lines.forEach((id, rest) -> b.append(id).append(' ').append(rest).append('\n'));
    Files.writeString(f, b.toString());
    return f;
  }

  static GatewayProcess start(Path cwd, String meta, Path keys, String... extra) throws IOException, InterruptedException {
    StringBuilder cmd = new StringBuilder("exec " + launcher() + " gateway " + meta + " 127.0.0.1:0 --keys " + keys);
    for (String e : extra) {
      cmd.append(' ').append(e);
    }
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", cmd.toString()).directory(cwd.toFile()).redirectErrorStream(true);
    pb.environment().put("NECTAR_NO_BUILD", "1");
    Process p = pb.start();
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    CompletableFuture<URI> found = new CompletableFuture<>();
    Thread.ofPlatform().daemon().start(() -> {
      try {
        for (String line; (line = r.readLine()) != null; ) {
          seen.append(line).append('\n');
          Matcher m = URL.matcher(line + " ");
          if (m.find()) {
            found.complete(URI.create(m.group(1)));
          }
        }
        found.completeExceptionally(new AssertionError("nectar gateway exited without serving:\n" + seen));
      } catch (IOException e) {
        found.completeExceptionally(e);
      }
    });
    try {
      GatewayProcess g = new GatewayProcess(p, found.get(3, TimeUnit.MINUTES));
      g.output.append(seen);
      return g;
    } catch (Exception e) {
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      throw new AssertionError("nectar gateway did not start: " + e.getMessage() + "\n" + seen, e);
    }
  }

  S3Client client(String id, String secret) {
    return S3Client.builder()
        .endpointOverride(url)
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret)))
        .httpClient(ApacheHttpClient.builder().build())
        .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD))
        .build();
  }

  /** SIGKILL: the gateway dies as in a crash. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(60, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy(); // SIGTERM: stops cleanly
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }
}
