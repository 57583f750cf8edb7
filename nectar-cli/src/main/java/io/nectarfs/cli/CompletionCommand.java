package io.nectarfs.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nectar completion bash|zsh}: prints the shell completion script picocli generates. */
@Command(name = "completion", mixinStandardHelpOptions = true,
    description = {"Print a shell completion script for nectar (bash, or zsh through bashcompinit).",
        "Install for bash: nectar completion bash | sudo tee /etc/bash_completion.d/nectar",
        "Or for the current shell: source <(nectar completion bash)"})
final class CompletionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
  String shell;

  @Override
  public Integer call() {
    if (!shell.equals("bash") && !shell.equals("zsh")) {
      throw new ParameterException(spec.commandLine(), "unknown shell '" + shell + "': use bash or zsh");
    }
    CommandLine top = spec.commandLine();
    while (top.getParent() != null) {
      top = top.getParent();
    }
    String script = AutoComplete.bash("nectar", top);
    PrintWriter out = spec.commandLine().getOut();
    if (shell.equals("zsh")) {
      out.println("autoload -U +X compinit && compinit");
      out.println("autoload -U +X bashcompinit && bashcompinit");
    }
    out.print(script);
    out.flush();
    return Cli.OK;
  }
}
