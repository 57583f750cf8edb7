package io.nectarfs.csi;

import static io.nectarfs.csi.ControllerConformanceTest.assertStatus;
import static io.nectarfs.csi.CsiFixture.rwx;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.nectarfs.csi.proto.NodeExpandVolumeRequest;
import io.nectarfs.csi.proto.NodeGetCapabilitiesRequest;
import io.nectarfs.csi.proto.NodeGetInfoRequest;
import io.nectarfs.csi.proto.NodeGetInfoResponse;
import io.nectarfs.csi.proto.NodeGetVolumeStatsRequest;
import io.nectarfs.csi.proto.NodeGetVolumeStatsResponse;
import io.nectarfs.csi.proto.NodePublishVolumeRequest;
import io.nectarfs.csi.proto.NodeServiceCapability;
import io.nectarfs.csi.proto.NodeUnpublishVolumeRequest;
import io.nectarfs.csi.proto.VolumeCapability;
import io.nectarfs.csi.proto.VolumeUsage;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Node service from the spec: publish (bind of the PV's subdirectory of the node mount onto
 * the target, read-only when asked, idempotent), unpublish (idempotent), stats, expand, info,
 * capabilities and their error codes, over the real socket. The node mount is a directory here
 * ({@link FakeMounter}); the bind mounts are real (needs root).
 */
class NodeConformanceTest {
  @TempDir Path tmp;
  CsiFixture f;
  FakeMounter mounter;

  @BeforeEach
  void start() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "bind mounts need root");
    mounter = new FakeMounter(tmp.resolve("mounts"));
    f = new CsiFixture(tmp, mounter);
  }

  @AfterEach
  void stop() throws Exception {
    if (f != null) {
      f.close();
    }
  }

  private NodePublishVolumeRequest.Builder publish(String id, Path target) {
    return NodePublishVolumeRequest.newBuilder().setVolumeId(id).setTargetPath(target.toString()).setVolumeCapability(rwx())
        .putAllSecrets(f.secrets()).putVolumeContext("subdir", "/pv-a");
  }

  /** The fake mount of the key publish will use, with the PV's subdirectory in it. */
  private Path mountWithSubdir() throws Exception {
    String key = NodeService.spec(java.util.Map.of("subdir", "/pv-a", "volumeName", "vol"), java.util.List.of(), f.secrets()).key();
    return Files.createDirectories(tmp.resolve("mounts").resolve(key).resolve("pv-a"));
  }

  @Test
  void publish_bindsTheSubdir_idempotent_thenUnpublish() throws Exception {
    Path src = mountWithSubdir();
    Files.writeString(src.resolve("hello"), "hi");
    Path target = tmp.resolve("pods/p1/volumes/mount");
    f.node.nodePublishVolume(publish("static-pv", target).build());
    assertThat(BindMounts.isMountPoint(target)).isTrue();
    assertThat(Files.readString(target.resolve("hello"))).isEqualTo("hi");
    f.node.nodePublishVolume(publish("static-pv", target).build()); // again: success, one reference
    String key = mounter.refs.keySet().iterator().next();
    assertThat(mounter.references(key)).containsExactly(target.toString());
    // the same target with other settings
    assertStatus(() -> f.node.nodePublishVolume(publish("static-pv", target).setReadonly(true).build()), Status.Code.ALREADY_EXISTS, "other settings");

    Path second = tmp.resolve("pods/p2/volumes/mount");
    f.node.nodePublishVolume(publish("static-pv", second).build());
    assertThat(mounter.references(key)).containsExactlyInAnyOrder(target.toString(), second.toString());

    f.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId("static-pv").setTargetPath(target.toString()).build());
    assertThat(BindMounts.isMountPoint(target)).isFalse();
    assertThat(target).doesNotExist();
    assertThat(mounter.references(key)).containsExactly(second.toString());
    f.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId("static-pv").setTargetPath(target.toString()).build()); // again
    f.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId("static-pv").setTargetPath(second.toString()).build());
    assertThat(mounter.refs).isEmpty();
    assertThat(Files.readString(src.resolve("hello"))).isEqualTo("hi"); // unpublish never touches the data
  }

  @Test
  void publish_readOnly_refusesWrites() throws Exception {
    mountWithSubdir();
    Path target = tmp.resolve("ro");
    f.node.nodePublishVolume(publish("static-pv", target).setReadonly(true).build());
    assertThatThrownBy(() -> Files.writeString(target.resolve("x"), "no")).isInstanceOf(FileSystemException.class)
        .satisfies(e -> assertThat(e).isNotInstanceOf(AccessDeniedException.class).hasMessageContaining("Read-only"));
    f.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId("static-pv").setTargetPath(target.toString()).build());
    Path rox = tmp.resolve("rox");
    f.node.nodePublishVolume(publish("static-pv", rox).setVolumeCapability(CsiFixture.mountCap(VolumeCapability.AccessMode.Mode.MULTI_NODE_READER_ONLY)).build());
    assertThatThrownBy(() -> Files.writeString(rox.resolve("x"), "no")).hasMessageContaining("Read-only");
    f.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId("static-pv").setTargetPath(rox.toString()).build());
  }

  @Test
  void mountOptions_fromTheContextAndThePv_makeTheMountKey() throws Exception {
    Path src = mountWithSubdir();
    VolumeCapability withFlags = VolumeCapability.newBuilder().setMount(VolumeCapability.MountVolume.newBuilder().addMountFlags("ro")
        .addMountFlags("--cache-size=1G")).setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER)).build();
    String key = NodeService.spec(java.util.Map.of("subdir", "/pv-a", "volumeName", "vol", "mountOptions", "--writeback-cache"),
        java.util.List.of("--cache-size=1G"), f.secrets()).key();
    Files.createDirectories(tmp.resolve("mounts").resolve(key).resolve("pv-a"));
    Path target = tmp.resolve("flags");
    f.node.nodePublishVolume(publish("static-pv", target).setVolumeCapability(withFlags).putVolumeContext("mountOptions", "--writeback-cache").build());
    assertThat(mounter.specs.get(key).options()).containsExactly("--writeback-cache", "--cache-size=1G");
    assertThat(key).isNotEqualTo(src.getParent().getFileName().toString());
    assertThatThrownBy(() -> Files.writeString(target.resolve("x"), "no")).hasMessageContaining("Read-only"); // "ro" among the PV's options
    f.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId("static-pv").setTargetPath(target.toString()).build());
    assertStatus(() -> f.node.nodePublishVolume(publish("static-pv", target).putVolumeContext("mountOptions", "noatime").build()),
        Status.Code.INVALID_ARGUMENT, "'noatime' is not a nectar mount option");
  }

  @Test
  void publish_errors_leaveNoReference() {
    Path target = tmp.resolve("t");
    assertStatus(() -> f.node.nodePublishVolume(publish("", target).build()), Status.Code.INVALID_ARGUMENT, "volume_id missing");
    assertStatus(() -> f.node.nodePublishVolume(publish("v", target).clearTargetPath().build()), Status.Code.INVALID_ARGUMENT, "target_path missing");
    assertStatus(() -> f.node.nodePublishVolume(publish("v", target).clearVolumeCapability().build()), Status.Code.INVALID_ARGUMENT,
        "volume_capability missing");
    // the PV's subdirectory does not exist in the volume
    assertStatus(() -> f.node.nodePublishVolume(publish("v", target).putVolumeContext("subdir", "/missing").build()), Status.Code.NOT_FOUND, "/missing");
    assertThat(mounter.refs).isEmpty();
    assertStatus(() -> f.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setTargetPath(target.toString()).build()),
        Status.Code.INVALID_ARGUMENT, "volume_id missing");
    assertStatus(() -> f.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId("v").build()), Status.Code.INVALID_ARGUMENT,
        "target_path missing");
  }

  @Test
  void stats_expand_info_capabilities() throws Exception {
    mountWithSubdir();
    Path target = tmp.resolve("s");
    f.node.nodePublishVolume(publish("static-pv", target).build());
    NodeGetVolumeStatsResponse s = f.node.nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder().setVolumeId("static-pv").setVolumePath(target.toString()).build());
    assertThat(s.getUsageList()).extracting(VolumeUsage::getUnit).containsExactly(VolumeUsage.Unit.BYTES, VolumeUsage.Unit.INODES);
    assertThat(s.getUsage(0).getTotal()).isPositive();
    assertThat(s.getVolumeCondition().getAbnormal()).isFalse();
    assertStatus(() -> f.node.nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder().setVolumePath(target.toString()).build()),
        Status.Code.INVALID_ARGUMENT, "volume_id missing");
    assertStatus(() -> f.node.nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder().setVolumeId("static-pv").build()),
        Status.Code.INVALID_ARGUMENT, "volume_path missing");
    assertStatus(() -> f.node.nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder().setVolumeId("static-pv").setVolumePath(tmp.resolve("gone").toString()).build()),
        Status.Code.NOT_FOUND, "gone");
    assertThat(f.node.nodeExpandVolume(NodeExpandVolumeRequest.newBuilder().setVolumeId("static-pv").setVolumePath(target.toString()).build())
        .getCapacityBytes()).isEqualTo(s.getUsage(0).getTotal());
    assertStatus(() -> f.node.nodeExpandVolume(NodeExpandVolumeRequest.newBuilder().setVolumeId("static-pv").setVolumePath(tmp.resolve("gone").toString()).build()),
        Status.Code.NOT_FOUND, "gone");
    assertStatus(() -> f.node.nodeExpandVolume(NodeExpandVolumeRequest.newBuilder().setVolumePath(target.toString()).build()),
        Status.Code.INVALID_ARGUMENT, "volume_id missing");
    NodeGetInfoResponse info = f.node.nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());
    assertThat(info.getNodeId()).isEqualTo("node-1");
    assertThat(info.getMaxVolumesPerNode()).isEqualTo(7);
    assertThat(f.node.nodeGetCapabilities(NodeGetCapabilitiesRequest.getDefaultInstance()).getCapabilitiesList()).extracting(c -> c.getRpc().getType())
        .containsExactlyInAnyOrder(NodeServiceCapability.RPC.Type.GET_VOLUME_STATS, NodeServiceCapability.RPC.Type.EXPAND_VOLUME,
            NodeServiceCapability.RPC.Type.VOLUME_CONDITION);
    f.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId("static-pv").setTargetPath(target.toString()).build());
  }

  @Test
  void remount_rebindsEveryReference() throws Exception {
    Path src = mountWithSubdir();
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    f.node.nodePublishVolume(publish("static-pv", a).build());
    f.node.nodePublishVolume(publish("static-pv", b).setReadonly(true).build());
    String key = mounter.refs.keySet().iterator().next();
    // the mount "comes back" at a new place with new contents
    Path fresh = Files.createDirectories(tmp.resolve("mounts2").resolve("pv-a"));
    Files.writeString(fresh.resolve("new"), "after");
    mounter.listener.remounted(key, fresh.getParent());
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!(Files.exists(a.resolve("new")) && Files.exists(b.resolve("new")))) {
      assertThat(System.nanoTime()).as("targets re-bound").isLessThan(deadline);
      Thread.sleep(10);
    }
    assertThat(Files.readString(a.resolve("new"))).isEqualTo("after");
    assertThatThrownBy(() -> Files.writeString(b.resolve("x"), "no")).hasMessageContaining("Read-only");
    assertThat(src).exists();
    f.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId("static-pv").setTargetPath(a.toString()).build());
    f.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId("static-pv").setTargetPath(b.toString()).build());
    assertThat(BindMounts.isMountPoint(a) || BindMounts.isMountPoint(b)).isFalse();
  }
}
