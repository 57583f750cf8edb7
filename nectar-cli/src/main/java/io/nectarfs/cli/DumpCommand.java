package io.nectarfs.cli;

import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nectar dump META-URL [FILE|-]}: the volume's metadata as engine-neutral JSON. */
@Command(name = "dump", mixinStandardHelpOptions = true,
    description = {"Write the volume's metadata as engine-neutral JSON (load it with 'nectar load', into any engine).",
        "The encryption key's PEM is left out unless --keep-encrypt-key. Dump a volume nobody writes."})
final class DumpCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(index = "0", paramLabel = "META-URL", description = "The volume's metadata engine URL.")
  String metaUrl;

  @Parameters(index = "1", paramLabel = "FILE", arity = "0..1", description = "Output file, or - for standard output (default).")
  String file = "-";

  @Option(names = "--keep-encrypt-key", description = "Include the (passphrase-protected) encryption key PEM.")
  boolean keepEncryptKey;

  @Option(names = "--keep-secret-key", hidden = true, description = "Accepted for compatibility: no secret is stored in the metadata.")
  boolean keepSecretKey;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Progress progress = new Progress(err, Progress.isTerminal(), "dumping", 0);
    try (progress; MetaClient m = Volume.openMeta(metaUrl, VolumeOptions.defaults().withReadOnly(true).withBackgroundJobs(false));
        OutputStream out = file.equals("-") ? new BufferedOutputStream(System.out) {
          @Override
          public void close() throws java.io.IOException {
            flush(); // never close standard output
          }
        } : new BufferedOutputStream(Files.newOutputStream(Path.of(file)))) {
      new MetaAdmin(m).dump(out, keepEncryptKey, progress::status);
    }
    err.printf(java.util.Locale.ROOT, "dumped the metadata to %s in %.1f s%n", file.equals("-") ? "standard output" : file, progress.seconds());
    err.flush();
    return Cli.OK;
  }
}
