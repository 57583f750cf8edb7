package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The README's command table has a row with an example for every command, and docs/cli-json.md a section for every --json. */
class ReadmeCommandsTest {
  private static String doc(String name) throws Exception {
    Path p = Path.of("..").resolve(name);
    return Files.readString(Files.exists(p) ? p : Path.of(name));
  }

  @Test
  void everyCommand_hasARowWithAnExample() throws Exception {
    List<String> rows = doc("README.md").lines().filter(l -> l.startsWith("| `nectar ")).toList();
    CommandLine cl = Nectar.commandLine();
    for (String sub : cl.getSubcommands().values().stream().map(CommandLine::getCommandName).distinct().toList()) {
      List<String> mine = rows.stream().filter(r -> r.startsWith("| `nectar " + sub + " ") || r.startsWith("| `nectar " + sub + "`")).toList();
      assertThat(mine).as("README row for nectar " + sub).hasSize(1);
      String[] cells = mine.getFirst().split(" \\| ");
      assertThat(cells).as("command, description, example: " + sub).hasSize(3);
      assertThat(cells[2]).as("example of " + sub).contains("nectar " + sub);
    }
  }

  @Test
  void everyJsonOption_isDocumented() throws Exception {
    String doc = doc("docs/cli-json.md");
    CommandLine cl = Nectar.commandLine();
    for (CommandLine sub : cl.getSubcommands().values()) {
      if (sub.getCommandSpec().findOption("--json") != null) {
        assertThat(doc).as("docs/cli-json.md section for " + sub.getCommandName()).contains("## `nectar " + sub.getCommandName() + " ");
      }
    }
  }
}
