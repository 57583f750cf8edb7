package io.nectarfs.cli;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Sizes;
import io.nectarfs.gateway.s3.store.BucketStore;
import io.nectarfs.vfs.Gc;
import io.nectarfs.volume.Volume;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nectar gc META-URL}: finds objects no metadata refers to; deletes them with --delete. */
@Command(name = "gc", mixinStandardHelpOptions = true,
    description = {"Find objects in the volume's storage that no file refers to (left by crashed clients).",
        "Also finishes pending deletions. A dry run unless --delete."})
final class GcCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(paramLabel = "META-URL", description = "The volume's metadata engine URL.")
  String metaUrl;

  @Option(names = "--delete", description = "Delete the leaked objects.")
  boolean delete;

  @Option(names = "--min-age", paramLabel = "DURATION", description = "Only objects older than this (ISO-8601 like PT1H, or 1h/30m/10s; default: ${DEFAULT-VALUE}): younger ones may be in flight.")
  String minAge = "1h";

  @Option(names = "--gateway-leftovers", description = {"With --delete: also walk the volume and remove what a crashed S3 gateway left",
      "(hidden temporaries of uploads, unchanged for --gateway-temp-age). Visits every directory: slow on big volumes."})
  boolean gatewayLeftovers;

  @Option(names = "--gateway-temp-age", paramLabel = "DURATION", description = "Age of a gateway temporary before --gateway-leftovers removes it (default: ${DEFAULT-VALUE}).")
  String gatewayTempAge = "1d";

  @Option(names = "--gateway-upload-age", paramLabel = "DURATION", description = {"With --gateway-leftovers: also abort incomplete multipart uploads with no part",
      "added for this long (default: keep them, as S3 does until they are aborted)."})
  String gatewayUploadAge;

  @Option(names = "--json", description = "Print the summary as one JSON object (fields: docs/cli-json.md).")
  boolean json;

  /** {@code --json}: the scan's counts; {@code leaked_samples} lists up to 20 leaked keys. */
  record Json(long objects, long bytes, long leakedObjects, long leakedBytes, long deleted, List<String> leakedSamples, long gatewayLeftoversRemoved, double seconds) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (gatewayLeftovers && !delete) {
      throw new ParameterException(spec.commandLine(), "--gateway-leftovers removes files: add --delete");
    }
    Duration tempAge = Durations.parse(gatewayTempAge);
    Duration uploadAge = gatewayUploadAge == null ? null : Durations.parse(gatewayUploadAge);
    DataOptions data = new DataOptions();
    data.cacheDirs = List.of("memory");
    try (Volume v = Volume.open(metaUrl, data.volumeOptions("gc", false));
        Progress p = new Progress(spec.commandLine().getErr(), Progress.isTerminal(), "scanning objects", 0)) {
      long swept = 0;
      if (gatewayLeftovers) {
        swept = BucketStore.over(v.fileSystem(), "/", null, Clock.SYSTEM).sweep(Ctx.ROOT, tempAge, uploadAge);
      }
      v.meta().runBackgroundJobs();
      long[] last = {0};
      Gc.Report r = Gc.run(v.meta(), v.storage(), Durations.parse(minAge), delete, n -> {
        p.add(n - last[0], 0);
        last[0] = n;
      });
      p.close();
      if (json) {
        JsonOutput.print(out, new Json(r.objects(), r.bytes(), r.leakedObjects(), r.leakedBytes(), r.deleted(), r.samples(), swept, p.seconds()));
        return Cli.OK;
      }
      out.printf("scanned %d objects (%s); %d leaked (%s)%s%n", r.objects(), Sizes.format(r.bytes()), r.leakedObjects(),
          Sizes.format(r.leakedBytes()), delete ? ", " + r.deleted() + " deleted" : r.leakedObjects() > 0 ? "; run with --delete to remove them" : "");
      if (gatewayLeftovers) {
        out.printf("removed %d S3 gateway leftovers%n", swept);
      }
      for (String k : r.samples()) {
        out.println("  leaked: " + k);
      }
    }
    return Cli.OK;
  }
}
