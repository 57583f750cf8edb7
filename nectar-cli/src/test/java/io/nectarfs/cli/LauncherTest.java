package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 trap: the {@code ./nectar} launcher rebuilt the CLI on every call once generated
 * sources (JMH's, under target/) existed. Runs the real launcher script in a scratch tree with a
 * fake {@code mvn} (counts builds) and a fake JDK; file times are set explicitly, no sleeps.
 */
class LauncherTest {
  @TempDir Path tree;

  @BeforeEach
  void scratchTree() throws IOException {
    Files.copy(Path.of("..", "nectar"), tree.resolve("nectar"));
    Files.writeString(tree.resolve("pom.xml"), "<project/>");
    Files.createDirectories(tree.resolve("nectar-meta/src/main/java"));
    Files.writeString(tree.resolve("nectar-meta/pom.xml"), "<project/>");
    Files.writeString(tree.resolve("nectar-meta/src/main/java/A.java"), "class A {}");
    Files.createDirectories(tree.resolve("nectar-bench/target/generated-sources"));
    Files.writeString(tree.resolve("nectar-bench/pom.xml"), "<project/>");
    Files.createDirectories(tree.resolve("nectar-cli"));
    Files.writeString(tree.resolve("nectar-cli/pom.xml"), "<project/>");
    script("bin/mvn", """
        #!/usr/bin/env bash
        echo build >> "%s/builds.log"
        [[ -f "%s/fail" ]] && { echo "[ERROR] compilation failed"; exit 1; }
        mkdir -p nectar-cli/target && echo jar > nectar-cli/target/nectar-cli.jar
        echo "[INFO] Building nectar-cli 0.1.0-SNAPSHOT [1/1]"
        echo "[INFO] BUILD SUCCESS"
        """.formatted(tree, tree));
    script("jdk/bin/java", """
        #!/usr/bin/env bash
        if [[ "$1" == -version ]]; then echo 'openjdk version "25" 2025-09-16'; else echo "ran java"; fi
        """);
  }

  private void script(String rel, String text) throws IOException {
    Path p = tree.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private record Result(int code, String out) {}

  private Result launch() throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", tree.resolve("nectar").toString(), "--help").redirectErrorStream(true);
    pb.environment().put("PATH", tree.resolve("bin") + ":/usr/bin:/bin");
    pb.environment().put("JAVA_HOME", tree.resolve("jdk").toString());
    pb.environment().remove("NECTAR_NO_BUILD");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  private long builds() throws IOException {
    Path log = tree.resolve("builds.log");
    return Files.exists(log) ? Files.readAllLines(log).size() : 0;
  }

  private void touchInFuture(String rel) throws IOException {
    Path p = tree.resolve(rel);
    if (!Files.exists(p)) {
      Files.writeString(p, "class Generated {}");
    }
    Files.setLastModifiedTime(p, FileTime.from(Instant.now().plusSeconds(120)));
  }

  @Test
  void buildsOnce_thenOnlyWhenSourcesUnderSrcOrPomsChange() throws Exception {
    Result first = launch();
    assertThat(first.code()).as(first.out()).isZero();
    assertThat(first.out()).contains("nectar: building nectar-cli (1/1)", "ran java");
    assertThat(builds()).isEqualTo(1);
    assertThat(launch().out()).doesNotContain("building").contains("ran java");
    touchInFuture("nectar-bench/target/generated-sources/Generated.java");
    assertThat(launch().out()).as("generated sources under target/ are not sources").doesNotContain("building");
    assertThat(builds()).isEqualTo(1);
    touchInFuture("nectar-meta/src/main/java/A.java");
    assertThat(launch().out()).contains("nectar: building");
    assertThat(builds()).isEqualTo(2);
    assertThat(launch().out()).doesNotContain("building");
    touchInFuture("nectar-meta/pom.xml");
    launch();
    assertThat(builds()).isEqualTo(3);
  }

  @Test
  void aFailedBuild_isRetriedNextTime() throws Exception {
    assertThat(launch().code()).isZero();
    Files.writeString(tree.resolve("fail"), "");
    touchInFuture("nectar-meta/src/main/java/A.java");
    Result failed = launch();
    assertThat(failed.code()).isEqualTo(1);
    assertThat(failed.out()).contains("compilation failed", "build failed");
    Files.delete(tree.resolve("fail"));
    assertThat(launch().out()).as("the failed build left no stamp").contains("nectar: building");
    assertThat(builds()).isEqualTo(3);
  }
}
