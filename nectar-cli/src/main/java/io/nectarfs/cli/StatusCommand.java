package io.nectarfs.cli;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Sizes;
import io.nectarfs.common.Uris;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.SessionInfo;
import io.nectarfs.meta.StatFs;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nectar status META-URL}: the volume's settings, usage and live sessions. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show a volume's settings, usage and live clients.")
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(paramLabel = "META-URL", description = "The volume's metadata engine URL.")
  String metaUrl;

  @Option(names = "--json", description = "Print one JSON object (fields: docs/cli-json.md).")
  boolean json;

  /** {@code --json}: the volume's settings (sizes in bytes, 0 for no limit), usage and sessions. */
  record Json(VolumeJson volume, long usedSpace, long totalSpace, long usedInodes, List<SessionJson> sessions) {}

  /** The settings of a volume as {@code status} and {@code config} print them in JSON. */
  record VolumeJson(String name, String uuid, String metadata, String storage, int shards, long blockSize, String compression,
      String encryption, boolean checksums, int trashDays, long capacity, long inodes, boolean acl, int inlineSize) {
    static VolumeJson of(Format f, String meta) {
      return new VolumeJson(f.name(), f.uuid(), meta, Uris.redact(f.storage()), f.shards(), f.blockSize(), f.compression(),
          f.encryptKeyPem() == null ? "none" : f.encryptCipher(), f.checksum(), f.trashDays(), f.capacity(), f.inodes(), f.enableAcl(),
          f.inlineSize());
    }
  }

  record SessionJson(long sid, String host, long pid, String mountPoint, String version, String started, String expires) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (MetaClient m = Volume.openMeta(metaUrl, VolumeOptions.defaults().withReadOnly(true).withBackgroundJobs(false))) {
      StatFs s = m.statfs(Ctx.ROOT, 1);
      var sessions = m.sessions();
      if (json) {
        List<SessionJson> js = sessions.stream().map(i -> new SessionJson(i.sid(), i.host(), i.pid(), i.mountPoint(), i.version(),
            Instant.ofEpochMilli(i.startMillis()).toString(), Instant.ofEpochMilli(i.expireMillis()).toString())).toList();
        JsonOutput.print(out, new Json(VolumeJson.of(m.format(), Uris.redact(m.engine().describe())), s.totalSpace() - s.availSpace(),
            m.format().capacity() > 0 ? s.totalSpace() : 0, s.usedInodes(), js));
        return Cli.OK;
      }
      printFormat(out, m.format(), Uris.redact(m.engine().describe()));
      out.printf("  %-14s %s used of %s, %d inodes%n", "usage:", Sizes.format(s.totalSpace() - s.availSpace()),
          m.format().capacity() > 0 ? Sizes.format(s.totalSpace()) : "unlimited", s.usedInodes());
      out.printf("sessions: %d%n", sessions.size());
      for (SessionInfo i : sessions) {
        out.printf("  %-6d %-20s pid %-8d %-24s since %s, expires %s%n", i.sid(), i.host(), i.pid(),
            i.mountPoint().isEmpty() ? "-" : i.mountPoint(), Instant.ofEpochMilli(i.startMillis()), Instant.ofEpochMilli(i.expireMillis()));
      }
    }
    return Cli.OK;
  }

  static void printFormat(PrintWriter out, Format f, String meta) {
    out.printf("  %-14s %s%n", "name:", f.name());
    out.printf("  %-14s %s%n", "uuid:", f.uuid());
    out.printf("  %-14s %s%n", "metadata:", meta);
    out.printf("  %-14s %s%s%n", "storage:", Uris.redact(f.storage()), f.shards() > 1 ? " (" + f.shards() + " shards)" : "");
    out.printf("  %-14s %s%n", "block size:", Sizes.format(f.blockSize()));
    out.printf("  %-14s %s%n", "compression:", f.compression());
    out.printf("  %-14s %s%n", "encryption:", f.encryptKeyPem() == null ? "none" : f.encryptCipher() + " (RSA-wrapped per-object keys)");
    out.printf("  %-14s %s%n", "checksums:", f.checksum() ? "crc32c" : "none");
    out.printf("  %-14s %s%n", "trash:", f.trashDays() == 0 ? "off" : f.trashDays() + " day(s)");
    out.printf("  %-14s %s%n", "capacity:", f.capacity() == 0 ? "unlimited" : Sizes.format(f.capacity()));
    out.printf("  %-14s %s%n", "inodes:", f.inodes() == 0 ? "unlimited" : Long.toString(f.inodes()));
    out.printf("  %-14s %s%n", "ACLs:", f.enableAcl() ? "enabled" : "disabled");
    out.printf("  %-14s %s%n", "inline size:", f.inlineSize() == 0 ? "off" : "files up to " + Sizes.format(f.inlineSize()) + " keep their data in the metadata"
        + (f.encryptKeyPem() == null ? "" : " (encrypted as objects are)"));
    out.flush();
  }
}
