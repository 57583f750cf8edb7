package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nectarfs.common.Ctx;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rmr, clone and compact end to end on SQLite and a local directory (tests run as root). */
class TreeCommandsTest {
  @TempDir Path tmp;

  private String meta() {
    return "sqlite3://" + tmp.resolve("meta.db");
  }

  private void format(int trashDays) {
    CliTest.Run f = CliTest.run("format", meta(), "tvol", "--storage", "file://" + tmp.resolve("data"), "--trash-days", Integer.toString(trashDays), "--inline-size", "0"); // counts objects
    assertThat(f.code()).as(f.err()).isZero();
  }

  private Volume open() throws Exception {
    return Volume.open(meta(), VolumeOptions.defaults().withCache(CacheOptions.memoryOnly(64L << 20)).withClientName("test"));
  }

  /** /d/a ("hello"), /d/s/b ("world"), /d/s/t/ (empty). */
  private void workload() throws Exception {
    try (Volume v = open()) {
      FileSystem fs = v.fileSystem();
      fs.mkdirs(Ctx.ROOT, "/d/s/t", 0755);
      fs.writeAll(Ctx.ROOT, "/d/a", "hello".getBytes(StandardCharsets.UTF_8));
      fs.writeAll(Ctx.ROOT, "/d/s/b", "world".getBytes(StandardCharsets.UTF_8));
    }
  }

  private String read(String path) throws Exception {
    try (Volume v = open()) {
      return new String(v.fileSystem().readAll(Ctx.ROOT, path), StandardCharsets.UTF_8);
    }
  }

  private boolean exists(String path) throws Exception {
    try (Volume v = open()) {
      v.fileSystem().stat(Ctx.ROOT, path);
      return true;
    } catch (io.nectarfs.common.FsException e) {
      return false;
    }
  }

  @Test
  void rmr_removesTrees_andReportsCounts() throws Exception {
    format(0);
    workload();
    CliTest.Run r = CliTest.run("rmr", meta(), "/d/s", "/d/a");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("removed 4 entries under 2 path(s)");
    assertThat(exists("/d/s")).isFalse();
    assertThat(exists("/d/a")).isFalse();
    assertThat(exists("/d")).isTrue();
    workload();
    JsonNode j = JsonCommandsTest.json("rmr", meta(), "/d", "--json");
    assertThat(j.get("removed").asLong()).isEqualTo(5);
    assertThat(j.at("/paths/0/path").asText()).isEqualTo("/d");
  }

  @Test
  void rmr_withTrash_movesEntriesToTheTrash() throws Exception {
    format(1);
    workload();
    assertThat(CliTest.run("rmr", meta(), "/d").out()).contains("removed 5 entries", "to the trash");
    assertThat(exists("/d")).isFalse();
    try (Volume v = open()) {
      var hours = v.meta().readdir(Ctx.ROOT, io.nectarfs.meta.Meta.TRASH, "", 10, false);
      assertThat(hours).hasSize(1);
      assertThat(v.meta().readdir(Ctx.ROOT, hours.getFirst().ino(), "", 10, false)).extracting(e -> e.name().replaceAll("^\\d+-\\d+-", ""))
          .containsExactlyInAnyOrder("a", "b", "s", "t", "d");
    }
  }

  @Test
  void rmr_badInput_isOneLine() throws Exception {
    format(0);
    CliTest.Run missing = CliTest.run("rmr", meta(), "/nope/x");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("/nope/x", "no such file").hasLineCount(1);
    CliTest.Run rootDir = CliTest.run("rmr", meta(), "/");
    assertThat(rootDir.code()).isEqualTo(1);
    assertThat(rootDir.err()).contains("root").hasLineCount(1);
    assertThat(CliTest.run("rmr", meta()).code()).isEqualTo(2);
  }

  @Test
  void clone_copiesATree_sharingData() throws Exception {
    format(0);
    workload();
    CliTest.Run c = CliTest.run("clone", meta(), "/d", "/e");
    assertThat(c.code()).as(c.err()).isZero();
    assertThat(c.out()).contains("cloned /d to /e: 5 entries");
    assertThat(read("/e/a")).isEqualTo("hello");
    assertThat(read("/e/s/b")).isEqualTo("world");
    assertThat(exists("/e/s/t")).isTrue();
    CliTest.Run again = CliTest.run("clone", meta(), "/d", "/e");
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("/e", "exists", "nothing was created").hasLineCount(1);
    JsonNode j = JsonCommandsTest.json("clone", meta(), "/d/a", "/a2", "--preserve", "--json");
    assertThat(j.get("entries").asLong()).isEqualTo(1);
    assertThat(read("/a2")).isEqualTo("hello");
    JsonNode gc = JsonCommandsTest.json("gc", meta(), "--json");
    assertThat(gc.get("objects").asLong()).as("clones share objects").isEqualTo(2);
  }

  @Test
  void compact_rewritesFragmentedFiles_keepingTheirContent() throws Exception {
    format(0);
    var d = io.nectarfs.vfs.VfsConfig.defaults();
    var noCompaction = new io.nectarfs.vfs.VfsConfig(d.readAheadMax(), d.flushIdle(), d.flushMaxAge(), 0, d.attrCache(), d.internalFiles());
    StringBuilder expected = new StringBuilder();
    try (Volume v = Volume.open(meta(), VolumeOptions.defaults().withCache(CacheOptions.memoryOnly(64L << 20)).withVfsConfig(noCompaction))) {
      v.fileSystem().mkdirs(Ctx.ROOT, "/logs", 0755);
      for (int i = 0; i < 10; i++) {
        String line = "line " + i + "\n";
        expected.append(line);
        try (var h = v.fileSystem().open(Ctx.ROOT, "/logs/app.log", java.util.Set.of(java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.APPEND), 0644)) {
          h.pwrite(java.nio.ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)), 0);
        }
      }
      v.fileSystem().writeAll(Ctx.ROOT, "/logs/whole", "one slice".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(JsonCommandsTest.json("info", meta(), "/logs/app.log", "--json").at("/chunks/0/slices")).hasSize(10);
    JsonNode j = JsonCommandsTest.json("compact", meta(), "/logs", "--cache-dir", "memory", "--json");
    assertThat(j.get("files").asLong()).isEqualTo(2);
    assertThat(j.get("chunks").asLong()).isEqualTo(1);
    assertThat(j.get("slices_before").asLong()).isEqualTo(10);
    assertThat(j.get("slices_after").asLong()).isEqualTo(1);
    assertThat(JsonCommandsTest.json("info", meta(), "/logs/app.log", "--json").at("/chunks/0/slices")).hasSize(1);
    assertThat(read("/logs/app.log")).isEqualTo(expected.toString());
    CliTest.Run again = CliTest.run("compact", meta(), "/logs", "--cache-dir", "memory");
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out()).contains("compacted 0 chunk(s) in 2 file(s)");
  }
}
