package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** POSIX behaviour seen by programs: errno of error cases, fcntl locks, a differential run against a local directory. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PosixTest {
  private Path tmp;
  private MountedVolume vol;

  @BeforeAll
  void mount() throws Exception {
    tmp = Files.createTempDirectory("nectar-posix-");
    vol = MountedVolume.mount(tmp.resolve("vol"));
  }

  @AfterAll
  void unmount() throws Exception {
    if (vol != null) {
      vol.close();
    }
    sh(Path.of("/"), "rm -rf " + tmp);
  }

  private Path script(String name) throws IOException {
    Path p = tmp.resolve(name);
    try (InputStream in = PosixTest.class.getResourceAsStream("/scripts/" + name)) {
      Files.copy(in, p);
    }
    return p;
  }

  @Test
  void errnoOfErrorCases() throws Exception {
    Path other = Files.createDirectories(tmp.resolve("other-fs"));
    String out = sh(vol.mnt, "python3 " + script("errno_check.py") + " " + vol.mnt + " " + other);
    assertThat(out.strip()).isEqualTo("ok");
  }

  @Test
  void fcntlLocksBetweenProcesses() throws Exception {
    String out = sh(vol.mnt, "python3 " + script("fcntl_locks.py") + " " + vol.mnt.resolve("locked"));
    assertThat(out).startsWith("ok waited");
  }

  @Test
  void randomOperations_matchALocalDirectory() throws Exception {
    Path local = Files.createDirectories(tmp.resolve("local-root"));
    Path onMount = Files.createDirectories(vol.mnt.resolve("diff-root"));
    String out = sh(vol.mnt, "python3 " + script("differential.py") + " " + onMount + " " + local + " 42 600");
    assertThat(out.strip()).startsWith("ok");
  }
}
