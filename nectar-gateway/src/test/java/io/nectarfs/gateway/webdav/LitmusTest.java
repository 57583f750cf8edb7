package io.nectarfs.gateway.webdav;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The WebDAV conformance suite {@code litmus} (basic, copymove, props, locks, http) against a real server: every test passes, no warnings. */
class LitmusTest {
  private static final Pattern SUMMARY = Pattern.compile("summary for `(\\w+)': of (\\d+) tests run: (\\d+) passed, (\\d+) failed");

  @TempDir Path tmp;

  @Test
  void everySuitePasses() throws Exception {
    Tools.require("litmus", "litmus");
    try (DavFixture dav = DavFixture.start()) {
      dav.volume.fileSystem().mkdir(io.nectarfs.common.Ctx.ROOT, "/under", 0755);
      Tools.Run r = Tools.run(tmp, Map.of("TESTS", "basic copymove props locks http"), "litmus", dav.url() + "under/");
      Map<String, Integer> failed = new LinkedHashMap<>();
      Matcher m = SUMMARY.matcher(r.output());
      while (m.find()) {
        failed.put(m.group(1), Integer.parseInt(m.group(4)));
      }
      assertThat(failed).as(r.output()).containsOnlyKeys("basic", "copymove", "props", "locks", "http");
      assertThat(failed.values()).as(r.output()).containsOnly(0);
      assertThat(r.output()).as(r.output()).doesNotContainIgnoringCase("warning");
      assertThat(r.exit()).as(r.output()).isZero();
    }
  }
}
