package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** format, status, config, mdtest and destroy end to end on SQLite and a local directory. */
class VolumeCommandsTest {
  @TempDir Path tmp;

  private String meta() {
    return "sqlite3://" + tmp.resolve("meta.db");
  }

  private String storage() {
    return "file://" + tmp.resolve("data");
  }

  @Test
  void format_thenStatus_thenConfig() {
    CliTest.Run f = CliTest.run("format", meta(), "vol1", "--storage", storage(), "--trash-days", "0");
    assertThat(f.code()).as(f.err()).isZero();
    assertThat(f.out()).contains("volume vol1 formatted", "storage:       " + storage());
    assertThat(CliTest.run("format", meta(), "vol1", "--storage", storage(), "--trash-days", "0").out()).contains("unchanged");
    CliTest.Run clash = CliTest.run("format", meta(), "vol1", "--storage", storage(), "--block-size", "1M", "--trash-days", "0");
    assertThat(clash.code()).isEqualTo(1);
    assertThat(clash.err()).contains("block size", "--force").hasLineCount(1);
    CliTest.Run s = CliTest.run("status", meta());
    assertThat(s.code()).isZero();
    assertThat(s.out()).contains("name:          vol1", "sessions: 0");
    CliTest.Run c = CliTest.run("config", meta(), "--capacity", "10G", "--trash-days", "2");
    assertThat(c.out()).contains("capacity:      10.0 GiB", "trash:         2 day(s)");
  }

  @Test
  void badInput_givesOneLine() {
    CliTest.Run unformatted = CliTest.run("status", meta());
    assertThat(unformatted.code()).isEqualTo(1);
    assertThat(unformatted.err()).contains("nectar format").hasLineCount(1);
    CliTest.Run badName = CliTest.run("format", meta(), "Bad_Name", "--storage", storage());
    assertThat(badName.code()).isEqualTo(2);
    assertThat(badName.err()).contains("invalid volume name");
    CliTest.Run badEngine = CliTest.run("format", "nosql://x", "vol", "--storage", storage());
    assertThat(badEngine.err()).contains("unknown metadata engine 'nosql'").hasLineCount(1);
    CliTest.Run deadPg = CliTest.run("status", "postgres://nectar:hunter2@127.0.0.1:1/db");
    assertThat(deadPg.code()).isEqualTo(1);
    assertThat(deadPg.err()).doesNotContain("hunter2").contains("127.0.0.1:1").hasLineCount(1);
    CliTest.Run badStorage = CliTest.run("format", meta(), "vol", "--storage", "file:///proc/nope");
    assertThat(badStorage.code()).isEqualTo(1);
    assertThat(badStorage.err()).contains("storage check failed");
    assertThat(Files.exists(tmp.resolve("meta.db")) ? CliTest.run("status", meta()).err() : "nectar format").contains("nectar format");
  }

  @Test
  void mdtest_runsAndCleansUp() {
    assertThat(CliTest.run("format", meta(), "vol2", "--storage", storage(), "--trash-days", "0").code()).isZero();
    CliTest.Run r = CliTest.run("mdtest", meta(), "--files", "50", "--threads", "2");
    assertThat(r.code()).as(r.err()).isZero();
    for (String op : new String[] {"create", "stat", "lookup", "readdir", "rename", "unlink"}) {
      assertThat(r.out()).contains("| " + op);
    }
    assertThat(CliTest.run("status", meta()).out()).contains("0 inodes");
  }

  @Test
  void destroy_needsTheUuid_andRemovesEverything() throws Exception {
    CliTest.Run f = CliTest.run("format", meta(), "vol3", "--storage", storage());
    String uuid = f.out().lines().filter(l -> l.contains("uuid:")).findFirst().orElseThrow().replaceAll(".*uuid:\\s*", "").trim();
    for (int d = 0; d < 5; d++) { // more than one listing page (1000 keys), over several directories
      Path dir = Files.createDirectories(tmp.resolve("data/vol3/" + uuid + "/chunks/0/" + d));
      for (int i = 0; i < 500; i++) {
        Files.writeString(dir.resolve((d * 1000 + i) + "_0_5"), "hello");
      }
    }
    CliTest.Run wrong = CliTest.run("destroy", meta(), "00000000-0000-0000-0000-000000000000", "--yes");
    assertThat(wrong.code()).isEqualTo(1);
    assertThat(wrong.err()).contains("has UUID " + uuid);
    CliTest.Run d = CliTest.run("destroy", meta(), uuid, "--yes");
    assertThat(d.code()).as(d.err()).isZero();
    assertThat(d.out()).contains("2500 objects");
    try (var left = Files.walk(tmp.resolve("data"))) {
      assertThat(left.filter(Files::isRegularFile)).as("objects left").isEmpty();
    }
    assertThat(tmp.resolve("data/vol3/nectar-volume.json")).as("the marker goes with the volume").doesNotExist();
    assertThat(CliTest.run("status", meta()).err()).contains("nectar format");
  }
}
