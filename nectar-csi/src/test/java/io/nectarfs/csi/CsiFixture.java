package io.nectarfs.csi;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.nectarfs.common.Secrets;
import io.nectarfs.csi.mount.Mounter;
import io.nectarfs.csi.proto.ControllerGrpc;
import io.nectarfs.csi.proto.IdentityGrpc;
import io.nectarfs.csi.proto.NodeGrpc;
import io.nectarfs.csi.proto.VolumeCapability;
import io.nectarfs.meta.Format;
import io.nectarfs.volume.FormatRequest;
import io.nectarfs.volume.Volumes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A CSI driver on a real Unix socket with a real gRPC client (generated stubs), on a SQLite volume. */
final class CsiFixture implements AutoCloseable {
  final Path tmp;
  final String metaUrl;
  final CsiDriver driver;
  final ManagedChannel channel;
  final IdentityGrpc.IdentityBlockingStub identity;
  final ControllerGrpc.ControllerBlockingStub controller;
  final NodeGrpc.NodeBlockingStub node;

  CsiFixture(Path tmp, Mounter mounter) throws IOException {
    this(tmp, formatted(tmp, "vol"), mounter);
  }

  CsiFixture(Path tmp, String metaUrl, Mounter mounter) throws IOException {
    this(tmp, metaUrl, mounter, PvcAnnotations.NONE);
  }

  CsiFixture(Path tmp, String metaUrl, Mounter mounter, PvcAnnotations pvcs) throws IOException {
    this.tmp = tmp;
    this.metaUrl = metaUrl;
    CsiDriver.Config config = new CsiDriver.Config("node-1", tmp.resolve("state"), 7, true, mounter != null, "test", CsiDriver.Probe.ALWAYS);
    driver = CsiDriver.start("unix://" + tmp.resolve("csi.sock"), config, mounter, pvcs);
    channel = Grpc.newChannelBuilder("unix://" + driver.socket(), InsecureChannelCredentials.create()).build();
    identity = IdentityGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
    controller = ControllerGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
    node = NodeGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
  }

  static String formatted(Path tmp, String name) throws IOException {
    return formatted(tmp, name, 0);
  }

  static String formatted(Path tmp, String name, int trashDays) throws IOException {
    String url = "sqlite3://" + tmp.resolve(name + ".db");
    Format wanted = Format.builder(name, "file://" + tmp.resolve(name + "-store")).blockSize(64 << 10).trashDays(trashDays)
        .createdMillis(System.currentTimeMillis()).build();
    Volumes.format(url, wanted, FormatRequest.defaults().withSecrets(new Secrets(Map.of())));
    return url;
  }

  Map<String, String> secrets() {
    return Map.of("META_URL", metaUrl);
  }

  static VolumeCapability mountCap(VolumeCapability.AccessMode.Mode mode) {
    return VolumeCapability.newBuilder().setMount(VolumeCapability.MountVolume.getDefaultInstance())
        .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(mode)).build();
  }

  static VolumeCapability rwx() {
    return mountCap(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER);
  }

  @Override
  public void close() throws Exception {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    driver.close();
  }
}
