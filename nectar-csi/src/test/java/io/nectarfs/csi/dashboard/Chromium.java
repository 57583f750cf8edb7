package io.nectarfs.csi.dashboard;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Headless Chromium (Debian package {@code chromium}, installed by scripts/test.sh): renders a page,
 * dumps the DOM it built and takes a screenshot. Missing, it skips the test, except under CI=true
 * where it fails.
 */
final class Chromium {
  private Chromium() {}

  static Path require() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser")) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return p;
        }
      }
    }
    String msg = "chromium is not installed (Debian package chromium; scripts/test.sh installs it)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError("CI=true and " + msg);
    }
    Assumptions.abort(msg);
    throw new AssertionError("unreachable");
  }

  /** The DOM of {@code page} after Chromium parsed it; the screenshot goes to {@code screenshot} (1400×2400). */
  static String render(Path chromium, URI page, Path screenshot, Path work) throws IOException, InterruptedException {
    Files.createDirectories(screenshot.toAbsolutePath().getParent());
    Path dom = Files.createTempFile(work, "dom-", ".html");
    Path err = Files.createTempFile(work, "chromium-", ".log");
    Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--user-data-dir=" + work.resolve("profile"), "--window-size=1400,2400", "--screenshot=" + screenshot.toAbsolutePath(), "--dump-dom",
        page.toString())
        .redirectOutput(dom.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish within 2 minutes: " + Files.readString(err, StandardCharsets.UTF_8));
    }
    if (p.exitValue() != 0) {
      throw new AssertionError("chromium exited with " + p.exitValue() + ": " + Files.readString(err, StandardCharsets.UTF_8));
    }
    return Files.readString(dom, StandardCharsets.UTF_8);
  }
}
