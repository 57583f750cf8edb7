package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line's promises: exit codes, one-line errors, --help and --version everywhere. */
class CliTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Nectar.commandLine(args);
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void aNamedCommand_getsItsOwnTreeAlone_helpCompletionAndUnknownWordsTheWhole() {
    assertThat(Nectar.commandLine("format", "x").getSubcommands()).containsOnlyKeys("format");
    assertThat(Nectar.commandLine("csi", "webhook").getSubcommands().get("csi").getSubcommands()).containsKeys("webhook", "dashboard");
    long all = Nectar.COMMANDS.size();
    for (String[] args : new String[][] {{}, {"help", "format"}, {"completion", "bash"}, {"--help"}, {"stauts"}}) {
      assertThat(commands(Nectar.commandLine(args))).as(String.join(" ", args)).isEqualTo(all);
    }
    for (Class<?> c : Nectar.COMMANDS) {
      String name = c.getAnnotation(CommandLine.Command.class).name();
      assertThat(commands(Nectar.commandLine(name))).as(name).isEqualTo(name.equals("help") || name.equals("completion") ? all : 1);
    }
  }

  private static long commands(CommandLine cl) {
    return cl.getSubcommands().values().stream().distinct().count();
  }

  @Test
  void version_andHelp_exitZero() {
    assertThat(run("--version").out()).startsWith("nectar ");
    Run help = run("--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("objbench");
    CommandLine cl = Nectar.commandLine();
    for (String sub : cl.getSubcommands().keySet()) {
      if (sub.equals("help")) {
        continue;
      }
      Run r = run(sub, "--help");
      assertThat(r.code()).as(sub + " --help").isZero();
      assertThat(r.out()).as(sub + " --help").contains("Usage:");
    }
  }

  @Test
  void usageErrors_exitTwo() {
    assertThat(run().code()).isEqualTo(2);
    assertThat(run("no-such-command").code()).isEqualTo(2);
    Run r = run("objbench");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("STORAGE-URL");
    assertThat(run("objbench", "file:///x", "--threads", "0").code()).isEqualTo(2);
  }

  @Test
  void failures_exitOne_withOneLine_andNoStackTrace() {
    Run r = run("objbench", "nosuch://bucket");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("nectar: unknown storage scheme 'nosuch'").doesNotContain("at io.nectarfs");
    Run v = run("objbench", "nosuch://bucket", "--verbose");
    assertThat(v.err()).contains("at io.nectarfs");
  }

  @Test
  void secrets_areRedactedInErrors() {
    Run r = run("objbench", "ftp://user:hunter2secret@host/bucket");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).doesNotContain("hunter2secret").contains("user:****@host");
  }

  @Test
  void objbench_onLocalDirectory_checksAndMeasures(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("store");
    Run r = run("objbench", "file://" + dir, "--small-count", "5", "--big-count", "2", "--threads", "1,2", "--big-size", "1M");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("multipart    ok", "get range    ok", "| put    |");
    assertThat(r.out().lines().filter(l -> l.startsWith("| get"))).hasSize(4);
    assertThat(r.out()).doesNotContain("FAIL");
    try (var s = Files.walk(dir)) {
      assertThat(s.filter(Files::isRegularFile).toList()).as("objbench removes what it wrote").isEmpty();
    }
  }
}
