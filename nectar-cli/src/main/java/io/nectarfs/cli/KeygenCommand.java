package io.nectarfs.cli;

import io.nectarfs.common.Secrets;
import io.nectarfs.object.EncryptionKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code nectar keygen FILE}: a new passphrase-protected RSA key for volume encryption. */
@Command(name = "keygen", mixinStandardHelpOptions = true,
    description = {"Create a passphrase-protected RSA private key (PKCS#8 PEM, AES-256) for --encrypt-key.",
        "The passphrase is read from NECTAR_KEY_PASSPHRASE or NECTAR_KEY_PASSPHRASE_FILE."})
final class KeygenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(paramLabel = "FILE", description = "Where to write the key (must not exist).")
  Path file;

  @Option(names = "--bits", paramLabel = "N", description = "2048, 3072 or 4096 (default: ${DEFAULT-VALUE}).")
  int bits = 2048;

  @Override
  public Integer call() throws Exception {
    if (bits != 2048 && bits != 3072 && bits != 4096) {
      throw new ParameterException(spec.commandLine(), "--bits must be 2048, 3072 or 4096");
    }
    if (Files.exists(file)) {
      throw new IOException(file + " already exists: choose another file (keys are never overwritten)");
    }
    String pass = Secrets.fromEnvironment().get(EncryptionKeys.PASSPHRASE)
        .orElseThrow(() -> new IOException("set " + EncryptionKeys.PASSPHRASE + " or " + EncryptionKeys.PASSPHRASE + "_FILE to the passphrase that protects the key"));
    EncryptionKeys.generate(file, bits, pass.toCharArray());
    spec.commandLine().getOut().printf("wrote %d-bit key %s (fingerprint %s); keep a copy: without it the data cannot be read%n",
        bits, file, EncryptionKeys.fingerprint(file, Secrets.fromEnvironment()));
    return Cli.OK;
  }
}
