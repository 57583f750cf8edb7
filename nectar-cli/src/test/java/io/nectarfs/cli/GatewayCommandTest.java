package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nectar gateway}: one-line usage errors, and a served volume that SIGTERM flushes and closes. */
class GatewayCommandTest {
  @TempDir Path tmp;

  private String meta() {
    return "sqlite3://" + tmp.resolve("meta.db");
  }

  private void format() {
    CliTest.Run f = CliTest.run("format", meta(), "gwtest", "--storage", "file://" + tmp.resolve("data"), "--trash-days", "0");
    assertThat(f.code()).as(f.err()).isZero();
  }

  @Test
  void badInput_isOneLineAndAnExitCode() {
    CliTest.Run addr = CliTest.run("gateway", meta(), "no:port");
    assertThat(addr.code()).isEqualTo(2);
    assertThat(addr.err()).contains("ADDRESS must be HOST:PORT");
    CliTest.Run tls = CliTest.run("gateway", meta(), "127.0.0.1:0", "--tls-password-file", "/x");
    assertThat(tls.code()).isEqualTo(2);
    assertThat(tls.err()).contains("--tls-password-file needs --tls-keystore");
    CliTest.Run idle = CliTest.run("gateway", meta(), "127.0.0.1:0", "--idle-timeout", "0");
    assertThat(idle.code()).isEqualTo(2);
    assertThat(idle.err()).contains("--idle-timeout must be");
    if (System.getenv(GatewayCommand.ACCESS_KEY_ENV) == null) {
      CliTest.Run nokey = CliTest.run("gateway", meta(), "127.0.0.1:0", "--no-metrics");
      assertThat(nokey.code()).isEqualTo(2);
      assertThat(nokey.err()).contains("no access key: set $NECTAR_GATEWAY_ACCESS_KEY and $NECTAR_GATEWAY_SECRET_KEY");
    }
  }

  @Test
  void servesTheVolume_andSigtermFlushesAndCloses() throws Exception {
    format();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Nectar.class.getName(),
        "gateway", meta(), "127.0.0.1:0", "--no-metrics", "--cache-dir", "memory", "--public-bucket", "pub", "--uid", "0", "--gid", "0", "--access-log")
        .redirectErrorStream(true);
    pb.environment().put(GatewayCommand.ACCESS_KEY_ENV, "admin");
    pb.environment().put(GatewayCommand.SECRET_KEY_ENV, "gateway-test-secret");
    try (Volume v = Volume.open(meta(), VolumeOptions.defaults().withSecrets(new Secrets(Map.of())).withCache(CacheOptions.memoryOnly(16L << 20)).withClientName("prep"))) {
      v.fileSystem().mkdirs(Ctx.ROOT, "/pub", 0755);
      v.fileSystem().writeAll(Ctx.ROOT, "/pub/hello.txt", "hi there".getBytes(StandardCharsets.UTF_8));
    }
    Process p = pb.start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      Pattern served = Pattern.compile("served over S3 at (http://\\S+) ");
      String url = null;
      StringBuilder seen = new StringBuilder();
      for (String line; url == null && (line = out.readLine()) != null; ) {
        seen.append(line).append('\n');
        Matcher m = served.matcher(line);
        if (m.find()) {
          url = m.group(1);
        }
      }
      assertThat(url).as(seen.toString()).isNotNull();
      try (HttpClient http = HttpClient.newHttpClient()) {
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(url + "/pub/hello.txt")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("hi there");
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(url + "/pub/other")).PUT(HttpRequest.BodyPublishers.ofString("x")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(403);
      }
      p.toHandle().destroy(); // SIGTERM
      for (String line; (line = out.readLine()) != null; ) {
        seen.append(line).append('\n');
      }
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(seen.toString()).doesNotContain("Exception").doesNotContain("gateway-test-secret")
          .containsPattern("s3.access: \\S+ - GetObject pub hello.txt 200 8 ");
    } finally {
      p.destroyForcibly();
    }
    try (Volume v = Volume.open(meta(), VolumeOptions.defaults().withSecrets(new Secrets(Map.of())).withCache(CacheOptions.memoryOnly(16L << 20)).withClientName("check"))) {
      assertThat(v.meta().sessions()).hasSize(1); // only this one: the gateway's session ended on SIGTERM
    }
  }
}
