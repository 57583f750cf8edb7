package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 trap: a mount whose storage does not take writes (missing or wrong credentials)
 * reported "mounted" and then failed every write with EIO. The storage here is a local directory
 * whose volume prefix is a regular file: the marker can be read, but no object can be written,
 * as with read-only or wrong credentials.
 */
class MountStorageCheckTest {
  @TempDir Path tmp;

  @Test
  void mount_failsBeforeReportingSuccess_whenTheStorageTakesNoWrites() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    CliTest.Run f = CliTest.run("format", meta, "nowrite", "--storage", "file://" + tmp.resolve("data"));
    assertThat(f.code()).as(f.err()).isZero();
    String uuid = f.out().lines().filter(l -> l.contains("uuid:")).findFirst().orElseThrow().replaceAll(".*uuid:\\s*", "").trim();
    Path objects = tmp.resolve("data/nowrite/" + uuid);
    Files.createDirectories(objects.getParent());
    Files.deleteIfExists(objects);
    Files.writeString(objects, "in the way of every object");
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    CliTest.Run m = CliProcess.run(tmp, Map.of(), "mount", "-d", meta, mnt.toString(), "--cache-dir", "memory", "--log", tmp.resolve("mount.log").toString());
    try {
      assertThat(m.code()).as(m.out() + m.err()).isEqualTo(1);
      assertThat(m.out()).doesNotContain("mounted");
      assertThat(m.err().strip().lines()).hasSize(1);
      assertThat(m.err()).contains("mount failed", "does not take writes", "file://" + tmp.resolve("data"), "credentials");
    } finally {
      if (Files.readString(Path.of("/proc/mounts")).contains(" " + mnt + " ")) {
        CliTest.run("umount", mnt.toString());
      }
    }
    CliTest.Run ro = CliProcess.run(tmp, Map.of(), "summary", meta, "/");
    assertThat(ro.code()).as("read-only commands still work: " + ro.err()).isZero();
  }
}
