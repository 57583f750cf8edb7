package io.nectarfs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code nectar objbench STORAGE-URL}: functional check and throughput of an object store. */
@Command(name = "objbench", mixinStandardHelpOptions = true, description = "Check and benchmark an object store.")
final class ObjbenchCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;

  @Parameters(paramLabel = "STORAGE-URL", description = "file:///path, s3://bucket or http(s)://host:port/bucket")
  String url;

  @Override
  public Integer call() throws Exception {
    return Cli.OK;
  }
}
