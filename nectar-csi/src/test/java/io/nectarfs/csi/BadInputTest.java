package io.nectarfs.csi;

import static io.nectarfs.csi.ControllerConformanceTest.assertStatus;
import static io.nectarfs.csi.CsiFixture.rwx;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.nectarfs.csi.proto.CapacityRange;
import io.nectarfs.csi.proto.CreateVolumeRequest;
import io.nectarfs.csi.proto.DeleteVolumeRequest;
import io.nectarfs.csi.proto.NodePublishVolumeRequest;
import io.nectarfs.testkit.TestServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * A StorageClass without its secret, a wrong metadata URL, an unreachable engine: the right status,
 * a message that names the problem, nothing half-created, and the retry succeeds once fixed.
 */
class BadInputTest {
  @TempDir Path tmp;
  CsiFixture f;
  FakeMounter mounter;

  @BeforeEach
  void start() throws Exception {
    mounter = new FakeMounter(tmp.resolve("mounts"));
    f = new CsiFixture(tmp, mounter);
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  private CreateVolumeRequest request(Map<String, String> secrets) {
    return CreateVolumeRequest.newBuilder().setName("pvc-x").addVolumeCapabilities(rwx())
        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(1 << 30)).putAllSecrets(secrets).build();
  }

  @Test
  void missingSecret_namesIt_thenTheRetrySucceeds() {
    assertStatus(() -> f.controller.createVolume(request(Map.of())), Status.Code.INVALID_ARGUMENT, "missing secret META_URL");
    assertStatus(() -> f.controller.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId("vol#delete#/pvc-x").build()),
        Status.Code.INVALID_ARGUMENT, "missing secret META_URL");
    assertStatus(() -> f.node.nodePublishVolume(NodePublishVolumeRequest.newBuilder().setVolumeId("vol#delete#/pvc-x")
        .setTargetPath(tmp.resolve("t").toString()).setVolumeCapability(rwx()).build()), Status.Code.INVALID_ARGUMENT, "missing secret META_URL");
    assertThat(mounter.refs).isEmpty();
    assertThat(f.controller.createVolume(request(f.secrets())).getVolume().getCapacityBytes()).isEqualTo(1 << 30);
  }

  @Test
  void metaUrlFromAFile_asTheCliReadsSecrets() throws Exception {
    Path file = Files.writeString(tmp.resolve("meta-url"), f.metaUrl + "\n");
    assertThat(f.controller.createVolume(request(Map.of("META_URL_FILE", file.toString()))).getVolume().getVolumeId()).isEqualTo("vol#delete#/pvc-x");
  }

  @Test
  void wrongMetaUrl_namesTheProblem() {
    assertStatus(() -> f.controller.createVolume(request(Map.of("META_URL", "sqlite3://" + tmp.resolve("not-formatted.db")))),
        Status.Code.FAILED_PRECONDITION, "not-formatted.db");
    assertStatus(() -> f.controller.createVolume(request(Map.of("META_URL", "nosuch://host/x"))), Status.Code.FAILED_PRECONDITION,
        "unknown metadata engine 'nosuch'");
    // a wrong URL never got as far as creating anything; the right one works
    assertThat(f.controller.createVolume(request(f.secrets())).getVolume().getVolumeId()).isEqualTo("vol#delete#/pvc-x");
  }

  @Test
  void unreachableEngine_isUnavailable_withoutItsPassword() {
    assertStatus(() -> f.controller.createVolume(request(Map.of("META_URL", "redis://:hunter2@127.0.0.1:1/1"))), Status.Code.UNAVAILABLE,
        "unreachable");
    try {
      f.controller.createVolume(request(Map.of("META_URL", "redis://:hunter2@127.0.0.1:1/1")));
    } catch (io.grpc.StatusRuntimeException e) {
      assertThat(e.getStatus().getDescription()).doesNotContain("hunter2");
    }
  }

  @Test
  void redisVolume_createExpandDelete() throws Exception {
    String base = TestServices.require(TestServices.REDIS);
    String url = base.substring(0, base.lastIndexOf('/')) + "/13";
    try (Jedis j = new Jedis(java.net.URI.create(url))) {
      j.flushDB();
    }
    io.nectarfs.volume.Volumes.format(url, io.nectarfs.meta.Format.builder("rvol", "file://" + tmp.resolve("rstore")).createdMillis(System.currentTimeMillis()).build(),
        io.nectarfs.volume.FormatRequest.defaults().withSecrets(new io.nectarfs.common.Secrets(Map.of())));
    String id = f.controller.createVolume(request(Map.of("META_URL", url))).getVolume().getVolumeId();
    assertThat(id).isEqualTo("rvol#delete#/pvc-x");
    assertThat(f.controller.createVolume(request(Map.of("META_URL", url))).getVolume().getVolumeId()).isEqualTo(id);
    assertThat(f.controller.controllerExpandVolume(io.nectarfs.csi.proto.ControllerExpandVolumeRequest.newBuilder().setVolumeId(id)
        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(2L << 30)).putSecrets("META_URL", url).build()).getCapacityBytes()).isEqualTo(2L << 30);
    f.controller.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id).putSecrets("META_URL", url).build());
    // the secret of another volume: refused, not deleted somewhere else
    assertStatus(() -> f.controller.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id).putAllSecrets(f.secrets()).build()),
        Status.Code.INVALID_ARGUMENT, "names volume rvol but the secret's META_URL is volume vol");
    try (Jedis j = new Jedis(java.net.URI.create(url))) {
      j.flushDB();
    }
  }
}
