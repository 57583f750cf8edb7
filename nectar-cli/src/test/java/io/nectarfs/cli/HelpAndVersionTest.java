package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Issue #12 traps: an unknown command with --help, and --version on every subcommand. */
class HelpAndVersionTest {
  @Test
  void unknownCommand_withHelp_isAUsageError() {
    CliTest.Run r = CliTest.run("no-such-command", "--help");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).doesNotContain("Usage:");
    assertThat(r.err()).contains("no-such-command").contains("nectar --help");
    assertThat(CliTest.run("status", "--help", "meta", "extra").code()).as("unmatched words after a subcommand too").isEqualTo(2);
  }

  @Test
  void unknownCommand_saysSo_inOneLine_withTheClosestCommands() {
    CliTest.Run r = CliTest.run("stauts");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines().findFirst().orElseThrow()).startsWith("nectar: unknown command 'stauts' for 'nectar' (did you mean ")
        .contains("status").endsWith("?)");
  }

  @Test
  void versionOption_onlyAtTopLevel_andVersionCommandExists() throws Exception {
    for (String sub : Nectar.commandLine().getSubcommands().keySet()) {
      if (sub.equals("help")) {
        continue;
      }
      CliTest.Run h = CliTest.run(sub, "--help");
      assertThat(h.out()).as(sub + " --help").doesNotContain("--version").doesNotContain("-V,");
    }
    assertThat(CliTest.run("format", "--version").code()).isEqualTo(2);
    CliTest.Run top = CliTest.run("--version");
    assertThat(top.code()).isZero();
    CliTest.Run v = CliTest.run("version");
    assertThat(v.code()).as(v.err()).isZero();
    assertThat(v.out()).startsWith("nectar ").contains("java ", "fuse: protocol 7.", "build: commit ").isEqualTo(top.out());
    CliTest.Run j = CliTest.run("version", "--json");
    assertThat(j.code()).isZero();
    assertThat(j.out().strip().lines()).hasSize(1);
    JsonNode n = new ObjectMapper().readTree(j.out());
    assertThat(n.get("version").asText()).isNotBlank();
    assertThat(n.get("java").asText()).startsWith(System.getProperty("java.version"));
    assertThat(n.get("fuse_protocol").asText()).matches("7\\.\\d+-7\\.\\d+");
    assertThat(n.has("fuse_device")).isTrue();
    assertThat(n.get("build_time").asText()).as("the build writes build-info.properties").matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
  }

  @Test
  void helpCommand_stillWorks() {
    CommandLine cl = Nectar.commandLine();
    assertThat(cl.getSubcommands()).containsKey("version");
    assertThat(CliTest.run("help", "format").out()).contains("Usage: nectar format");
  }
}
