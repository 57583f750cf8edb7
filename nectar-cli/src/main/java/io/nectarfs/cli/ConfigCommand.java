package io.nectarfs.cli;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.common.Sizes;
import io.nectarfs.common.Uris;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.StatFs;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import io.nectarfs.volume.Volumes;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nectar config META-URL}: shows or changes the mutable settings of a volume, printing
 * each change as old → new; {@code --dry-run} only prints them. Risky changes (another storage
 * URL, a limit below the current usage) need {@code --yes} or a "y" on the terminal.
 */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = {"Show or change a volume's mutable settings: trash days, capacity, inode limit, storage URL.",
        "Each change is printed as old -> new; --dry-run changes nothing. Clients pick up changes at their next heartbeat",
        "(a new storage URL at their next mount). Storage credentials are never stored: mounts read them from the environment",
        "(see 'nectar format --help'); --storage checks the new storage with them.",
        "Example: nectar config sqlite3:///var/lib/nectar/vol.db --capacity 10T --trash-days 7"})
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

  @Option(names = "--storage", paramLabel = "URL",
      description = "New storage URL (the volume's objects must already be there, e.g. after copying the bucket); no credentials in it.")
  String storage;

  @Option(names = "--dry-run", description = "Print the changes (old -> new) without making them.")
  boolean dryRun;

  @Option(names = {"-y", "--yes"}, description = "Make risky changes without asking.")
  boolean yes;

  @Option(names = "--json", description = "Print one JSON object (fields: docs/cli-json.md).")
  boolean json;

  /** One setting that changes; {@code risk} says why it needs confirmation (null: none). */
  record Change(String setting, String old, String next, String risk) {}

  /** {@code --json}: the settings after the command, the changes, and whether they were applied. */
  record Json(StatusCommand.VolumeJson volume, List<Change> changes, boolean applied) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    long cap;
    try {
      cap = capacity == null ? -1 : Sizes.parse(capacity);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--capacity: " + e.getMessage());
    }
    if ((trashDays != null && trashDays < 0) || (inodes != null && inodes < 0)) {
      throw new ParameterException(spec.commandLine(), "--trash-days and --inodes must not be negative");
    }
    if (storage != null && !Volumes.withoutCredentials(storage).equals(storage)) {
      throw new ParameterException(spec.commandLine(), "--storage must not carry credentials (they would show in the process list): "
          + "give them in the environment or a file, as for 'nectar mount'");
    }
    Secrets secrets = Secrets.fromEnvironment();
    try (MetaClient m = Volume.openMeta(metaUrl, VolumeOptions.defaults().withReadOnly(true).withBackgroundJobs(false).withClientName("config"))) {
      Format f = m.format();
      StatFs usage = m.statfs(Ctx.ROOT, io.nectarfs.meta.Meta.ROOT);
      long usedSpace = usage.totalSpace() - usage.availSpace();
      Format wanted = f;
      List<Change> changes = new ArrayList<>();
      if (trashDays != null && trashDays != f.trashDays()) {
        changes.add(new Change("trash_days", days(f.trashDays()), days(trashDays), null));
        wanted = wanted.withTrashDays(trashDays);
      }
      if (cap >= 0 && cap != f.capacity()) {
        String risk = cap > 0 && cap < usedSpace ? "below the space in use (" + Sizes.format(usedSpace) + "): writes will fail with ENOSPC" : null;
        changes.add(new Change("capacity", limit(f.capacity(), true), limit(cap, true), risk));
        wanted = wanted.withCapacity(cap);
      }
      if (inodes != null && inodes != f.inodes()) {
        String risk = inodes > 0 && inodes < usage.usedInodes() ? "below the inodes in use (" + usage.usedInodes() + "): creates will fail with ENOSPC" : null;
        changes.add(new Change("inodes", limit(f.inodes(), false), limit(inodes, false), risk));
        wanted = wanted.withInodes(inodes);
      }
      if (storage != null && !storage.equals(f.storage())) {
        Format next = wanted.withStorage(storage);
        changes.add(new Change("storage", Uris.redact(f.storage()), Uris.redact(storage), io.nectarfs.volume.StorageMove.check(next, secrets)));
        wanted = next;
      }
      boolean apply = !changes.isEmpty() && !dryRun && confirmed(changes);
      if (apply) {
        Format target = wanted;
        f = MetaClient.updateFormat(m.engine(), old -> {
          Format n = old;
          for (Change c : changes) {
            n = switch (c.setting()) {
              case "trash_days" -> n.withTrashDays(target.trashDays());
              case "capacity" -> n.withCapacity(target.capacity());
              case "inodes" -> n.withInodes(target.inodes());
              default -> n;
            };
          }
          return n;
        });
        if (!target.storage().equals(f.storage())) {
          f = MetaClient.updateStorage(m.engine(), m.format().storage(), target.storage());
        }
      }
      String meta = Uris.redact(m.engine().describe());
      if (json) {
        JsonOutput.print(out, new Json(StatusCommand.VolumeJson.of(f, meta), changes, apply));
        return Cli.OK;
      }
      for (Change c : changes) {
        out.printf("  %s: %s -> %s%s%n", c.setting().replace('_', ' '), c.old(), c.next(), c.risk() == null ? "" : " (risky: " + c.risk() + ")");
      }
      out.println(changes.isEmpty() ? "volume " + f.name() + ": nothing to change"
          : apply ? "volume " + f.name() + " updated" : "volume " + f.name() + ": dry run, nothing changed");
      StatusCommand.printFormat(out, f, meta);
    }
    return Cli.OK;
  }

  /** True when no change is risky, or --yes, or the user says "y" on the terminal; else a one-line refusal. */
  private boolean confirmed(List<Change> changes) throws IOException {
    List<String> risks = changes.stream().filter(c -> c.risk() != null).map(c -> c.setting().replace('_', ' ') + " " + c.risk()).toList();
    if (risks.isEmpty() || yes) {
      return true;
    }
    var console = System.console();
    if (console != null && console.isTerminal() && !json) {
      String answer = console.readLine("%s%nApply? [y/N] ", String.join("; ", risks));
      if (answer != null && answer.trim().equalsIgnoreCase("y")) {
        return true;
      }
    }
    throw new IOException("not changed: " + String.join("; ", risks) + "; run again with --yes to apply");
  }

  private static String days(int d) {
    return d == 0 ? "off" : d + " day(s)";
  }

  private static String limit(long v, boolean bytes) {
    return v == 0 ? "unlimited" : bytes ? Sizes.format(v) : Long.toString(v);
  }
}
