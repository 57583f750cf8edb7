package io.nectarfs.csi;

import static io.nectarfs.csi.ControllerConformanceTest.assertStatus;
import static io.nectarfs.csi.CsiFixture.rwx;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.grpc.Status;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.csi.proto.CreateVolumeRequest;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-claim owner and mode: CreateVolume reads the claim named by the external-provisioner's
 * {@code csi.storage.k8s.io/pvc/*} parameters from the API server (the fabric8 mock in CRUD mode)
 * and its {@code nectarfs.io/*} annotations override the StorageClass's parameters.
 */
class PvcAnnotationsTest {
  @TempDir Path tmp;
  KubernetesMockServer api;
  KubernetesClient client;
  CsiFixture f;

  @BeforeEach
  void start() throws Exception {
    api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    api.init();
    client = api.createClient();
    f = new CsiFixture(tmp, CsiFixture.formatted(tmp, "vol"), null, PvcAnnotations.fromApiServer(client));
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
    client.close();
    destroyApi();
  }

  private void destroyApi() {
    if (api == null) {
      return;
    }
    try {
      api.destroy();
    } catch (IllegalStateException e) {
      // the mock's shutdown gives up on idle connections after a fixed wait: nothing to do with the test
    }
    api = null;
  }

  private CreateVolumeRequest.Builder create(String pv, String namespace, String claim) {
    return CreateVolumeRequest.newBuilder().setName(pv).addVolumeCapabilities(rwx()).putAllSecrets(f.secrets())
        .putParameters("uid", "1000").putParameters("gid", "2000").putParameters("mode", "0750")
        .putParameters("csi.storage.k8s.io/pvc/name", claim).putParameters("csi.storage.k8s.io/pvc/namespace", namespace);
  }

  private Attr attrOf(String name) throws Exception {
    try (MetaClient m = Volume.openMeta(f.metaUrl, VolumeOptions.defaults().withSecrets(new Secrets(Map.of())).withBackgroundJobs(false))) {
      return m.lookup(Ctx.ROOT, Meta.ROOT, name).attr();
    }
  }

  @Test
  void claimAnnotationsOverrideTheStorageClass() throws Exception {
    client.persistentVolumeClaims().inNamespace("team-a").resource(new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName("data").withNamespace("team-a")
        .addToAnnotations(PvcAnnotations.UID, "3000").addToAnnotations(PvcAnnotations.MODE, "0700").endMetadata().build()).create();

    f.controller.createVolume(create("pvc-1", "team-a", "data").build());

    Attr a = attrOf("pvc-1");
    assertThat(a.uid()).isEqualTo(3000); // the claim's
    assertThat(a.gid()).isEqualTo(2000); // the StorageClass's: the claim does not say
    assertThat(a.mode() & 07777).isEqualTo(0700);
  }

  @Test
  void aClaimWithoutAnnotationsKeepsTheStorageClassSettings() throws Exception {
    client.persistentVolumeClaims().inNamespace("team-a").resource(new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName("plain").withNamespace("team-a").endMetadata().build()).create();

    f.controller.createVolume(create("pvc-2", "team-a", "plain").build());

    Attr a = attrOf("pvc-2");
    assertThat(a.uid()).isEqualTo(1000);
    assertThat(a.mode() & 07777).isEqualTo(0750);
  }

  @Test
  void aBadAnnotationIsRefusedAndCreatesNothing() throws Exception {
    client.persistentVolumeClaims().inNamespace("team-a").resource(new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName("bad").withNamespace("team-a").addToAnnotations(PvcAnnotations.MODE, "rwx").endMetadata().build()).create();

    assertStatus(() -> f.controller.createVolume(create("pvc-3", "team-a", "bad").build()), Status.Code.INVALID_ARGUMENT, "rwx");
    try (MetaClient m = Volume.openMeta(f.metaUrl, VolumeOptions.defaults().withSecrets(new Secrets(Map.of())).withBackgroundJobs(false))) {
      assertThat(ControllerService.existing(new io.nectarfs.meta.MetaAdmin(m), "/pvc-3")).isZero();
    }
  }

  @Test
  void anUnreachableApiServerIsUnavailableAndCreatesNothing() throws Exception {
    destroyApi();
    assertStatus(() -> f.controller.createVolume(create("pvc-4", "team-a", "data").build()), Status.Code.UNAVAILABLE,
        "PersistentVolumeClaim team-a/data");
    try (MetaClient m = Volume.openMeta(f.metaUrl, VolumeOptions.defaults().withSecrets(new Secrets(Map.of())).withBackgroundJobs(false))) {
      assertThat(ControllerService.existing(new io.nectarfs.meta.MetaAdmin(m), "/pvc-4")).isZero();
    }
  }
}
