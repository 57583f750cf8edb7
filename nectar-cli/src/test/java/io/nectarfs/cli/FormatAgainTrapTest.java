package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #12 trap: re-running format with the "same" settings said "updated" and reset trash days and capacity. */
class FormatAgainTrapTest {
  @TempDir Path tmp;

  private String meta() {
    return "sqlite3://" + tmp.resolve("meta.db");
  }

  private String storage() {
    return "file://" + tmp.resolve("data");
  }

  @Test
  void reformat_keepsUnspecifiedSettings_andSaysUnchanged() {
    CliTest.Run f = CliTest.run("format", meta(), "keep", "--storage", storage(), "--trash-days", "7", "--capacity", "10G", "--block-size", "1M");
    assertThat(f.code()).as(f.err()).isZero();
    CliTest.Run again = CliTest.run("format", meta(), "keep", "--storage", storage());
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out()).contains("volume keep unchanged").doesNotContain("updated");
    CliTest.Run s = CliTest.run("status", meta());
    assertThat(s.out()).contains("trash:         7 day(s)", "capacity:      10.0 GiB");
    CliTest.Run bare = CliTest.run("format", meta(), "keep");
    assertThat(bare.out()).as("no --storage: the volume's storage, not the $HOME default").contains("unchanged");
    CliTest.Run change = CliTest.run("format", meta(), "keep", "--trash-days", "2");
    assertThat(change.code()).as(change.err()).isZero();
    assertThat(change.out()).contains("volume keep updated: trash days 7 → 2");
    assertThat(CliTest.run("status", meta()).out()).contains("trash:         2 day(s)", "capacity:      10.0 GiB");
  }

  @Test
  void refusal_namesEveryDifferingSetting_andBothNames() {
    assertThat(CliTest.run("format", meta(), "first", "--storage", storage()).code()).isZero();
    CliTest.Run clash = CliTest.run("format", meta(), "first", "--block-size", "1M", "--compress", "lz4", "--trash-days", "3");
    assertThat(clash.code()).isEqualTo(1);
    assertThat(clash.err()).hasLineCount(1).contains("block size 4.0 MiB → 1.0 MiB", "compression none → lz4", "--force");
    CliTest.Run renamed = CliTest.run("format", meta(), "second", "--storage", storage());
    assertThat(renamed.code()).isEqualTo(1);
    assertThat(renamed.err()).hasLineCount(1).contains("'first'", "'second'");
    assertThat(CliTest.run("status", meta()).out()).as("nothing half-written").contains("name:          first", "trash:         1 day(s)");
  }
}
