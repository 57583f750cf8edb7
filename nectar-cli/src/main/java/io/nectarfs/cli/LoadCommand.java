package io.nectarfs.cli;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.volume.Volumes;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nectar load META-URL [FILE|-]}: loads a dump into an empty metadata engine. */
@Command(name = "load", mixinStandardHelpOptions = true,
    description = {"Load a 'nectar dump' into an empty metadata engine (of any type).",
        "The result is the same volume (same UUID and storage), e.g. to move it to another engine: never use both copies."})
final class LoadCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(index = "0", paramLabel = "META-URL", description = "The (empty) metadata engine to load into.")
  String metaUrl;

  @Parameters(index = "1", paramLabel = "FILE", arity = "0..1", description = "Dump file, or - for standard input (default).")
  String file = "-";

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Progress progress = new Progress(err, Progress.isTerminal(), "loading", 0);
    try (progress; TxnKv kv = Volumes.engine(metaUrl, Secrets.fromEnvironment());
        InputStream in = new BufferedInputStream(file.equals("-") ? System.in : Files.newInputStream(Path.of(file)))) {
      Format f = MetaAdmin.load(kv, in, progress::status);
      progress.close();
      out.printf(java.util.Locale.ROOT, "loaded volume '%s' into %s in %.1f s%n", f.name(), io.nectarfs.common.Uris.redact(kv.describe()), progress.seconds());
      err.printf("warning: this copy shares the dumped volume's UUID (%s) and storage (%s under %s): it is the same volume, not an"
          + " independent copy; never mount both at once (gc or writes of one delete or overwrite data of the other); destroy only one"
          + " of them with 'nectar destroy', which deletes the shared objects%n", f.uuid(), io.nectarfs.common.Uris.redact(f.storage()), f.objectPrefix());
      err.flush();
    }
    return Cli.OK;
  }
}
