package io.nectarfs.csi;

import static io.nectarfs.csi.CsiFixture.rwx;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.BoolValue;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.nectarfs.common.Secrets;
import io.nectarfs.csi.proto.CapacityRange;
import io.nectarfs.csi.proto.ControllerExpandVolumeRequest;
import io.nectarfs.csi.proto.ControllerGetCapabilitiesRequest;
import io.nectarfs.csi.proto.ControllerServiceCapability;
import io.nectarfs.csi.proto.CreateVolumeRequest;
import io.nectarfs.csi.proto.DeleteVolumeRequest;
import io.nectarfs.csi.proto.GetPluginCapabilitiesRequest;
import io.nectarfs.csi.proto.GetPluginInfoRequest;
import io.nectarfs.csi.proto.PluginCapability;
import io.nectarfs.csi.proto.ProbeRequest;
import io.nectarfs.csi.proto.ValidateVolumeCapabilitiesRequest;
import io.nectarfs.csi.proto.ValidateVolumeCapabilitiesResponse;
import io.nectarfs.csi.proto.Volume;
import io.nectarfs.csi.proto.VolumeCapability;
import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.Quota;
import io.nectarfs.volume.VolumeOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identity and Controller, written from the CSI spec's success paths and error codes, over the
 * real Unix socket with the generated client stubs, against a SQLite volume.
 */
class ControllerConformanceTest {
  private static final long GIB = 1L << 30;
  @TempDir Path tmp;
  CsiFixture f;

  @BeforeEach
  void start(org.junit.jupiter.api.TestInfo info) throws Exception {
    f = info.getTestMethod().orElseThrow().getName().contains("Trash")
        ? new CsiFixture(tmp, CsiFixture.formatted(tmp, "trashvol", 1), null) : new CsiFixture(tmp, null);
  }

  private MetaClient openMeta() throws Exception {
    return io.nectarfs.volume.Volume.openMeta(f.metaUrl, VolumeOptions.defaults().withSecrets(new Secrets(Map.of())).withBackgroundJobs(false));
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  private CreateVolumeRequest.Builder create(String name, long required, long limit) {
    CreateVolumeRequest.Builder b = CreateVolumeRequest.newBuilder().setName(name).addVolumeCapabilities(rwx()).putAllSecrets(f.secrets());
    if (required > 0 || limit > 0) {
      b.setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(required).setLimitBytes(limit));
    }
    return b;
  }

  static void assertStatus(ThrowingCallable call, Status.Code code, String message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).contains(message);
    });
  }

  private Quota quotaOf(String path) throws Exception {
    try (MetaClient m = io.nectarfs.volume.Volume.openMeta(f.metaUrl, VolumeOptions.defaults().withSecrets(new Secrets(Map.of())).withBackgroundJobs(false))) {
      MetaAdmin a = new MetaAdmin(m);
      long ino = ControllerService.existing(a, path);
      return ino == 0 ? null : a.getQuota(ino);
    }
  }

  private boolean exists(String path) throws Exception {
    try (MetaClient m = io.nectarfs.volume.Volume.openMeta(f.metaUrl, VolumeOptions.defaults().withSecrets(new Secrets(Map.of())).withBackgroundJobs(false))) {
      return ControllerService.existing(new MetaAdmin(m), path) != 0;
    }
  }

  @Test
  void theStateDirectory_isPrivate() throws Exception {
    assertThat(java.nio.file.Files.getPosixFilePermissions(tmp.resolve("state")))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
  }

  @Test
  void identity_nameCapabilitiesProbe() {
    assertThat(f.identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance()).getName()).isEqualTo("csi.nectarfs.io");
    assertThat(f.identity.getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance()).getCapabilitiesList()).containsExactlyInAnyOrder(
        PluginCapability.newBuilder().setService(PluginCapability.Service.newBuilder().setType(PluginCapability.Service.Type.CONTROLLER_SERVICE)).build(),
        PluginCapability.newBuilder().setVolumeExpansion(PluginCapability.VolumeExpansion.newBuilder().setType(PluginCapability.VolumeExpansion.Type.ONLINE)).build());
    assertThat(f.identity.probe(ProbeRequest.getDefaultInstance()).getReady()).isEqualTo(BoolValue.of(true));
    assertThat(f.controller.controllerGetCapabilities(ControllerGetCapabilitiesRequest.getDefaultInstance()).getCapabilitiesList())
        .extracting(c -> c.getRpc().getType())
        .containsExactlyInAnyOrder(ControllerServiceCapability.RPC.Type.CREATE_DELETE_VOLUME, ControllerServiceCapability.RPC.Type.EXPAND_VOLUME);
  }

  @Test
  void createVolume_subdirWithQuota_idempotentByName() throws Exception {
    Volume v = f.controller.createVolume(create("pvc-1", GIB, 0).putParameters("team", "a").build()).getVolume();
    assertThat(v.getCapacityBytes()).isEqualTo(GIB);
    assertThat(v.getVolumeId()).isEqualTo("vol#delete#/pvc-1");
    assertThat(v.getVolumeContextMap()).containsEntry("subdir", "/pvc-1").containsEntry("volumeName", "vol").containsEntry("team", "a");
    assertThat(quotaOf("/pvc-1").maxSpace()).isEqualTo(GIB);
    // same name, same capacity: the same answer
    assertThat(f.controller.createVolume(create("pvc-1", GIB, 0).putParameters("team", "a").build()).getVolume()).isEqualTo(v);
    // same name, a range the existing capacity fits: the existing volume
    assertThat(f.controller.createVolume(create("pvc-1", GIB / 2, 2 * GIB).build()).getVolume().getCapacityBytes()).isEqualTo(GIB);
    // same name, an incompatible capacity
    assertStatus(() -> f.controller.createVolume(create("pvc-1", 2 * GIB, 0).build()), Status.Code.ALREADY_EXISTS, "pvc-1");
  }

  @Test
  void createVolume_ownerAndModeFromTheStorageClass() throws Exception {
    f.controller.createVolume(create("pvc-o", GIB, 0).putParameters("uid", "1000").putParameters("gid", "2000").putParameters("mode", "0750").build());
    try (MetaClient m = openMeta()) {
      var a = m.lookup(io.nectarfs.common.Ctx.ROOT, io.nectarfs.meta.Meta.ROOT, "pvc-o").attr();
      assertThat(a.uid()).isEqualTo(1000);
      assertThat(a.gid()).isEqualTo(2000);
      assertThat(a.mode() & 07777).isEqualTo(0750);
    }
    assertStatus(() -> f.controller.createVolume(create("pvc-o2", GIB, 0).putParameters("mode", "rwx").build()), Status.Code.INVALID_ARGUMENT,
        "mode=rwx is not an octal mode");
    assertThat(exists("/pvc-o2")).isFalse();
  }

  @Test
  void createVolume_capacityRanges() throws Exception {
    assertThat(f.controller.createVolume(create("only-limit", 0, 3 * GIB).build()).getVolume().getCapacityBytes()).isEqualTo(3 * GIB);
    assertThat(f.controller.createVolume(create("both", GIB, 3 * GIB).build()).getVolume().getCapacityBytes()).isEqualTo(GIB);
    assertThat(f.controller.createVolume(create("none", 0, 0).build()).getVolume().getCapacityBytes()).isZero();
    assertThat(quotaOf("/none")).isNull();
    assertThat(exists("/none")).isTrue();
    assertStatus(() -> f.controller.createVolume(create("bad", 3 * GIB, GIB).build()), Status.Code.OUT_OF_RANGE, "limit_bytes");
    assertThat(exists("/bad")).isFalse();
  }

  @Test
  void createVolume_pathPatternFromPvcMetadata() throws Exception {
    Volume v = f.controller.createVolume(create("pv-9", GIB, 0).putParameters("pathPattern", "k8s/${pvc.namespace}/${pvc.name}")
        .putParameters("csi.storage.k8s.io/pvc/name", "data").putParameters("csi.storage.k8s.io/pvc/namespace", "ml").build()).getVolume();
    assertThat(v.getVolumeContextMap()).containsEntry("subdir", "/k8s/ml/data").doesNotContainKey("csi.storage.k8s.io/pvc/name");
    assertThat(quotaOf("/k8s/ml/data").maxSpace()).isEqualTo(GIB);
    assertStatus(() -> f.controller.createVolume(create("pv-10", GIB, 0).putParameters("pathPattern", "${pvc.name}").build()),
        Status.Code.INVALID_ARGUMENT, "extra-create-metadata");
    assertStatus(() -> f.controller.createVolume(create("pv-11", GIB, 0).putParameters("pathPattern", "../x").build()),
        Status.Code.INVALID_ARGUMENT, "'..'");
  }

  @Test
  void createVolume_invalidArguments() {
    assertStatus(() -> f.controller.createVolume(create("", GIB, 0).build()), Status.Code.INVALID_ARGUMENT, "name missing");
    assertStatus(() -> f.controller.createVolume(create("x", GIB, 0).clearVolumeCapabilities().build()), Status.Code.INVALID_ARGUMENT,
        "volume_capabilities missing");
    VolumeCapability block = VolumeCapability.newBuilder().setBlock(VolumeCapability.BlockVolume.getDefaultInstance())
        .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)).build();
    assertStatus(() -> f.controller.createVolume(create("x", GIB, 0).clearVolumeCapabilities().addVolumeCapabilities(block).build()),
        Status.Code.INVALID_ARGUMENT, "block");
    assertStatus(() -> f.controller.createVolume(create("x", GIB, 0).putParameters("onDelete", "maybe").build()), Status.Code.INVALID_ARGUMENT,
        "onDelete=maybe: use delete or retain");
  }

  @Test
  void deleteVolume_removesTheSubdir_unknownIsSuccess_retainKeeps() throws Exception {
    String id = f.controller.createVolume(create("pvc-d", GIB, 0).build()).getVolume().getVolumeId();
    assertStatus(() -> f.controller.deleteVolume(DeleteVolumeRequest.newBuilder().putAllSecrets(f.secrets()).build()), Status.Code.INVALID_ARGUMENT,
        "volume_id missing");
    f.controller.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id).putAllSecrets(f.secrets()).build());
    assertThat(exists("/pvc-d")).isFalse();
    f.controller.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id).putAllSecrets(f.secrets()).build()); // again: success
    f.controller.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId("no-such-volume").build()); // not ours: success
    f.controller.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId("vol#delete#/never-made").putAllSecrets(f.secrets()).build());

    String kept = f.controller.createVolume(create("pvc-r", GIB, 0).putParameters("onDelete", "retain").build()).getVolume().getVolumeId();
    f.controller.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(kept).putAllSecrets(f.secrets()).build());
    assertThat(exists("/pvc-r")).isTrue();
  }

  @Test
  void deleteVolume_throughTheTrash_whenTheVolumeHasOne() throws Exception {
    String id = f.controller.createVolume(create("pvc-t", GIB, 0).build()).getVolume().getVolumeId();
    try (MetaClient m = openMeta()) {
      long dir = m.lookup(io.nectarfs.common.Ctx.ROOT, io.nectarfs.meta.Meta.ROOT, "pvc-t").ino();
      m.mknod(io.nectarfs.common.Ctx.ROOT, dir, "file-of-pvc-t", io.nectarfs.meta.FileType.FILE, 0644, 0, 0);
    }
    f.controller.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id).putAllSecrets(f.secrets()).build());
    assertThat(exists("/pvc-t")).isFalse();
    try (MetaClient m = openMeta()) {
      List<String> inTrash = new java.util.ArrayList<>();
      for (var hour : m.readdir(io.nectarfs.common.Ctx.ROOT, io.nectarfs.meta.Meta.TRASH, "", 100, false)) {
        m.readdir(io.nectarfs.common.Ctx.ROOT, hour.ino(), "", 100, false).forEach(e -> inTrash.add(e.name()));
      }
      assertThat(String.join(" ", inTrash)).contains("file-of-pvc-t");
    }
  }

  @Test
  void expandVolume_raisesTheQuota() throws Exception {
    String id = f.controller.createVolume(create("pvc-e", GIB, 0).build()).getVolume().getVolumeId();
    var r = f.controller.controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder().setVolumeId(id)
        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(2 * GIB)).putAllSecrets(f.secrets()).build());
    assertThat(r.getCapacityBytes()).isEqualTo(2 * GIB);
    assertThat(r.getNodeExpansionRequired()).isFalse();
    assertThat(quotaOf("/pvc-e").maxSpace()).isEqualTo(2 * GIB);
    // a smaller size never shrinks it
    assertThat(f.controller.controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder().setVolumeId(id)
        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(GIB)).putAllSecrets(f.secrets()).build()).getCapacityBytes()).isEqualTo(2 * GIB);
    assertStatus(() -> f.controller.controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(GIB)).build()), Status.Code.INVALID_ARGUMENT, "volume_id missing");
    assertStatus(() -> f.controller.controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder().setVolumeId(id).putAllSecrets(f.secrets()).build()),
        Status.Code.INVALID_ARGUMENT, "capacity_range missing");
    assertStatus(() -> f.controller.controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder().setVolumeId("vol#delete#/gone")
        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(GIB)).putAllSecrets(f.secrets()).build()), Status.Code.NOT_FOUND, "/gone");
  }

  @Test
  void validateVolumeCapabilities() throws Exception {
    String id = f.controller.createVolume(create("pvc-v", GIB, 0).build()).getVolume().getVolumeId();
    ValidateVolumeCapabilitiesResponse ok = f.controller.validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder()
        .setVolumeId(id).addVolumeCapabilities(rwx()).putAllSecrets(f.secrets()).build());
    assertThat(ok.hasConfirmed()).isTrue();
    assertThat(ok.getConfirmed().getVolumeCapabilitiesList()).containsExactly(rwx());
    VolumeCapability block = VolumeCapability.newBuilder().setBlock(VolumeCapability.BlockVolume.getDefaultInstance())
        .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)).build();
    ValidateVolumeCapabilitiesResponse no = f.controller.validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder()
        .setVolumeId(id).addVolumeCapabilities(block).build());
    assertThat(no.hasConfirmed()).isFalse();
    assertThat(no.getMessage()).contains("block");
    assertStatus(() -> f.controller.validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder().addVolumeCapabilities(rwx()).build()),
        Status.Code.INVALID_ARGUMENT, "volume_id missing");
    assertStatus(() -> f.controller.validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder().setVolumeId(id).build()),
        Status.Code.INVALID_ARGUMENT, "volume_capabilities missing");
    assertStatus(() -> f.controller.validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder().setVolumeId("vol#delete#/nope")
        .addVolumeCapabilities(rwx()).putAllSecrets(f.secrets()).build()), Status.Code.NOT_FOUND, "/nope");
    assertStatus(() -> f.controller.validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder().setVolumeId("what")
        .addVolumeCapabilities(rwx()).build()), Status.Code.NOT_FOUND, "what");
  }
}
