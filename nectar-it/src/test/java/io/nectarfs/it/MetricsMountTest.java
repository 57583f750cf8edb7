package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nectar mount --metrics}: a real mount serves {@code /metrics}; after a small workload
 * every layer (meta, object, chunk, vfs, fuse, jvm) has non-zero series with Prometheus units; a
 * taken explicit address is a one-line error before mounting; {@code --no-metrics} serves nothing.
 */
class MetricsMountTest {
  @TempDir Path tmp;

  private static String nectar() {
    return "NECTAR_NO_BUILD=1 " + Path.of(System.getProperty("user.dir")).getParent().resolve("nectar");
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String get(String url) throws Exception {
    try (HttpClient c = HttpClient.newHttpClient()) {
      HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      return r.body();
    }
  }

  /** The sum of the samples of {@code name} whose labels contain {@code labelPart}. */
  private static double sum(String text, String name, String labelPart) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(text);
    double total = 0;
    while (m.find()) {
      if (m.group(1).contains(labelPart)) {
        total += Double.parseDouble(m.group(2));
      }
    }
    return total;
  }

  private static int run(Path dir, String command, StringBuilder out) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", command).directory(dir.toFile()).redirectErrorStream(true).start();
    out.append(new String(p.getInputStream().readAllBytes()));
    return p.waitFor();
  }

  @Test
  void realMount_servesEveryLayer_takenPortIsAnError_noMetricsServesNothing() throws Exception {
    MountedVolume.requireFuse();
    String n = nectar();
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Path mnt2 = Files.createDirectories(tmp.resolve("mnt2"));
    sh(tmp, n + " format " + meta + " metrics-vol --storage file://" + tmp.resolve("data") + " --trash-days 0");
    int port = freePort();
    String mounted = sh(tmp, n + " mount -d " + meta + " " + mnt + " --direct-io --cache-dir " + tmp.resolve("cache")
        + " --metrics 127.0.0.1:" + port + " --log " + tmp.resolve("mount.log"));
    assertThat(mounted).contains("mounted at " + mnt);
    try {
      sh(mnt, "head -c 300000 /dev/urandom > f && cat f > /dev/null && stat f > /dev/null && rm f");
      String text = get("http://127.0.0.1:" + port + "/metrics");
      String tags = "mountpoint=\"" + mnt + "\"";
      assertThat(sum(text, "nectar_meta_txn_seconds_count", "engine=\"sqlite3\"")).as("meta").isPositive();
      assertThat(sum(text, "nectar_meta_op_seconds_count", "op=\"unlink\",")).as("meta unlink").isEqualTo(1);
      assertThat(sum(text, "nectar_meta_op_seconds_count", "op=\"mknod\",")).as("meta create").isEqualTo(1);
      assertThat(sum(text, "nectar_meta_op_errors_total", "engine=\"sqlite3\"")).as("meta engine errors").isZero();
      assertThat(sum(text, "nectar_object_request_seconds_count", "op=\"put\"")).as("object puts").isPositive();
      assertThat(sum(text, "nectar_object_written_bytes_total", tags)).as("object bytes").isGreaterThanOrEqualTo(300000);
      assertThat(sum(text, "nectar_chunk_cache_hits_total", "") + sum(text, "nectar_chunk_cache_misses_total", "")).as("chunk").isPositive();
      assertThat(sum(text, "nectar_vfs_op_seconds_count", "op=\"unlink\"")).as("vfs unlink").isEqualTo(1);
      assertThat(sum(text, "nectar_vfs_write_bytes_total", tags)).as("vfs bytes written").isEqualTo(300000);
      assertThat(sum(text, "nectar_vfs_read_bytes_total", tags)).as("vfs bytes read").isEqualTo(300000);
      assertThat(sum(text, "nectar_fuse_request_seconds_count", "op=\"unlink\"")).as("fuse unlink").isEqualTo(1);
      assertThat(sum(text, "nectar_fuse_request_seconds_count", "op=\"write\"")).as("fuse writes").isPositive();
      assertThat(sum(text, "jvm_memory_used_bytes", "area=\"heap\"")).as("jvm heap").isPositive();
      assertThat(sum(text, "jvm_threads_live_threads", tags)).as("jvm threads").isPositive();
      assertThat(text).as("histograms in seconds, counters _total")
          .contains("# TYPE nectar_vfs_op_seconds histogram", "nectar_vfs_op_seconds_bucket{", "# TYPE nectar_object_written_bytes_total counter");
      assertThat(text).as("common tags").contains("volume=\"metrics-vol\"", tags);
      assertThat(text).as("no URL in any label").doesNotContain("sqlite3://", "file://");
      // /.stats names the endpoint, for `nectar stats`
      assertThat(sh(mnt, "cat .stats")).contains("nectar_metrics_endpoint{address=\"http://127.0.0.1:" + port + "/metrics\"");

      // the same explicit address again: one line, non-zero, nothing mounted
      StringBuilder out = new StringBuilder();
      int rc = run(tmp, n + " mount " + meta + " " + mnt2 + " --metrics 127.0.0.1:" + port, out);
      assertThat(rc).isNotZero();
      List<String> lines = out.toString().lines().filter(l -> !l.isBlank()).toList();
      assertThat(lines).hasSize(1);
      assertThat(lines.getFirst()).contains("metrics address 127.0.0.1:" + port + " is already in use");
      assertThat(sh(tmp, "grep -c ' " + mnt2 + " ' /proc/mounts || true").trim()).isEqualTo("0");

      // --no-metrics: mounted, no endpoint named
      String quiet = sh(tmp, n + " mount -d " + meta + " " + mnt2 + " --no-metrics --log " + tmp.resolve("mount2.log"));
      try {
        assertThat(quiet).contains("mounted at " + mnt2);
        assertThat(sh(tmp, "cat " + tmp.resolve("mount2.log"))).doesNotContain("metrics at");
        String stats = sh(mnt2, "cat .stats");
        assertThat(stats).contains("nectar_vfs_op_seconds_count").doesNotContain("nectar_metrics_endpoint");
      } finally {
        sh(tmp, n + " umount " + mnt2);
      }
    } finally {
      sh(tmp, n + " umount " + mnt);
    }
  }
}
