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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard ({@code deploy/grafana/nectarfs.json}) asks only for metrics a real mount
 * exports: every PromQL expression's metric names (histogram {@code _bucket/_count/_sum} mapped to
 * their base) are among the names of a mount's {@code /metrics} after a small workload.
 */
class DashboardMetricsTest {
  @TempDir Path tmp;

  private static final Path DASHBOARD = Path.of(System.getProperty("user.dir")).getParent().resolve("deploy/grafana/nectarfs.json");
  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
      "and", "or", "unless", "offset", "bool", "inf", "nan");

  /** The PromQL expressions of the dashboard: panel targets and variable queries. */
  static List<String> expressions(String json) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"(?:expr|definition)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
    while (m.find()) {
      out.add(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    return out;
  }

  /** The metric names an expression refers to. */
  static Set<String> metricNames(String expr) {
    String e = expr.replaceAll("label_values\\(([^,()]*(?:\\{[^}]*\\})?)\\s*,\\s*\\w+\\s*\\)", "$1")
        .replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
        .replaceAll("\\{[^}]*\\}", " ")
        .replaceAll("\\[[^]]*\\]", " ")
        .replaceAll("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = Pattern.compile("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?").matcher(e);
    while (m.find()) {
      if (m.group(2) == null && !KEYWORDS.contains(m.group(1).toLowerCase())) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  static String base(String name) {
    return name.replaceAll("_(bucket|count|sum)$", "");
  }

  @Test
  void extractor_findsMetricNames_notFunctionsLabelsOrKeywords() {
    assertThat(metricNames("histogram_quantile(0.99, sum by (le) (rate(a_seconds_bucket{volume=~\"$volume\",x=\"y{z}\"}[$__rate_interval])))"))
        .containsExactly("a_seconds_bucket");
    assertThat(metricNames("sum(rate(a_total[5m])) / (sum without (op) (b) + on (x) group_left c_bytes offset 5m)"))
        .containsExactly("a_total", "b", "c_bytes");
    assertThat(metricNames("label_values(nectar_vfs_uptime_seconds{volume=~\"$volume\"}, mountpoint)")).containsExactly("nectar_vfs_uptime_seconds");
  }

  @Test
  void everyExpression_refersOnlyToMetricsARealMountExports() throws Exception {
    List<String> exprs = expressions(Files.readString(DASHBOARD));
    assertThat(exprs).hasSizeGreaterThan(20);
    MountedVolume.requireFuse();
    String n = "NECTAR_NO_BUILD=1 " + Path.of(System.getProperty("user.dir")).getParent().resolve("nectar");
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    sh(tmp, n + " format " + meta + " dash-vol --storage file://" + tmp.resolve("data") + " --trash-days 0");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    sh(tmp, n + " mount -d " + meta + " " + mnt + " --direct-io --cache-dir " + tmp.resolve("cache")
        + " --metrics 127.0.0.1:" + port + " --log " + tmp.resolve("mount.log"));
    String text;
    try {
      sh(mnt, "head -c 300000 /dev/urandom > f && cat f > /dev/null && stat f > /dev/null && rm f");
      try (HttpClient c = HttpClient.newHttpClient()) {
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        text = r.body();
      }
    } finally {
      sh(tmp, n + " umount " + mnt);
    }
    Set<String> exported = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]").matcher(text);
    while (m.find()) {
      exported.add(base(m.group(1)));
    }
    Set<String> referenced = new TreeSet<>();
    for (String e : exprs) {
      Set<String> names = metricNames(e);
      assertThat(names).as("a metric in " + e).isNotEmpty();
      for (String name : names) {
        assertThat(exported).as("exported by a mount, referenced by " + e).contains(base(name));
        referenced.add(base(name));
      }
    }
    for (String layer : List.of("nectar_fuse_", "nectar_vfs_", "nectar_meta_", "nectar_object_", "nectar_chunk_", "jvm_")) {
      assertThat(referenced).as("a panel for " + layer).anyMatch(s -> s.startsWith(layer));
    }
  }
}
