package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.nectarfs.common.Secrets;
import io.nectarfs.csi.CsiDriver;
import io.nectarfs.csi.mount.MountTable;
import io.nectarfs.csi.process.ProcessMounter;
import io.nectarfs.csi.proto.CapacityRange;
import io.nectarfs.csi.proto.ControllerExpandVolumeRequest;
import io.nectarfs.csi.proto.ControllerGrpc;
import io.nectarfs.csi.proto.CreateVolumeRequest;
import io.nectarfs.csi.proto.DeleteVolumeRequest;
import io.nectarfs.csi.proto.NodeGetVolumeStatsRequest;
import io.nectarfs.csi.proto.NodeGrpc;
import io.nectarfs.csi.proto.NodePublishVolumeRequest;
import io.nectarfs.csi.proto.NodeUnpublishVolumeRequest;
import io.nectarfs.csi.proto.Volume;
import io.nectarfs.csi.proto.VolumeCapability;
import io.nectarfs.csi.proto.VolumeUsage;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.volume.FormatRequest;
import io.nectarfs.volume.VolumeOptions;
import io.nectarfs.volume.Volumes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CSI driver end to end in process mode on this machine (root, /dev/fuse): CreateVolume, two
 * pods' targets sharing one {@code nectar mount} child, writes through the target, stats from the
 * quota, online expansion (writes past the old size succeed, past the new one EDQUOT), a killed
 * mount re-run with the targets re-bound (no re-publish), unpublish, DeleteVolume.
 */
class CsiProcessModeTest {
  private static final long MIB = 1 << 20;
  @TempDir Path tmp;
  ProcessMounter mounter;
  CsiDriver driver;
  ManagedChannel channel;
  ControllerGrpc.ControllerBlockingStub controller;
  NodeGrpc.NodeBlockingStub node;
  String metaUrl;
  final List<Path> published = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/fuse")), "needs root and /dev/fuse");
    metaUrl = "sqlite3://" + tmp.resolve("meta.db");
    Volumes.format(metaUrl, Format.builder("e2e", "file://" + tmp.resolve("store")).blockSize(256 << 10).trashDays(0)
        .createdMillis(System.currentTimeMillis()).build(), FormatRequest.defaults().withSecrets(new Secrets(Map.of())));
    startPlugin();
  }

  /** The node plugin (mounter and driver) on this test's state directory. */
  private void startPlugin() throws Exception {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> nectar = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
        "-Xmx512m", "-cp", cp, Nectar.class.getName());
    mounter = new ProcessMounter(tmp.resolve("state/process"), nectar, Duration.ofSeconds(120));
    driver = CsiDriver.start("unix://" + tmp.resolve("csi.sock"),
        new CsiDriver.Config("node-1", tmp.resolve("state"), 0, true, true, "test", CsiDriver.Probe.ALWAYS), mounter);
    channel = Grpc.newChannelBuilder("unix://" + driver.socket(), InsecureChannelCredentials.create()).build();
    controller = ControllerGrpc.newBlockingStub(channel);
    node = NodeGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() throws Exception {
    if (driver == null) {
      return;
    }
    for (Path t : published) {
      try {
        node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId("cleanup").setTargetPath(t.toString()).build());
      } catch (RuntimeException e) {
        MountTable.unmountAll(t);
      }
    }
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    driver.close();
    mounter.close();
    try (Stream<Path> s = Files.list(tmp.resolve("state/process/mounts"))) {
      for (Path mp : s.toList()) {
        MountTable.unmountAll(mp);
      }
    }
  }

  private Map<String, String> secrets() {
    return Map.of("META_URL", metaUrl);
  }

  private void publish(Volume v, Path target) {
    node.nodePublishVolume(NodePublishVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).setTargetPath(target.toString())
        .setVolumeCapability(VolumeCapability.newBuilder().setMount(VolumeCapability.MountVolume.getDefaultInstance())
            .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER)))
        .putAllSecrets(secrets()).putAllVolumeContext(v.getVolumeContextMap()).build());
    published.add(target);
  }

  private VolumeUsage bytes(Volume v, Path target) {
    return node.nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder().setVolumeId(v.getVolumeId()).setVolumePath(target.toString()).build())
        .getUsageList().stream().filter(u -> u.getUnit() == VolumeUsage.Unit.BYTES).findFirst().orElseThrow();
  }

  private static byte[] data(long size, int seed) {
    byte[] b = new byte[(int) size];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  private static void await(BooleanSupplier cond, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!cond.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /** The one mount key the node made (one directory under the mounter's mounts). */
  private String onlyKey() throws IOException {
    try (Stream<Path> s = Files.list(tmp.resolve("state/process/mounts"))) {
      List<Path> all = s.toList();
      assertThat(all).hasSize(1);
      return all.getFirst().getFileName().toString();
    }
  }

  /** Children of this JVM running {@code nectar mount} (their /proc cmdline names the mount's internal flag). */
  private static long mountChildren() {
    return ProcessHandle.current().children().filter(p -> cmdline(p.pid()).contains("--foreground-child")).count();
  }

  private static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }

  @Test
  void createPublishWriteStatsExpandRecoverUnpublishDelete() throws Exception {
    Volume v = controller.createVolume(CreateVolumeRequest.newBuilder().setName("pvc-e2e").putAllSecrets(secrets())
        .addVolumeCapabilities(VolumeCapability.newBuilder().setMount(VolumeCapability.MountVolume.getDefaultInstance())
            .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER)))
        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(8 * MIB)).build()).getVolume();
    Path a = tmp.resolve("pods/a/volumes/pvc-e2e/mount");
    Path b = tmp.resolve("pods/b/volumes/pvc-e2e/mount");
    publish(v, a);
    publish(v, b);
    String key = onlyKey();
    long pid = mounter.pid(key);
    assertThat(pid).isPositive();
    assertThat(mountChildren()).as("two targets share one nectar mount").isEqualTo(1);
    assertThat(mounter.references(key)).containsExactlyInAnyOrder(a.toString(), b.toString());
    // the records that hold secrets and references are private to root
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("state/process/state")))).isEqualTo("rwx------");
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("state/process/state/" + key + ".mount"))))
        .isEqualTo("rw-------");
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("state/targets")))).isEqualTo("rwx------");

    byte[] six = data(6 * MIB, 1);
    Files.write(a.resolve("f1"), six);
    assertThat(Files.readAllBytes(b.resolve("f1"))).isEqualTo(six);
    VolumeUsage u = bytes(v, a);
    assertThat(u.getTotal()).isEqualTo(8 * MIB);
    assertThat(u.getUsed()).isGreaterThanOrEqualTo(6 * MIB);
    assertThat(u.getAvailable()).isLessThanOrEqualTo(2 * MIB);

    assertThatThrownBy(() -> Files.write(a.resolve("f2"), data(4 * MIB, 2))).isInstanceOf(IOException.class).hasMessageContaining("quota");
    Files.deleteIfExists(a.resolve("f2"));

    assertThat(controller.controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).putAllSecrets(secrets())
        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(16 * MIB)).build()).getCapacityBytes()).isEqualTo(16 * MIB);
    byte[] four = data(4 * MIB, 3);
    Files.write(a.resolve("f2"), four); // past the old size: fits now
    assertThat(bytes(v, b).getTotal()).isEqualTo(16 * MIB);
    assertThatThrownBy(() -> Files.write(b.resolve("f3"), data(8 * MIB, 4))).isInstanceOf(IOException.class).hasMessageContaining("quota");
    Files.deleteIfExists(b.resolve("f3"));

    // the mount dies: it is run again and both targets read again, without a new publish
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    await(() -> mounter.pid(key) != 0 && mounter.pid(key) != pid, "a new nectar mount");
    await(() -> readsBack(a.resolve("f1"), six) && readsBack(b.resolve("f2"), four), "the targets to read again");
    assertThat(mountChildren()).isEqualTo(1);

    node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).setTargetPath(a.toString()).build());
    assertThat(mounter.pid(key)).as("still used by b").isPositive();
    assertThat(Files.readAllBytes(b.resolve("f1"))).isEqualTo(six);
    node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).setTargetPath(b.toString()).build());
    published.clear();
    assertThat(mounter.pid(key)).as("the last unpublish stops the mount").isZero();
    assertThat(MountTable.isMountPoint(a) || MountTable.isMountPoint(b)).isFalse();
    await(() -> mountChildren() == 0, "the child to exit");

    controller.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).putAllSecrets(secrets()).build());
    try (MetaClient m = io.nectarfs.volume.Volume.openMeta(metaUrl, VolumeOptions.defaults().withSecrets(new Secrets(Map.of())).withBackgroundJobs(false))) {
      assertThatThrownBy(() -> new MetaAdmin(m).resolve("/pvc-e2e")).hasMessageContaining("no such file");
    }
  }

  @Test
  void restartedPlugin_adoptsTheRunningMount_andStillRecoversIt() throws Exception {
    Volume v = controller.createVolume(CreateVolumeRequest.newBuilder().setName("pvc-r").putAllSecrets(secrets())
        .addVolumeCapabilities(VolumeCapability.newBuilder().setMount(VolumeCapability.MountVolume.getDefaultInstance())
            .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)))
        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(8 * MIB)).build()).getVolume();
    Path a = tmp.resolve("pods/a/volumes/pvc-r/mount");
    publish(v, a);
    byte[] one = data(MIB, 5);
    Files.write(a.resolve("f"), one);
    String key = onlyKey();
    long pid = mounter.pid(key);
    // the node plugin restarts; the mount keeps serving
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    driver.close();
    mounter.close();
    assertThat(Files.readAllBytes(a.resolve("f"))).isEqualTo(one);
    startPlugin();
    assertThat(mounter.pid(key)).as("adopted").isEqualTo(pid);
    assertThat(mounter.references(key)).containsExactly(a.toString());
    // the adopted mount dies: the new plugin re-runs it and re-binds the target it did not publish itself
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    await(() -> mounter.pid(key) != 0 && mounter.pid(key) != pid, "a new nectar mount");
    await(() -> readsBack(a.resolve("f"), one), "the target to read again");
    node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).setTargetPath(a.toString()).build());
    published.clear();
    assertThat(mounter.pid(key)).isZero();
    await(() -> mountChildren() == 0, "the child to exit");
  }

  @Test
  void failingMounts_nameTheCause_andLeaveNothing() throws Exception {
    VolumeCapability rwx = VolumeCapability.newBuilder().setMount(VolumeCapability.MountVolume.getDefaultInstance())
        .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER)).build();
    Path t = tmp.resolve("pods/x/mount");
    // a URL that names no volume: refused before any mount starts
    assertThatThrownBy(() -> node.nodePublishVolume(NodePublishVolumeRequest.newBuilder().setVolumeId("v").setTargetPath(t.toString())
        .setVolumeCapability(rwx).putSecrets("META_URL", "sqlite3://" + tmp.resolve("none.db")).putVolumeContext("subdir", "/").build()))
        .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.FAILED_PRECONDITION);
          assertThat(e.getStatus().getDescription()).contains("no volume is formatted");
        });
    // a mount that cannot start: its own message, no reference, no mount point left
    assertThatThrownBy(() -> node.nodePublishVolume(NodePublishVolumeRequest.newBuilder().setVolumeId("v").setTargetPath(t.toString())
        .setVolumeCapability(rwx).putAllSecrets(secrets()).putVolumeContext("subdir", "/").putVolumeContext("mountOptions", "--attr-cache=banana").build()))
        .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class, e -> assertThat(e.getStatus().getDescription())
            .contains("nectar mount of e2e exited").contains("banana"));
    assertThat(MountTable.isMountPoint(t)).isFalse();
    try (Stream<Path> s = Files.list(tmp.resolve("state/process/mounts"))) {
      assertThat(s.toList()).isEmpty();
    }
    assertThat(mountChildren()).isZero();
  }

  @Test
  void redisVolume_theMountsCommandLineHasNoPassword() throws Exception {
    String base = io.nectarfs.testkit.TestServices.require(io.nectarfs.testkit.TestServices.REDIS);
    String url = base.substring(0, base.lastIndexOf('/')) + "/14";
    String password = java.net.URI.create(url).getUserInfo().replaceFirst("^[^:]*:", "");
    try (redis.clients.jedis.Jedis j = new redis.clients.jedis.Jedis(java.net.URI.create(url))) {
      j.flushDB();
    }
    try {
      Volumes.format(url, Format.builder("rvol", "file://" + tmp.resolve("rstore")).trashDays(0).createdMillis(System.currentTimeMillis()).build(),
          FormatRequest.defaults().withSecrets(new Secrets(Map.of())));
      Volume v = controller.createVolume(CreateVolumeRequest.newBuilder().setName("pvc-redis").putSecrets("META_URL", url)
          .addVolumeCapabilities(VolumeCapability.newBuilder().setMount(VolumeCapability.MountVolume.getDefaultInstance())
              .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)))
          .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(8 * MIB)).build()).getVolume();
      Path a = tmp.resolve("pods/r/mount");
      node.nodePublishVolume(NodePublishVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).setTargetPath(a.toString())
          .setVolumeCapability(VolumeCapability.newBuilder().setMount(VolumeCapability.MountVolume.getDefaultInstance())
              .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)))
          .putSecrets("META_URL", url).putAllVolumeContext(v.getVolumeContextMap()).build());
      published.add(a);
      Files.writeString(a.resolve("hello"), "on redis");
      assertThat(Files.readString(a.resolve("hello"))).isEqualTo("on redis");
      long pid = mounter.pid(onlyKey());
      assertThat(cmdline(pid)).contains("mount").doesNotContain(password);
      node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).setTargetPath(a.toString()).build());
      published.clear();
      controller.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).putSecrets("META_URL", url).build());
    } finally {
      try (redis.clients.jedis.Jedis j = new redis.clients.jedis.Jedis(java.net.URI.create(url))) {
        j.flushDB();
      }
    }
  }

  private static boolean readsBack(Path p, byte[] want) {
    try {
      return java.util.Arrays.equals(Files.readAllBytes(p), want);
    } catch (IOException e) {
      return false;
    }
  }
}
