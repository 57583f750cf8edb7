package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
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

/** {@code nectar webdav}: one-line usage errors, and a served volume that SIGTERM flushes and closes. */
class WebdavCommandTest {
  @TempDir Path tmp;

  private String meta() {
    return "sqlite3://" + tmp.resolve("meta.db");
  }

  private void format() {
    CliTest.Run f = CliTest.run("format", meta(), "dav", "--storage", "file://" + tmp.resolve("data"), "--trash-days", "0");
    assertThat(f.code()).as(f.err()).isZero();
  }

  @Test
  void badInput_isOneLineAndAnExitCode() throws Exception {
    CliTest.Run addr = CliTest.run("webdav", meta(), "no:port");
    assertThat(addr.code()).isEqualTo(2);
    assertThat(addr.err()).contains("ADDRESS must be HOST:PORT");
    CliTest.Run pf = CliTest.run("webdav", meta(), "127.0.0.1:0", "--password-file", "/x");
    assertThat(pf.code()).isEqualTo(2);
    assertThat(pf.err()).contains("--password-file needs --user");
    CliTest.Run unformatted = CliTest.run("webdav", meta(), "127.0.0.1:0", "--no-metrics");
    assertThat(unformatted.code()).isEqualTo(1);
    assertThat(unformatted.err()).contains("nectar format").hasLineCount(1);
    format();
    Path pw = tmp.resolve("pw");
    Files.writeString(pw, "secret\n");
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      CliTest.Run busy = CliTest.run("webdav", meta(), "127.0.0.1:" + taken.getLocalPort(), "--no-metrics", "--cache-dir", "memory",
          "--user", "u", "--password-file", pw.toString());
      assertThat(busy.code()).isEqualTo(1);
      assertThat(busy.err()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()).hasLineCount(1).doesNotContain("secret");
    }
  }

  @Test
  void servesTheVolume_andSigtermFlushesAndCloses() throws Exception {
    format();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Nectar.class.getName(),
        "webdav", meta(), "127.0.0.1:0", "--no-metrics", "--cache-dir", "memory")
        .redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      Pattern served = Pattern.compile("served over WebDAV at (http://\\S+/)");
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
        HttpResponse<Void> put = http.send(HttpRequest.newBuilder(URI.create(url + "hello.txt")).PUT(HttpRequest.BodyPublishers.ofString("hi there")).build(),
            HttpResponse.BodyHandlers.discarding());
        assertThat(put.statusCode()).isEqualTo(201);
      }
      p.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
      for (String line; (line = out.readLine()) != null; ) { // until the process closes its output
        seen.append(line).append('\n');
      }
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(seen.toString()).doesNotContain("Exception");
    } finally {
      p.destroyForcibly();
    }
    VolumeOptions o = VolumeOptions.defaults().withSecrets(new Secrets(Map.of())).withCache(CacheOptions.memoryOnly(16L << 20)).withClientName("check");
    try (Volume v = Volume.open(meta(), o)) {
      assertThat(new String(v.fileSystem().readAll(Ctx.ROOT, "/hello.txt"), StandardCharsets.UTF_8)).isEqualTo("hi there");
      assertThat(v.meta().sessions()).hasSize(1); // only this one: the server's session ended on SIGTERM
    }
  }
}
