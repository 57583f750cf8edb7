package io.nectarfs.cli;

import io.nectarfs.common.Sizes;
import io.nectarfs.meta.DirStats;
import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.Quota;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nectar quota set|get|list|delete|check META-URL --path P}: directory quotas. */
@Command(name = "quota", mixinStandardHelpOptions = true,
    description = {"Manage directory quotas (space and inodes; nested quotas all apply).",
        "set: --path P [--capacity SIZE] [--inodes N] (0: no limit); get/delete: --path P; list; check [--path P] [--repair]."})
final class QuotaCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(index = "0", paramLabel = "ACTION", description = "set, get, list, delete or check.")
  String action;

  @Parameters(index = "1", paramLabel = "META-URL", description = "The volume's metadata engine URL.")
  String metaUrl;

  @Option(names = "--path", paramLabel = "P", description = "Directory inside the volume, e.g. /team/a.")
  String path;

  @Option(names = "--capacity", paramLabel = "SIZE", description = "Space limit, e.g. 100G (0: none).")
  String capacity;

  @Option(names = "--inodes", paramLabel = "N", description = "Inode limit (0: none).")
  Long inodes;

  @Option(names = "--repair", description = "check: store the usage the scan found.")
  boolean repair;

  @Option(names = "--json", description = "Print one JSON object (fields: docs/cli-json.md).")
  boolean json;

  /** {@code --json} of get and set: one quota (limits 0: none). */
  record QuotaJson(String path, long inode, long maxSpace, long maxInodes, long usedSpace, long usedInodes) {
    static QuotaJson of(String path, Quota q) {
      return new QuotaJson(path, q.ino(), q.maxSpace(), q.maxInodes(), q.usedSpace(), q.usedInodes());
    }
  }

  record DeletedJson(String path, boolean deleted) {}

  record ListJson(java.util.List<QuotaJson> quotas) {}

  /** One quota as check found it: the recorded usage and what the scan found. */
  record CheckJson(String path, long inode, long recordedSpace, long recordedInodes, long scannedSpace, long scannedInodes, boolean ok) {}

  record ChecksJson(java.util.List<CheckJson> quotas, int wrong, boolean repaired) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    boolean writes = action.equals("set") || action.equals("delete") || (action.equals("check") && repair);
    if (!java.util.Set.of("set", "get", "list", "delete", "check").contains(action)) {
      throw new ParameterException(spec.commandLine(), "unknown action '" + action + "': use set, get, list, delete or check");
    }
    if (path == null && !action.equals("list") && !action.equals("check")) {
      throw new ParameterException(spec.commandLine(), "quota " + action + " needs --path");
    }
    long space;
    try {
      space = capacity == null ? -1 : Sizes.parse(capacity);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    try (MetaClient m = Volume.openMeta(metaUrl, VolumeOptions.defaults().withReadOnly(!writes).withBackgroundJobs(false).withClientName("quota"))) {
      MetaAdmin admin = new MetaAdmin(m);
      Long ino = path == null ? null : admin.resolve(path);
      switch (action) {
        case "set" -> {
          Quota old = admin.getQuota(ino);
          if (space < 0 && inodes == null) {
            throw new ParameterException(spec.commandLine(), "quota set needs --capacity and/or --inodes");
          }
          long s = space >= 0 ? space : old == null ? 0 : old.maxSpace();
          long i = inodes != null ? inodes : old == null ? 0 : old.maxInodes();
          print(out, path, admin.setQuota(ino, s, i), json);
        }
        case "get" -> {
          Quota q = admin.getQuota(ino);
          if (q == null) {
            (json ? spec.commandLine().getErr() : out).printf("%s: no quota%n", path);
            return Cli.FAILURE;
          }
          print(out, path, q, json);
        }
        case "list" -> {
          if (json) {
            java.util.List<QuotaJson> all = new java.util.ArrayList<>();
            for (Quota q : admin.listQuotas()) {
              all.add(QuotaJson.of(DirPaths.of(m, q.ino()), q));
            }
            JsonOutput.print(out, new ListJson(all));
            return Cli.OK;
          }
          out.printf("%12s %12s %12s %12s  %s%n", "SPACE", "LIMIT", "INODES", "LIMIT", "PATH");
          for (Quota q : admin.listQuotas()) {
            out.printf("%12s %12s %12d %12s  %s%n", Sizes.format(q.usedSpace()), q.maxSpace() == 0 ? "-" : Sizes.format(q.maxSpace()),
                q.usedInodes(), q.maxInodes() == 0 ? "-" : Long.toString(q.maxInodes()), DirPaths.of(m, q.ino()));
          }
        }
        case "delete" -> {
          if (!admin.deleteQuota(ino)) {
            (json ? spec.commandLine().getErr() : out).printf("%s: no quota%n", path);
            return Cli.FAILURE;
          }
          if (json) {
            JsonOutput.print(out, new DeletedJson(path, true));
          } else {
            out.printf("%s: quota deleted%n", path);
          }
        }
        default -> {
          int wrong = 0;
          java.util.List<CheckJson> checks = new java.util.ArrayList<>();
          Map<Quota, DirStats> found;
          try (Progress progress = new Progress(spec.commandLine().getErr(), Progress.isTerminal(), "checking quotas",
              ino == null ? admin.listQuotas().size() : 1)) {
            found = admin.checkQuotas(ino, repair, n -> progress.add(n, 0));
          }
          for (Map.Entry<Quota, DirStats> e : found.entrySet()) {
            Quota q = e.getKey();
            DirStats s = e.getValue();
            boolean ok = q.usedSpace() == s.space() && q.usedInodes() == s.inodes();
            wrong += ok ? 0 : 1;
            checks.add(new CheckJson(DirPaths.of(m, q.ino()), q.ino(), q.usedSpace(), q.usedInodes(), s.space(), s.inodes(), ok));
            if (json) {
              continue;
            }
            out.printf("%s: recorded %d bytes, %d inodes; scanned %d bytes, %d inodes: %s%n", DirPaths.of(m, q.ino()), q.usedSpace(), q.usedInodes(),
                s.space(), s.inodes(), ok ? "ok" : repair ? "repaired" : "WRONG (use --repair)");
          }
          if (json) {
            JsonOutput.print(out, new ChecksJson(checks, wrong, repair && wrong > 0));
          }
          return wrong > 0 && !repair ? Cli.FAILURE : Cli.OK;
        }
      }
    }
    return Cli.OK;
  }

  private static void print(PrintWriter out, String path, Quota q, boolean json) {
    if (json) {
      JsonOutput.print(out, QuotaJson.of(path, q));
      return;
    }
    out.printf("%s: space %s of %s, inodes %d of %s%n", path, Sizes.format(q.usedSpace()), q.maxSpace() == 0 ? "unlimited" : Sizes.format(q.maxSpace()),
        q.usedInodes(), q.maxInodes() == 0 ? "unlimited" : Long.toString(q.maxInodes()));
  }
}
