package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nectarfs.common.Ctx;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nectar config: dry-run diffs, confirmation of risky changes, storage changes, JSON. */
class ConfigCommandTest {
  @TempDir Path tmp;
  String meta;

  @BeforeEach
  void volume() throws Exception {
    meta = "sqlite3://" + tmp.resolve("meta.db");
    assertThat(CliTest.run("format", meta, "cvol", "--storage", "file://" + tmp.resolve("data"), "--trash-days", "1").code()).isZero();
    try (Volume v = Volume.open(meta, VolumeOptions.defaults().withCache(CacheOptions.memoryOnly(64L << 20)))) {
      v.fileSystem().writeAll(Ctx.ROOT, "/f", new byte[100_000]);
    }
  }

  @Test
  void dryRun_printsOldToNew_andChangesNothing() throws Exception {
    CliTest.Run d = CliTest.run("config", meta, "--trash-days", "7", "--inodes", "1000", "--dry-run");
    assertThat(d.code()).as(d.err()).isZero();
    assertThat(d.out()).contains("trash days: 1 day(s) -> 7 day(s)", "inodes: unlimited -> 1000", "dry run, nothing changed");
    assertThat(JsonCommandsTest.json("status", meta, "--json").at("/volume/trash_days").asInt()).isEqualTo(1);
    CliTest.Run same = CliTest.run("config", meta, "--trash-days", "1");
    assertThat(same.out()).contains("nothing to change");
    CliTest.Run a = CliTest.run("config", meta, "--trash-days", "7");
    assertThat(a.out()).contains("1 day(s) -> 7 day(s)", "updated");
    assertThat(JsonCommandsTest.json("status", meta, "--json").at("/volume/trash_days").asInt()).isEqualTo(7);
  }

  @Test
  void riskyChanges_needYes() throws Exception {
    CliTest.Run r = CliTest.run("config", meta, "--capacity", "10K");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("capacity below the space in use", "--yes").hasLineCount(1);
    assertThat(JsonCommandsTest.json("status", meta, "--json").at("/volume/capacity").asLong()).isZero();
    JsonNode j = JsonCommandsTest.json("config", meta, "--capacity", "10K", "--yes", "--json");
    assertThat(j.get("applied").asBoolean()).isTrue();
    assertThat(j.at("/changes/0/setting").asText()).isEqualTo("capacity");
    assertThat(j.at("/changes/0/risk").asText()).contains("below");
    assertThat(j.at("/volume/capacity").asLong()).isEqualTo(10 * 1024);
  }

  @Test
  void storage_isCheckedWithoutCredentialsInArguments() throws Exception {
    CliTest.Run creds = CliTest.run("config", meta, "--storage", "s3://AKIA:hunter2@bucket");
    assertThat(creds.code()).isEqualTo(2);
    assertThat(creds.err()).contains("credentials").doesNotContain("hunter2");
    CliTest.Run unreachable = CliTest.run("config", meta, "--storage", "file:///proc/nope", "--yes");
    assertThat(unreachable.code()).isEqualTo(1);
    assertThat(unreachable.err()).contains("storage check of file:///proc/nope failed").hasLineCount(1);
    String moved = "file://" + tmp.resolve("moved");
    CliTest.Run empty = CliTest.run("config", meta, "--storage", moved);
    assertThat(empty.code()).isEqualTo(1);
    assertThat(empty.err()).contains("holds no marker of this volume");
    java.nio.file.Files.createDirectories(tmp.resolve("moved"));
    copy(tmp.resolve("data"), tmp.resolve("moved"));
    CliTest.Run ok = CliTest.run("config", meta, "--storage", moved, "--yes");
    assertThat(ok.code()).as(ok.err()).isZero();
    try (Volume v = Volume.open(meta, VolumeOptions.defaults().withCache(CacheOptions.memoryOnly(64L << 20)).withReadOnly(true))) {
      assertThat(v.format().storage()).isEqualTo(moved);
      assertThat(v.fileSystem().readAll(Ctx.ROOT, "/f")).hasSize(100_000);
    }
  }

  private static void copy(Path from, Path to) throws Exception {
    try (var files = java.nio.file.Files.walk(from)) {
      for (Path p : files.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (java.nio.file.Files.isDirectory(p)) {
          java.nio.file.Files.createDirectories(t);
        } else {
          java.nio.file.Files.copy(p, t);
        }
      }
    }
  }
}
