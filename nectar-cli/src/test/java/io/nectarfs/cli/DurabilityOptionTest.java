package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** --durability: close (default) or fsync, which the VFS configuration receives; anything else is a usage error. */
class DurabilityOptionTest {
  @TempDir Path tmp;

  private static DataOptions parse(String... args) {
    DataOptions d = new DataOptions();
    new CommandLine(d).parseArgs(args);
    return d;
  }

  @Test
  void closeIsDurableByDefault_fsyncRelaxesIt() {
    assertThat(parse().vfsConfig().closeDurable()).isTrue();
    assertThat(parse("--durability", "fsync").vfsConfig().closeDurable()).isFalse();
  }

  @Test
  void anotherValue_isAUsageError() {
    CliTest.Run r = CliTest.run("mount", "sqlite3://" + tmp.resolve("m.db"), tmp.resolve("mnt").toString(), "--durability", "sometimes");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--durability must be close or fsync");
  }
}
