package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nectarfs.csi.mount.MountSpec;
import io.nectarfs.csi.mount.Mounter;
import io.nectarfs.csi.pod.NodePods;
import io.nectarfs.csi.pod.PodMounterConfig;
import io.nectarfs.csi.pod.PodMounters;
import io.nectarfs.fuse.FuseMount;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mount-pod mode with real mounts: the mock API server holds the pods, the test plays kubelet by
 * running the pod's mount as a local process ({@link MountMain}: a real FUSE mount at the mount
 * root) and the node service by bind-mounting a PV's subdirectory into two "pod" target paths.
 * When the mount process is killed, the "kubelet" restarts it and bumps the restart count; the
 * PodMounter notices and the bind mounts are made again, so the application reads on.
 */
class PodMountRecoveryTest {
  static final String NS = "nectarfs";
  static final String KEY = "mnt"; // MountMain mounts at <base>/mnt = <mount root>/<key>

  @TempDir Path tmp;
  MockCluster cluster;
  KubernetesClient client;
  Mounter mounter;
  Process mount;
  final List<Path> binds = new CopyOnWriteArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    if (mounter != null) {
      mounter.close();
    }
    for (Path t : binds) {
      umount(t);
    }
    if (mount != null) {
      mount.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    Path mnt = tmp.resolve("vol").resolve(KEY);
    if (FuseMount.isMounted(mnt)) {
      FuseMount.unmount(mnt, true, false);
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aKilledMountPodComesBackAndTheTargetsAreBoundAgain() throws Exception {
    MountedVolume.requireFuse();
    cluster = MockCluster.start();
    client = cluster.client;
    Path root = tmp.resolve("vol");
    PodMounterConfig config = PodMounterConfig.forNode("node-1").withNamespace(NS).withMountRoot(root)
        .withCheckInterval(Duration.ofMillis(200)).withReadyTimeout(Duration.ofSeconds(120));
    NodePods nodePods = cluster.nodePods(NS);
    mounter = PodMounters.create(client, nodePods, config);
    Path t1 = Files.createDirectories(tmp.resolve("pods/a/volumes/pv1/mount"));
    Path t2 = Files.createDirectories(tmp.resolve("pods/b/volumes/pv1/mount"));
    List<String> remounts = new CopyOnWriteArrayList<>();
    mounter.onRemount((key, mountPoint) -> { // the node service: bind every target again
      try {
        for (Path t : List.of(t1, t2)) {
          umount(t);
          bind(mountPoint.resolve("pv1"), t);
        }
        remounts.add(key);
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    MountSpec spec = new MountSpec(KEY, "it-vol", Map.of("META_URL", "sqlite3://" + root.resolve("meta.db")), List.of(), Map.of());
    String podName = "nectar-mount-node-1-" + KEY;

    CompletableFuture<Path> first = CompletableFuture.supplyAsync(() -> acquire(spec, t1.toString()));
    awaitPod(podName);
    mount = startMount(root, "fresh"); // kubelet starts the container
    markReady(podName, 0);
    Path mp = first.get(120, TimeUnit.SECONDS);
    assertThat(mounter.acquire(spec, t2.toString())).isEqualTo(mp);
    assertThat(client.pods().inNamespace(NS).list().getItems()).hasSize(1);
    Files.createDirectories(mp.resolve("pv1"));
    bind(mp.resolve("pv1"), t1);
    bind(mp.resolve("pv1"), t2);
    sh(t1, "echo hello > f && sync");
    assertThat(sh(t2, "cat f").trim()).isEqualTo("hello");

    mount.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // the mount pod's process dies
    assertThat(run("cat", t2.resolve("f").toString()).trim()).contains("Transport endpoint is not connected");
    FuseMount.unmount(mp, true, false); // kubelet restarts the container, which mounts again
    mount = startMount(root, "again");
    markReady(podName, 1);

    await(() -> !remounts.isEmpty(), "the remount listener is called");
    assertThat(remounts).containsExactly(KEY);
    assertThat(sh(t1, "cat f").trim()).isEqualTo("hello");
    assertThat(sh(t2, "cat f").trim()).isEqualTo("hello");
    sh(t2, "echo again >> f");
    assertThat(sh(t1, "cat f")).isEqualTo("hello\nagain\n");
    assertThat(mounter.references(KEY)).containsExactlyInAnyOrder(t1.toString(), t2.toString());
  }

  private Path acquire(MountSpec spec, String ref) {
    try {
      return mounter.acquire(spec, ref);
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  private void awaitPod(String name) {
    client.pods().inNamespace(NS).withName(name).waitUntilCondition(Objects::nonNull, 120, TimeUnit.SECONDS);
  }

  private void markReady(String name, int restarts) {
    cluster.markReady(NS, name, restarts);
  }

  /** Runs the mount as the pod's container would: a separate process serving FUSE at root/mnt. */
  private Process startMount(Path root, String mode) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        MountMain.class.getName(), root.toString()));
    if (mode.equals("again")) {
      cmd.add("again");
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
    String line;
    while ((line = r.readLine()) != null && !line.startsWith("mounted")) {
      // startup output
    }
    assertThat(line).as("the mount process started").isNotNull();
    Thread.ofVirtual().start(() -> { // keep draining so the child never blocks on a full pipe
      try {
        while (r.readLine() != null) {
          // discard
        }
      } catch (IOException ignored) {
        // the process ended
      }
    });
    return p;
  }

  private void bind(Path source, Path target) throws IOException {
    run("mount", "--bind", source.toString(), target.toString());
    binds.add(target);
  }

  private static void umount(Path target) throws IOException {
    while (run("umount", "-l", target.toString()).isEmpty()) {
      // recovery may have stacked binds: take them all away
    }
  }

  /** Runs a program; returns "" on success, else its output (never throws on a non-zero exit). */
  private static String run(String... cmd) throws IOException {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      return p.waitFor() == 0 ? "" : out.isEmpty() ? "exit " + p.exitValue() : out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("waited 120 s until " + what).isNegative();
      Thread.sleep(50);
    }
  }
}
