package io.nectarfs.cli;

import io.nectarfs.common.Secrets;
import io.nectarfs.common.Sizes;
import io.nectarfs.common.Uris;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.volume.Volumes;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nectar config META-URL}: shows or changes the mutable settings of a volume. */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = {"Show or change a volume's mutable settings (trash days, capacity, inode limit).",
        "Clients pick up changes at their next heartbeat."})
final class ConfigCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(paramLabel = "META-URL", description = "The volume's metadata engine URL.")
  String metaUrl;

  @Option(names = "--trash-days", paramLabel = "DAYS", description = "Days deleted files stay in .trash (0: off).")
  Integer trashDays;

  @Option(names = "--capacity", paramLabel = "SIZE", description = "Space limit, e.g. 10T; 0 for none.")
  String capacity;

  @Option(names = "--inodes", paramLabel = "N", description = "Inode limit; 0 for none.")
  Long inodes;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (TxnKv kv = Volumes.engine(metaUrl, Secrets.fromEnvironment())) {
      Format f = Volumes.requireFormat(kv);
      if (trashDays != null || capacity != null || inodes != null) {
        long cap = capacity == null ? f.capacity() : Sizes.parse(capacity);
        f = MetaClient.updateFormat(kv, old -> {
          Format n = old;
          if (trashDays != null) {
            n = n.withTrashDays(trashDays);
          }
          if (capacity != null) {
            n = n.withCapacity(cap);
          }
          if (inodes != null) {
            n = n.withInodes(inodes);
          }
          return n;
        });
        out.println("volume " + f.name() + " updated");
      }
      StatusCommand.printFormat(out, f, Uris.redact(kv.describe()));
    }
    return Cli.OK;
  }
}
