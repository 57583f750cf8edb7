package io.nectarfs.cli;

import io.nectarfs.cache.CacheGroup;
import io.nectarfs.common.Uris;
import io.nectarfs.common.Sizes;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nectar cache-node META-URL --cache-group NAME --cache-dir DIR}: a dedicated member of a
 * cache group, without a mount. It keeps the blocks that hash to it in its disk cache, fetching
 * each from the object store once, and serves them to the group until SIGTERM or Ctrl-C.
 */
@Command(name = "cache-node", mixinStandardHelpOptions = true,
    description = {"Serve a cache group's blocks from a local disk cache, without a mount.",
        "The group token comes from NECTAR_CACHE_GROUP_TOKEN or NECTAR_CACHE_GROUP_TOKEN_FILE (the same for every member)."})
final class CacheNodeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;
  @Mixin DataOptions data;
  @Mixin MetricsOptions metricsOptions;
  @Mixin GroupOptions groupOptions;

  @Parameters(index = "0", paramLabel = "META-URL", description = "The volume's metadata URL.")
  String metaUrl;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    metricsOptions.validate(spec.commandLine());
    data.validate(spec.commandLine());
    groupOptions.validate(spec.commandLine(), true, false, data.memoryOnly());
    long cacheBytes = data.cacheOptions().cacheSize();
    CacheGroup[] group = new CacheGroup[1];
    FrontEnd.serve("cache-node-stop", metaUrl, data.volumeOptions("cache-node " + groupOptions.group, false), metricsOptions,
        (volume, metrics) -> {
          CacheGroup g = groupOptions.create(cacheBytes, metrics);
          g.start(volume.meta(), volume.chunks(), io.nectarfs.common.Secrets.fromEnvironment());
          group[0] = g;
          CountDownLatch stopped = new CountDownLatch(1);
          return FrontEnd.server(stopped::await, () -> {
            g.close();
            stopped.countDown();
          });
        },
        (volume, endpoint) -> {
          out.printf("cache node %s of group %s for volume %s (cache %s, metadata %s)%s%n", group[0].self(), groupOptions.group,
              volume.format().name(), Sizes.format(cacheBytes), Uris.redact(metaUrl), endpoint == null ? "" : ", metrics at " + endpoint.url());
          out.flush();
        });
    return Cli.OK;
  }
}
