package io.nectarfs.csi.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nectarfs.csi.mount.MountSpec;
import io.nectarfs.testkit.meta.TestClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mount-pod mounter against the fabric8 mock API server (CRUD mode), the test playing kubelet. */
class PodMounterTest {
  static final String NS = "nectarfs";
  static final String NODE = "node-1";
  static final String PASSWORD = "pa55-Wd-xyzzy";
  static final String STORAGE_KEY = "sk-very-secret-0123";

  KubernetesMockServer server;
  KubernetesClient client;
  FakeKubelet kubelet;
  TestClock clock = new TestClock();
  @TempDir Path root;
  PodMounter mounter;
  List<String> remounts = new ArrayList<>();

  @BeforeEach
  void start() {
    server = MockApi.start();
    client = server.createClient();
    kubelet = new FakeKubelet(client, NS);
    PodMounterConfig config = PodMounterConfig.forNode(NODE).withNamespace(NS).withMountRoot(root).withClock(clock)
        .withGrace(Duration.ofSeconds(30)).withReadyTimeout(Duration.ofSeconds(60)).withCheckInterval(Duration.ZERO)
        .withMountAnswers(p -> true);
    mounter = new PodMounter(client, kubelet, config);
    mounter.onRemount((key, mp) -> remounts.add(key + "@" + mp));
  }

  @AfterEach
  void stop() {
    mounter.close();
    client.close();
    MockApi.stop(server);
  }

  static MountSpec spec(String key) {
    return new MountSpec(key, "Vol.One", Map.of("META_URL", "redis://:" + PASSWORD + "@redis.example:6379/1", "STORAGE_SECRET_KEY", STORAGE_KEY),
        List.of("--cache-size=10G"), Map.of(PodMounterConfig.IMAGE, "registry.example/nectar:1.2", PodMounterConfig.CPU_REQUEST, "2"));
  }

  CompletableFuture<Path> acquireAsync(MountSpec spec, String ref) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return mounter.acquire(spec, ref);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  Path acquireReady(MountSpec spec, String ref) throws Exception {
    CompletableFuture<Path> f = acquireAsync(spec, ref);
    kubelet.ready(mounter.podName(spec.key()), 0);
    return f.get(60, TimeUnit.SECONDS);
  }

  Pod pod(String key) {
    return client.pods().inNamespace(NS).withName(mounter.podName(key)).get();
  }

  @Test
  void anUpgradeAnnotation_withoutDescriptorKeepers_isRefused_andRemoved_andTheImageStays() throws Exception {
    acquireReady(spec("vol-up"), "/var/lib/kubelet/pods/u1/volumes/kubernetes.io~csi/pv1/mount");
    mounter.editAnnotations(mounter.podName("vol-up"), a -> a.put(MountPods.UPGRADE_IMAGE, "registry.example/nectar:2.0"));
    mounter.check();
    Pod after = client.pods().inNamespace(NS).withName(mounter.podName("vol-up"))
        .waitUntilCondition(p -> !p.getMetadata().getAnnotations().containsKey(MountPods.UPGRADE_IMAGE), 60, TimeUnit.SECONDS);
    assertThat(after.getSpec().getContainers().getFirst().getImage()).as("a restart without a keeper would end the mount")
        .isEqualTo("registry.example/nectar:1.2");
  }

  @Test
  void createdPodHasImageResourcesPrivilegesPropagationLabelsAndOnlySecretReferences() throws Exception {
    client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("nectar-csi-config").endMetadata()
        .withData(Map.of(PodMounterConfig.MEMORY_LIMIT, "3Gi", PodMounterConfig.IMAGE, "ignored/because-the-storage-class-names-one")).build()).create();

    Path mp = acquireReady(spec("vol-one-abc"), "/var/lib/kubelet/pods/u1/volumes/kubernetes.io~csi/pv1/mount");

    assertThat(mp).isEqualTo(root.resolve("vol-one-abc"));
    Pod pod = pod("vol-one-abc");
    assertThat(pod.getMetadata().getName()).isEqualTo("nectar-mount-node-1-vol-one-abc");
    assertThat(pod.getMetadata().getLabels()).containsEntry("app.kubernetes.io/name", "nectar-mount")
        .containsEntry("nectarfs.io/key", "vol-one-abc").containsEntry("nectarfs.io/node", NODE).containsKey("nectarfs.io/volume");
    assertThat(pod.getSpec().getNodeName()).isEqualTo(NODE);
    assertThat(pod.getSpec().getShareProcessNamespace()).as("PID 1 is the pause process, which reaps orphans").isTrue();
    Container c = pod.getSpec().getContainers().getFirst();
    assertThat(c.getImage()).isEqualTo("registry.example/nectar:1.2");
    assertThat(c.getCommand()).containsSubsequence("nectar", "mount", "--foreground-child", "redis://:****@redis.example:6379/1",
        root.resolve("vol-one-abc").toString(), "--cache-size=10G");
    assertThat(c.getResources().getRequests()).containsEntry("cpu", new Quantity("2")).containsEntry("memory", new Quantity("1Gi"));
    assertThat(c.getResources().getLimits()).containsEntry("memory", new Quantity("3Gi"));
    assertThat(c.getSecurityContext().getPrivileged()).isTrue();
    assertThat(c.getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo(root.toString());
      assertThat(m.getMountPropagation()).isEqualTo("Bidirectional");
    });
    assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> assertThat(v.getHostPath().getPath()).isEqualTo(root.toString()));
    assertThat(c.getCommand()).contains("--cache-dir=/var/lib/nectarfs/cache/vol-one-abc");
    assertThat(c.getCommand()).as("metrics on the pod's IP").contains("--metrics=0.0.0.0:9567");
    assertThat(c.getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("metrics");
      assertThat(p.getContainerPort()).isEqualTo(9567);
    });
    assertThat(pod.getMetadata().getAnnotations()).containsEntry("prometheus.io/scrape", "true").containsEntry("prometheus.io/port", "9567");
    assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/var/lib/nectarfs/cache"));
    assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> assertThat(v.getHostPath().getPath()).isEqualTo("/var/lib/nectarfs/cache"));
    assertThat(c.getReadinessProbe().getExec().getCommand()).contains(root.resolve("vol-one-abc").toString());
    assertThat(c.getLifecycle().getPreStop().getExec().getCommand()).containsExactly("nectar", "umount", root.resolve("vol-one-abc").toString());
    String secretName = MountPods.secretName(pod.getMetadata().getName());
    assertThat(c.getEnv()).extracting(EnvVar::getName).containsExactlyInAnyOrder("NECTAR_MOUNT_META_URL", "STORAGE_SECRET_KEY");
    assertThat(c.getEnv()).allSatisfy(e -> {
      assertThat(e.getValue()).isNull();
      assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo(secretName);
    });

    String podJson = Serialization.asJson(pod);
    assertThat(podJson).doesNotContain(PASSWORD).doesNotContain(STORAGE_KEY);
    Secret secret = client.secrets().inNamespace(NS).withName(secretName).get();
    assertThat(new String(Base64.getDecoder().decode(secret.getData().get("STORAGE_SECRET_KEY")), StandardCharsets.UTF_8)).isEqualTo(STORAGE_KEY);
    assertThat(Serialization.asJson(secret.getMetadata())).doesNotContain(PASSWORD).doesNotContain(STORAGE_KEY);
    assertThat(secret.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(pod.getMetadata().getUid()));
    assertThat(client.v1().events().inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void onePodServesTwoReferencesAndGoesOneGracePeriodAfterTheLast() throws Exception {
    acquireReady(spec("k1"), "/t/a");
    Path second = mounter.acquire(spec("k1"), "/t/b"); // the pod is ready already
    mounter.acquire(spec("k1"), "/t/a"); // idempotent

    assertThat(second).isEqualTo(root.resolve("k1"));
    assertThat(client.pods().inNamespace(NS).list().getItems()).hasSize(1);
    assertThat(mounter.references("k1")).containsExactlyInAnyOrder("/t/a", "/t/b");

    mounter.release("k1", "/t/a");
    mounter.release("k1", "/t/unknown");
    assertThat(mounter.references("k1")).containsExactly("/t/b");
    mounter.release("k1", "/t/b");
    assertThat(mounter.references("k1")).isEmpty();

    clock.advance(Duration.ofSeconds(29));
    mounter.check();
    assertThat(pod("k1")).as("kept during the grace period").isNotNull();

    clock.advance(Duration.ofSeconds(2));
    mounter.check();
    assertThat(pod("k1")).isNull();
    assertThat(client.secrets().inNamespace(NS).withName(MountPods.secretName(mounter.podName("k1"))).get()).isNull();
  }

  @Test
  void acquireWithinTheGracePeriodKeepsThePod() throws Exception {
    acquireReady(spec("k1"), "/t/a");
    String uid = pod("k1").getMetadata().getUid();
    mounter.release("k1", "/t/a");
    clock.advance(Duration.ofSeconds(20));

    mounter.acquire(spec("k1"), "/t/c");
    clock.advance(Duration.ofSeconds(60));
    mounter.check();

    assertThat(pod("k1").getMetadata().getUid()).isEqualTo(uid);
    assertThat(pod("k1").getMetadata().getAnnotations()).doesNotContainKey(MountPods.IDLE_SINCE);
    assertThat(mounter.references("k1")).containsExactly("/t/c");
  }

  @Test
  void aConflictingUpdateOfTheAnnotationsIsRetried() throws Exception {
    acquireReady(spec("k1"), "/t/a");
    AtomicInteger writes = new AtomicInteger();
    mounter.beforeUpdate = () -> {
      if (writes.getAndIncrement() == 0) { // someone else writes between our read and our write
        client.pods().inNamespace(NS).withName(mounter.podName("k1"))
            .edit(p -> new PodBuilder(p).editMetadata().addToAnnotations("other.example/x", "1").endMetadata().build());
      }
    };

    mounter.acquire(spec("k1"), "/t/b");

    assertThat(writes.get()).isEqualTo(2);
    assertThat(mounter.references("k1")).containsExactlyInAnyOrder("/t/a", "/t/b");
    assertThat(pod("k1").getMetadata().getAnnotations()).containsEntry("other.example/x", "1");
  }

  @Test
  void aPodCreatedMeanwhileByAnotherWriterIsJoinedNotReplaced() throws Exception {
    mounter.beforeCreate = () -> { // another node plugin creates the pod first, with its own reference
      Pod theirs = MountPods.pod(spec("k1"), "/t/theirs", PodMounterConfig.forNode(NODE).withNamespace(NS).withMountRoot(root),
          MountPods.settings(spec("k1").parameters(), Map.of(), PodMounterConfig.forNode(NODE).defaults()));
      client.pods().inNamespace(NS).resource(theirs).create();
    };
    CompletableFuture<Path> f = acquireAsync(spec("k1"), "/t/a");
    kubelet.ready(mounter.podName("k1"), 0);

    assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(root.resolve("k1"));
    assertThat(mounter.references("k1")).containsExactlyInAnyOrder("/t/theirs", "/t/a");
  }

  @Test
  void aRestartedOrRecreatedMountPodIsReportedAsARemount() throws Exception {
    acquireReady(spec("k1"), "/t/a");
    mounter.check();
    assertThat(remounts).isEmpty();

    kubelet.ready(mounter.podName("k1"), 1); // the mount container restarted
    mounter.check();
    assertThat(remounts).containsExactly("k1@" + root.resolve("k1"));

    client.pods().inNamespace(NS).withName(mounter.podName("k1")).delete(); // evicted
    mounter.check(); // recreated with its references
    assertThat(mounter.references("k1")).containsExactly("/t/a");
    kubelet.ready(mounter.podName("k1"), 0);
    mounter.check();
    assertThat(remounts).hasSize(2);
  }

  @Test
  void aCheckDoesNotWaitForAnAcquireThatWaitsForItsPod() throws Exception {
    acquireReady(spec("k1"), "/t/a");
    mounter.check();
    CompletableFuture<Path> slow = acquireAsync(spec("k2"), "/t/b"); // its pod never becomes ready
    kubelet.awaitCreated(mounter.podName("k2"));
    kubelet.ready(mounter.podName("k1"), 1);

    mounter.check();

    assertThat(remounts).as("k1 was checked").containsExactly("k1@" + root.resolve("k1"));
    assertThat(slow).as("while k2's acquire still waits").isNotDone();
    kubelet.ready(mounter.podName("k2"), 0);
    assertThat(slow.get(60, TimeUnit.SECONDS)).isEqualTo(root.resolve("k2"));
  }

  @Test
  void aListenerThatFailsIsToldAgainAtTheNextCheck() throws Exception {
    acquireReady(spec("k1"), "/t/a");
    mounter.check();
    AtomicInteger calls = new AtomicInteger();
    mounter.onRemount((key, mp) -> {
      if (calls.incrementAndGet() == 1) {
        throw new IllegalStateException("bind failed");
      }
    });

    kubelet.ready(mounter.podName("k1"), 1);
    mounter.check();
    mounter.check();
    mounter.check();

    assertThat(calls.get()).isEqualTo(2);
  }

  @Test
  void anImagePullFailureNamesTheImageAndLeavesNothingBehind() {
    CompletableFuture<Path> f = acquireAsync(spec("k1"), "/t/a");
    kubelet.waiting(mounter.podName("k1"), "ImagePullBackOff", "Back-off pulling image \"registry.example/nectar:1.2\"", null);

    assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).rootCause()
        .hasMessageContaining("mount pod nectarfs/nectar-mount-node-1-k1 cannot pull image").hasMessageContaining("ImagePullBackOff");
    assertThat(pod("k1")).isNull();
    assertThat(client.secrets().inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void aCrashLoopNamesTheLastLineTheMountWrote() throws Exception {
    acquireReady(spec("k1"), "/t/a"); // another reference keeps the pod
    kubelet.waiting(mounter.podName("k1"), "CrashLoopBackOff", "back-off 40s",
        "starting\nmetadata engine redis://:****@redis.example:6379/1 unreachable: connection refused\n");

    assertThatThrownBy(() -> mounter.acquire(spec("k1"), "/t/b"))
        .hasMessageContaining("CrashLoopBackOff").hasMessageEndingWith("unreachable: connection refused");
    assertThat(mounter.references("k1")).containsExactly("/t/a");
  }

  @Test
  void aSpecWithoutMetadataUrlCreatesNothing() {
    MountSpec bad = new MountSpec("k1", "v", Map.of(), List.of(), Map.of());

    assertThatThrownBy(() -> mounter.acquire(bad, "/t/a")).hasMessageContaining("META_URL");
    assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void longNamesAreCutToADnsLabelAndStayUnique() {
    String a = MountPods.podName("ip-10-0-0-1.eu-west-1.compute.internal", "volume-with-a-rather-long-name-0123456789");
    String b = MountPods.podName("ip-10-0-0-1.eu-west-1.compute.internal", "volume-with-a-rather-long-name-0123456789x");

    assertThat(a).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?").isNotEqualTo(b);
  }
}
