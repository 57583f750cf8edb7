package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 traps: default paths came from the account's home directory instead of {@code $HOME};
 * mounting an unformatted SQLite URL created its directory and files.
 */
class DefaultPathsTrapTest {
  @TempDir Path tmp;

  private CliTest.Run runWithHome(String home, String... args) throws Exception {
    return CliProcess.run(tmp, java.util.Map.of("HOME", home), args);
  }

  @Test
  void defaultStorage_comesFromHOME_andAFailureNamesThePathAndTheFlag() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    CliTest.Run r = runWithHome("/proc/no-such-home", "format", meta, "home-test-" + Long.toHexString(System.nanoTime()));
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("/proc/no-such-home/.nectar/data", "--storage", "HOME");
    Path home = Files.createDirectories(tmp.resolve("home"));
    CliTest.Run ok = runWithHome(home.toString(), "format", meta, "home-test");
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("storage:       file://" + home + "/.nectar/data");
  }

  @Test
  void mountingAnUnformattedSqliteUrl_createsNothing() throws Exception {
    Path dir = tmp.resolve("not-there");
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    for (String[] args : new String[][] {
        {"mount", "sqlite3://" + dir.resolve("meta.db"), mnt.toString()},
        {"summary", "sqlite3://" + dir.resolve("meta.db"), "/"},
        {"restore", "sqlite3://" + dir.resolve("meta.db")}}) {
      CliTest.Run r = CliTest.run(args);
      assertThat(r.code()).as(args[0] + ": " + r.err()).isEqualTo(1);
      assertThat(r.err().strip().lines()).as(args[0]).hasSize(1);
      assertThat(r.err()).as(args[0]).contains("no volume is formatted at sqlite3://" + dir.resolve("meta.db"), "nectar format");
      assertThat(dir).as(args[0] + " creates no directory").doesNotExist();
    }
    assertThat(new File(mnt.toString()).list()).isEmpty();
  }
}
