package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompletionTest {
  @TempDir Path tmp;

  @Test
  void bash_completesEveryCommand_andIsValidBash() throws Exception {
    CliTest.Run r = CliTest.run("completion", "bash");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("complete -F", "rmr", "clone", "compact", "quota", "--json");
    Path script = tmp.resolve("nectar.bash");
    Files.writeString(script, r.out());
    Process p = new ProcessBuilder("bash", "-n", script.toString()).redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
  }

  @Test
  void zsh_loadsBashCompletion_andUnknownShellsAreUsageErrors() {
    assertThat(CliTest.run("completion", "zsh").out()).startsWith("autoload -U +X compinit").contains("complete -F");
    CliTest.Run fish = CliTest.run("completion", "fish");
    assertThat(fish.code()).isEqualTo(2);
    assertThat(fish.err()).contains("use bash or zsh");
  }
}
