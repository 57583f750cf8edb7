package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nectarfs.common.Ctx;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code --json} output is one line that Jackson parses, with the documented fields
 * (docs/cli-json.md) holding the values of a known workload: /d holds a 5000-byte and a
 * 3000-byte file and /d/e a 1000-byte file.
 */
class JsonCommandsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  @TempDir Path tmp;
  String meta;

  @BeforeEach
  void workload() throws Exception {
    meta = "sqlite3://" + tmp.resolve("meta.db");
    CliTest.Run f = CliTest.run("format", meta, "jvol", "--storage", "file://" + tmp.resolve("data"), "--trash-days", "0", "--inline-size", "0"); // counts objects
    assertThat(f.code()).as(f.err()).isZero();
    try (Volume v = Volume.open(meta, VolumeOptions.defaults().withCache(CacheOptions.memoryOnly(64L << 20)).withClientName("test"))) {
      v.fileSystem().mkdirs(Ctx.ROOT, "/d/e", 0755);
      v.fileSystem().writeAll(Ctx.ROOT, "/d/a", new byte[5000]);
      v.fileSystem().writeAll(Ctx.ROOT, "/d/b", new byte[3000]);
      v.fileSystem().writeAll(Ctx.ROOT, "/d/e/c", new byte[1000]);
    }
  }

  /** Runs the command, expects {@code code}, one line on stdout, and parses it. */
  static JsonNode json(int code, String... args) throws Exception {
    CliTest.Run r = CliTest.run(args);
    assertThat(r.code()).as(r.err()).isEqualTo(code);
    assertThat(r.out()).as("one line").hasLineCount(1);
    return MAPPER.readTree(r.out());
  }

  static JsonNode json(String... args) throws Exception {
    return json(0, args);
  }

  @Test
  void status() throws Exception {
    JsonNode j = json("status", meta, "--json");
    assertThat(j.at("/volume/name").asText()).isEqualTo("jvol");
    assertThat(j.at("/volume/trash_days").asInt()).isZero();
    assertThat(j.at("/volume/block_size").asLong()).isEqualTo(4L << 20);
    assertThat(j.at("/volume/inline_size").asInt()).as("formatted with --inline-size 0").isZero();
    assertThat(j.at("/volume/storage").asText()).startsWith("file://");
    assertThat(j.get("used_inodes").asLong()).isEqualTo(5);
    assertThat(j.get("used_space").asLong()).isPositive();
    assertThat(j.get("sessions").isArray()).isTrue();
  }

  @Test
  void info_ofAFile_andADirectory() throws Exception {
    JsonNode file = json("info", meta, "/d/a", "--json", "--objects");
    assertThat(file.get("type").asText()).isEqualTo("file");
    assertThat(file.get("size").asLong()).isEqualTo(5000);
    assertThat(file.get("chunks")).hasSize(1);
    JsonNode slice = file.at("/chunks/0/slices/0");
    assertThat(slice.get("len").asInt()).isEqualTo(5000);
    assertThat(slice.get("keys")).hasSize(1);
    assertThat(file.get("objects").asLong()).isEqualTo(1);
    JsonNode dir = json("info", meta, "/d", "--json");
    assertThat(dir.get("type").asText()).isEqualTo("dir");
    assertThat(dir.get("files").asLong()).isEqualTo(3);
    assertThat(dir.get("dirs").asLong()).isEqualTo(1);
    assertThat(dir.get("space").asLong()).isPositive();
  }

  @Test
  void summary() throws Exception {
    JsonNode j = json("summary", meta, "/d", "--json");
    assertThat(j.get("path").asText()).isEqualTo("/d");
    assertThat(j.get("files").asLong()).isEqualTo(3);
    assertThat(j.get("dirs").asLong()).isEqualTo(1);
    assertThat(j.get("inodes").asLong()).isEqualTo(4);
    assertThat(j.get("size").asLong()).isPositive();
  }

  @Test
  void quota_get_list_check() throws Exception {
    JsonNode set = json("quota", "set", meta, "--path", "/d", "--inodes", "100", "--json");
    assertThat(set.get("max_inodes").asLong()).isEqualTo(100);
    JsonNode get = json("quota", "get", meta, "--path", "/d", "--json");
    assertThat(get.get("path").asText()).isEqualTo("/d");
    assertThat(get.get("max_inodes").asLong()).isEqualTo(100);
    assertThat(get.get("max_space").asLong()).isZero();
    assertThat(get.get("used_inodes").asLong()).isEqualTo(4);
    JsonNode list = json("quota", "list", meta, "--json");
    assertThat(list.get("quotas")).hasSize(1);
    assertThat(list.at("/quotas/0/inode").asLong()).isEqualTo(get.get("inode").asLong());
    JsonNode check = json("quota", "check", meta, "--json");
    assertThat(check.get("wrong").asInt()).isZero();
    assertThat(check.at("/quotas/0/ok").asBoolean()).isTrue();
    assertThat(check.at("/quotas/0/scanned_inodes").asLong()).isEqualTo(check.at("/quotas/0/recorded_inodes").asLong());
    assertThat(json("quota", "delete", meta, "--path", "/d", "--json").get("deleted").asBoolean()).isTrue();
    CliTest.Run none = CliTest.run("quota", "get", meta, "--path", "/d", "--json");
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.out()).isEmpty();
  }

  @Test
  void gc_and_fsck() throws Exception {
    JsonNode gc = json("gc", meta, "--json");
    assertThat(gc.get("objects").asLong()).isEqualTo(3);
    assertThat(gc.get("leaked_objects").asLong()).isZero();
    assertThat(gc.get("deleted").asLong()).isZero();
    assertThat(gc.get("seconds").asDouble()).isPositive();
    JsonNode fsck = json("fsck", meta, "--json");
    assertThat(fsck.get("problems")).isEmpty();
    assertThat(fsck.get("left")).isEmpty();
  }

  @Test
  void warmup() throws Exception {
    JsonNode j = json("warmup", meta, "/d", "--cache-dir", "memory", "--json");
    assertThat(j.get("files").asLong()).isEqualTo(3);
    assertThat(j.get("bytes").asLong()).isEqualTo(9000);
  }

  @Test
  void bench_mdtest_objbench() throws Exception {
    JsonNode b = json("bench", meta, "--cache-dir", "memory", "--big-file-size", "2M", "--io-size", "1M", "--random-reads", "10",
        "--small-files", "5", "--json");
    List<String> tests = new ArrayList<>();
    b.get("results").forEach(r -> tests.add(r.get("test").asText()));
    assertThat(tests).containsExactly("sequential_write", "sequential_read", "random_4k_read", "small_create_write", "small_stat",
        "small_read", "small_delete");
    assertThat(b.at("/results/0/bytes").asLong()).isEqualTo(2L << 20);
    assertThat(b.at("/results/0/ops").asLong()).isEqualTo(2);
    assertThat(b.at("/results/2/p99_ms").isNumber()).isTrue();
    JsonNode m = json("mdtest", meta, "--files", "20", "--threads", "2", "--json");
    assertThat(m.get("threads").asInt()).isEqualTo(2);
    assertThat(m.get("results")).hasSize(6);
    assertThat(m.at("/results/0/op").asText()).isEqualTo("create");
    assertThat(m.at("/results/0/ops").asLong()).isEqualTo(40);
    JsonNode o = json("objbench", "file://" + tmp.resolve("obj"), "--small-count", "3", "--big-count", "2", "--threads", "1",
        "--big-size", "1M", "--json");
    assertThat(o.get("failed").asInt()).isZero();
    assertThat(o.get("checks").findValuesAsText("status")).contains("ok").doesNotContain("fail");
    assertThat(o.get("bench")).hasSize(8);
    assertThat(o.at("/bench/0/op").asText()).isEqualTo("put");
    assertThat(o.at("/bench/0/bytes").asLong()).isEqualTo(3L * 128 * 1024);
  }
}
