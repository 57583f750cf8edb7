package io.nectarfs.gateway.s3.clients;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The real S3 clients the tests run, from Debian packages: a missing one is installed with apt
 * when we are root (as {@code scripts/services.sh} does), else the test is skipped, except under
 * CI=true where it fails. Programs are run by absolute path (never a pyenv shim or a pip copy),
 * with a private HOME and credentials only in the environment or in 0600 files.
 */
final class Programs {
  static final String AWS = "/usr/bin/aws";
  static final String PYTHON = "/usr/bin/python3";
  static final String S3CMD = "/usr/bin/s3cmd";
  static final String RCLONE = "/usr/bin/rclone";
  /** A file of python3-boto3, to know it is installed for /usr/bin/python3. */
  static final String BOTO3 = "/usr/lib/python3/dist-packages/boto3/__init__.py";

  private Programs() {}

  /** Makes sure {@code file} exists, installing {@code debianPackage} with apt when it does not. */
  static synchronized void require(String file, String debianPackage) throws IOException, InterruptedException {
    if (Files.exists(Path.of(file))) {
      return;
    }
    if ("root".equals(System.getProperty("user.name"))) {
      Map<String, String> env = Map.of("DEBIAN_FRONTEND", "noninteractive");
      Path dir = Files.createTempDirectory("apt-");
      try {
        Run install = run(dir, env, "apt-get", "install", "-y", "-q", debianPackage);
        if (install.exit() != 0) {
          run(dir, env, "apt-get", "update", "-q");
          run(dir, env, "apt-get", "install", "-y", "-q", debianPackage);
        }
      } finally {
        try (var s = Files.list(dir)) {
          for (Path p : s.toList()) {
            Files.deleteIfExists(p);
          }
        }
        Files.deleteIfExists(dir);
      }
      if (Files.exists(Path.of(file))) {
        return;
      }
    }
    String msg = file + " is missing (Debian package " + debianPackage + ") and could not be installed";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError("CI=true and " + msg);
    }
    Assumptions.abort(msg);
  }

  /** The exit code and combined output of a program. */
  record Run(int exit, String output) {
    Run ok() {
      if (exit != 0) {
        throw new AssertionError("exit " + exit + ":\n" + output);
      }
      return this;
    }
  }

  /**
   * Runs {@code command} in {@code dir} with the environment stripped of AWS and rclone settings,
   * HOME set to {@code dir}, and {@code env} added; 10 minutes at most.
   */
  static Run run(Path dir, Map<String, String> env, String... command) throws IOException, InterruptedException {
    Path log = Files.createTempFile(dir, "run-", ".log");
    ProcessBuilder pb = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("RCLONE_") || k.startsWith("BOTO"));
    pb.environment().put("HOME", dir.toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    try {
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish within 10 minutes:\n" + Files.readString(log, StandardCharsets.UTF_8));
      }
      return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /** Writes a file readable by its owner only (a client's config holding the test key). */
  static Path privateFile(Path file, String content) throws IOException {
    Files.writeString(file, content, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    return file;
  }
}
