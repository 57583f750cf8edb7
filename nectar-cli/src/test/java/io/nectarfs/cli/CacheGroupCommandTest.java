package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache group flags of mount, cache-node and warmup: bad input is one line and exit 2 (1 for what only a run can tell). */
class CacheGroupCommandTest {
  @TempDir Path tmp;

  private String meta() {
    return "sqlite3://" + tmp.resolve("meta.db");
  }

  private static void usage(String expected, String... args) {
    CliTest.Run r = CliTest.run(args);
    assertThat(r.code()).as("nectar %s: %s", String.join(" ", args), r.err()).isEqualTo(2);
    assertThat(r.err()).contains(expected).doesNotContain("\tat ");
  }

  @Test
  void badFlags_areUsageErrorsNamingTheFlag() {
    String mnt = tmp.resolve("mnt").toString();
    usage("need --cache-group NAME", "mount", meta(), mnt, "--no-sharing");
    usage("need --cache-group NAME", "mount", meta(), mnt, "--cache-group-listen", "127.0.0.1:7000");
    usage("a cache node needs --cache-group NAME", "cache-node", meta(), "--cache-dir", tmp.resolve("c").toString());
    usage("--no-sharing is for mounts", "cache-node", meta(), "--cache-group", "g", "--no-sharing");
    usage("add --no-sharing", "mount", meta(), mnt, "--read-only", "--cache-group", "g");
    usage("keeps the blocks it serves on disk", "cache-node", meta(), "--cache-group", "g", "--cache-dir", "memory");
    usage("must be 1-64 letters", "mount", meta(), mnt, "--cache-group", "no/slash", "--no-sharing");
    usage("--peer-timeout 0s must be more than 0", "mount", meta(), mnt, "--cache-group", "g", "--no-sharing", "--peer-timeout", "0s");
    usage("--cache-group-listen must be HOST:PORT", "cache-node", meta(), "--cache-group", "g", "--cache-group-listen", "x:y:z");
    usage("--download-limit", "mount", meta(), mnt, "--download-limit", "lots");
    usage("--simulate-store-latency", "mount", meta(), mnt, "--simulate-store-latency", "soon");
    usage("--check and --evict need --cache-group NAME", "warmup", meta(), "/f", "--check");
    usage("--check and --evict exclude each other", "warmup", meta(), "/f", "--cache-group", "g", "--check", "--evict");
    usage("--cache-group needs META-URL PATH", "warmup", tmp.toString(), "--cache-group", "g");
  }

  @Test
  void aMemberWithoutAToken_isToldWhichVariablesToSet() {
    if (System.getenv("NECTAR_CACHE_GROUP_TOKEN") != null || System.getenv("NECTAR_CACHE_GROUP_TOKEN_FILE") != null) {
      return; // the environment has one: nothing to refuse
    }
    CliTest.Run f = CliTest.run("format", meta(), "cgtest", "--storage", "file://" + tmp.resolve("data"), "--trash-days", "0");
    assertThat(f.code()).as(f.err()).isZero();
    CliTest.Run r = CliTest.run("cache-node", meta(), "--cache-group", "g", "--cache-dir", tmp.resolve("cache").toString(),
        "--cache-group-listen", "127.0.0.1:0", "--no-metrics");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("cache group g needs a token: set NECTAR_CACHE_GROUP_TOKEN or NECTAR_CACHE_GROUP_TOKEN_FILE")
        .doesNotContain("\tat ");
  }
}
