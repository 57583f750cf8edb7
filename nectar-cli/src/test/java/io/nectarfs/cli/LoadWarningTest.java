package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #12 trap: load did not warn that the copy shares the source's storage and UUID. */
class LoadWarningTest {
  @TempDir Path tmp;

  @Test
  void load_warnsThatTheCopySharesStorageAndUuid() {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    CliTest.Run f = CliTest.run("format", meta, "source", "--storage", "file://" + tmp.resolve("data"));
    String uuid = f.out().lines().filter(l -> l.contains("uuid:")).findFirst().orElseThrow().replaceAll(".*uuid:\\s*", "").trim();
    assertThat(CliTest.run("dump", meta, tmp.resolve("dump.json").toString()).code()).isZero();
    CliTest.Run load = CliTest.run("load", "sqlite3://" + tmp.resolve("copy.db"), tmp.resolve("dump.json").toString());
    assertThat(load.code()).as(load.err()).isZero();
    assertThat(load.err()).contains("warning:", uuid, "file://" + tmp.resolve("data"), "never mount both");
  }
}
