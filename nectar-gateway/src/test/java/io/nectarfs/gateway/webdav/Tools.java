package io.nectarfs.gateway.webdav;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Real client programs for the tests: a missing one skips the test, except under CI=true where it fails (scripts/test.sh installs them). */
final class Tools {
  private Tools() {}

  static void require(String program, String debianPackage) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return;
      }
    }
    for (String dir : List.of("/usr/sbin", "/sbin")) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return;
      }
    }
    String msg = program + " is not installed (Debian package " + debianPackage + ")";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError("CI=true and " + msg);
    }
    Assumptions.abort(msg);
  }

  static void requireRootAndFuse() {
    boolean ok = Files.exists(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name"));
    if (!ok) {
      String msg = "davfs2 mounts need root and /dev/fuse";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError("CI=true and " + msg);
      }
      Assumptions.abort(msg);
    }
  }

  /** The exit code and combined output of a program run in {@code dir} (10 minutes at most). */
  record Run(int exit, String output) {}

  static Run run(Path dir, Map<String, String> env, String... command) throws IOException, InterruptedException {
    Path log = Files.createTempFile(dir, "run-", ".log");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish within 10 minutes:\n" + Files.readString(log, StandardCharsets.UTF_8));
    }
    return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }
}
