package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * nectar debug on a directory shaped like a mount (its .config and .stats files); the real mount
 * is covered in nectar-it. The bundle is private and holds no secret.
 */
class DebugCommandTest {
  @TempDir Path tmp;

  @Test
  void writesAPrivateBundle_withSecretsRedacted() throws Exception {
    Path mp = Files.createDirectories(tmp.resolve("mnt"));
    Files.writeString(mp.resolve(".config"), "{\"volume\": \"dvol\"}\n");
    Files.writeString(mp.resolve(".stats"), "nectar_vfs_reads_total 42\n");
    Path log = tmp.resolve("mount.log");
    Files.writeString(log, "line one\nconnecting to postgres://nectar:hunter2@db:5432/meta\nline three\n");
    Path out = tmp.resolve("out");
    CliTest.Run r = CliTest.run("debug", mp.toString(), "--out-dir", out.toString(), "--log", log.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("wrote diagnostics of " + mp).hasLineCount(1);
    List<Path> dirs;
    try (var s = Files.list(out)) {
      dirs = s.toList();
    }
    assertThat(dirs).hasSize(1);
    Path bundle = dirs.getFirst();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(bundle))).isEqualTo("rwx------");
    for (String f : List.of("version.txt", "config.json", "stats.prom", "mount.txt", "process.txt", "sessions.txt", "kernel.txt", "log.txt")) {
      assertThat(bundle.resolve(f)).as(f).exists();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(bundle.resolve(f)))).as(f).isEqualTo("rw-------");
    }
    assertThat(Files.readString(bundle.resolve("stats.prom"))).contains("nectar_vfs_reads_total 42");
    assertThat(Files.readString(bundle.resolve("log.txt"))).contains("line three", "db:5432").doesNotContain("hunter2");
    assertThat(Files.readString(bundle.resolve("version.txt"))).startsWith("nectar ");
    assertThat(Files.readString(bundle.resolve("kernel.txt"))).contains("/dev/fuse");
    assertThat(Files.readString(bundle.resolve("sessions.txt"))).as("no META-URL published or in a command line").contains("unknown");
  }

  @Test
  void sessions_comeFromTheMetaUrlTheMountPublishes() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    assertThat(CliTest.run("format", meta, "dvol", "--storage", "file://" + tmp.resolve("data")).code()).isZero();
    Path mp = Files.createDirectories(tmp.resolve("mnt"));
    Files.writeString(mp.resolve(".config"), "{\"volume\": \"dvol\", \"meta\": \"" + meta + "\"}\n");
    Files.writeString(mp.resolve(".stats"), "");
    CliTest.Run r = CliTest.run("debug", mp.toString(), "--out-dir", tmp.resolve("out").toString(), "--log", tmp.resolve("none.log").toString());
    assertThat(r.code()).as(r.err()).isZero();
    try (var s = Files.list(tmp.resolve("out"))) {
      Path bundle = s.findFirst().orElseThrow();
      assertThat(Files.readString(bundle.resolve("sessions.txt"))).startsWith("volume dvol on ");
      assertThat(Files.readString(bundle.resolve("log.txt"))).contains("no log at", "--log");
    }
  }

  @Test
  void notAMount_isOneLine() {
    CliTest.Run r = CliTest.run("debug", tmp.toString(), "--out-dir", tmp.resolve("out").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("is not a NectarFS mount point").hasLineCount(1);
    assertThat(tmp.resolve("out")).doesNotExist();
  }
}
