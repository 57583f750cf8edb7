package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --journal-size: 0 or 5M to 1G; anything else is a usage error in one line, before anything is mounted. */
class JournalSizeOptionTest {
  @TempDir Path tmp;

  private CliTest.Run mount(String size) {
    return CliTest.run("mount", "sqlite3://" + tmp.resolve("m.db"), tmp.resolve("mnt").toString(), "--journal-size", size);
  }

  @Test
  void aSizeOutOfRange_orNoSize_isAUsageError() {
    for (String bad : new String[] {"1M", "2G", "lots"}) {
      CliTest.Run r = mount(bad);
      assertThat(r.code()).as(bad).isEqualTo(2);
      assertThat(r.err()).as(bad).contains("--journal-size " + bad + ":");
      assertThat(r.err().lines().filter(l -> l.contains("--journal-size")).count()).as(bad).isEqualTo(1);
      assertThat(r.err()).as(bad).doesNotContain("Exception");
    }
    assertThat(mount("1M").err()).contains("use 5M to 1024M, or 0 to turn the journal off");
    assertThat(Files.exists(tmp.resolve("m.db"))).as("nothing opened").isFalse();
  }
}
