package io.nectarfs.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nectarfs.cli.PodKeepers;
import io.nectarfs.csi.mount.MountSpec;
import io.nectarfs.csi.mount.Mounter;
import io.nectarfs.csi.pod.MountPods;
import io.nectarfs.csi.pod.NodePods;
import io.nectarfs.csi.pod.PodMounterConfig;
import io.nectarfs.csi.pod.PodMounters;
import io.nectarfs.fuse.FuseMount;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #17 for mount pods: the container's {@code nectar mount} is a keeper with a worker and a
 * standby, and relays the mount to the node plugin's keeper ({@link PodKeepers}, in this test's
 * JVM, which plays the node plugin). A crash of the worker alone is recovered in the container by
 * its standby (well under a second); killing the whole container (SIGKILL of its processes)
 * loses nothing either: the mount point, the bind mount into the application pod and the
 * program's open files stay, the kubelet's next container (the pod's own command, run here as a
 * process) recovers the mount from the node plugin's keeper, and the program sees no error, keeps
 * its lock and loses no acknowledged write. A restart of the node plugin (its keepers end) leaves
 * the mount serving; it attaches to the next keeper with its open handles, so a second kill is
 * recovered too. Before the keepers, one kill gave the program ENOTCONN ({@link
 * PodMountRecoveryTest}).
 */
class PodKeeperRecoveryTest {
  static final String NS = "nectarfs";
  static final String KEY = "nectar-it-vol-0a1b2c";
  private static final Pattern RESULT = Pattern.compile("nectar-recovery-result (\\{.*\\})");

  @TempDir Path tmp;
  MockCluster cluster;
  KubernetesClient client;
  Mounter mounter;
  PodKeepers keepers;
  Workload program;
  final List<Process> containers = new CopyOnWriteArrayList<>();
  /** What each container printed (its keeper's, worker's and standby's standard output). */
  final Map<Process, StringBuffer> outputs = new java.util.concurrent.ConcurrentHashMap<>();
  final List<Path> binds = new CopyOnWriteArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    if (program != null) {
      program.close();
    }
    if (mounter != null) {
      mounter.close();
    }
    for (Path t : binds) {
      run("umount", "-l", t.toString());
    }
    for (Process p : containers) {
      p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (keepers != null) {
      keepers.release(KEY);
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
  void aKilledMountContainer_leavesTheMountHeld_andTheNextContainerRecoversIt_withoutAnErrorInTheProgram() throws Exception {
    MountedVolume.requireFuse();
    String meta = "sqlite3://" + tmp.resolve("vol.db");
    nectar("format", meta, "vol", "--storage", "file://" + tmp.resolve("data"), "--trash-days", "0");
    cluster = MockCluster.start();
    client = cluster.client;
    Path root = tmp.resolve("vol");
    PodMounterConfig config = PodMounterConfig.forNode("node-1").withNamespace(NS).withMountRoot(root)
        .withDefaults(Map.of(PodMounterConfig.IMAGE, "nectar:test"))
        .withCheckInterval(Duration.ofMillis(200)).withReadyTimeout(Duration.ofSeconds(120)).withGrace(Duration.ZERO);
    NodePods nodePods = cluster.nodePods(NS);
    keepers = PodKeepers.open(tmp.resolve("keepers"));
    mounter = PodMounters.create(client, nodePods, config, keepers);
    MountSpec spec = new MountSpec(KEY, "it-vol", Map.of("META_URL", meta),
        List.of("--cache-dir=" + tmp.resolve("cache"), "--metrics=127.0.0.1:0"), Map.of());
    String podName = "nectar-mount-node-1-" + KEY;

    CompletableFuture<Path> first = CompletableFuture.supplyAsync(() -> acquire(spec, "target-a"));
    Pod pod = client.pods().inNamespace(NS).withName(podName).waitUntilCondition(Objects::nonNull, 120, TimeUnit.SECONDS);
    Container c = pod.getSpec().getContainers().getFirst();
    Path socket = tmp.resolve("keepers").resolve(KEY + ".sock");
    assertThat(c.getCommand()).as("the mount attaches to the node plugin's keeper").contains("--keeper-socket=" + socket);
    assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> assertThat(v.getHostPath().getPath()).isEqualTo(socket.getParent().toString()));
    assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo(socket.getParent().toString()));

    startContainer(c, meta, "mounted at"); // the kubelet starts the container
    markReady(podName, 0);
    Path mp = first.get(120, TimeUnit.SECONDS);
    Path data = Files.createDirectories(mp.resolve("pv1"));
    Path target = Files.createDirectories(tmp.resolve("pods/a/volumes/pv1/mount"));
    bind(data, target); // the node service publishes the volume into the application pod
    byte[] big = new byte[8 << 20];
    new java.util.Random(5).nextBytes(big);
    Files.write(target.resolve("big"), big);
    program = Workload.start(tmp, target);
    String before = program.goesOnFrom(program.status(), "the start");

    // The server alone dies (out of memory, a crash): the container's standby recovers the mount.
    Process container = containers.getFirst();
    await(() -> STANDBY_READY.matcher(outputs.get(container)).find(), "the container's standby is ready");
    long worker = workerPid(container);
    ProcessHandle.of(worker).orElseThrow().destroyForcibly(); // SIGKILL
    await(() -> RESULT.matcher(outputs.get(container)).find(), "the standby recovers the mount");
    Matcher local = RESULT.matcher(outputs.get(container));
    assertThat(local.find()).isTrue();
    assertThat(local.group(1)).contains("\"lost_writes\":0");
    System.out.println("recovered in the container after its server's kill: " + local.group(1)); // the pause, for the record
    assertThat(container.isAlive()).as("the container goes on").isTrue();
    assertThat(workerPid(container)).isNotEqualTo(worker);
    await(() -> keepers.serving(KEY), "the node plugin's keeper has the mount of the new server");
    assertThat(keepers.held(KEY)).isFalse();
    before = program.goesOnFrom(before, "the recovery in the container");

    killContainer(container); // the container dies: SIGKILL of its processes, no unmount
    assertThat(container.waitFor(2, TimeUnit.MINUTES)).isTrue();
    await(() -> keepers.held(KEY), "the node plugin's keeper holds the mount");
    assertThat(FuseMount.isMounted(mp)).as("the mount point stays while no server runs").isTrue();

    String recovered = startContainer(c, meta, "nectar-recovery-result"); // the kubelet restarts the container
    markReady(podName, 1);
    Matcher m = RESULT.matcher(recovered);
    assertThat(m.find()).as(recovered).isTrue();
    assertThat(m.group(1)).contains("\"lost_writes\":0");
    System.out.println("recovered after the container's kill: " + m.group(1)); // the pause, for the record
    assertThat(keepers.held(KEY)).isFalse();

    String after = program.goesOnFrom(before, "the recovery");
    assertThat(Workload.tryLock(target.resolve("locked"))).as("the program's lock is still held").startsWith("refused");
    assertThat(after).contains("lost 0");

    // The node plugin restarts (its keepers end with it): the mount serves on, and attaches again,
    // with its open handles, to the keeper the next pod check starts; a crash after that is recovered too.
    keepers.release(KEY);
    await(() -> keepers.serving(KEY), "the mount attaches to the node plugin's next keeper");
    after = program.goesOnFrom(after, "the node plugin's restart");
    killContainer(containers.getLast());
    assertThat(containers.getLast().waitFor(2, TimeUnit.MINUTES)).isTrue();
    await(() -> keepers.held(KEY), "the next keeper holds the mount");
    m = RESULT.matcher(startContainer(c, meta, "nectar-recovery-result"));
    markReady(podName, 2);
    assertThat(m.find()).isTrue();
    assertThat(m.group(1)).contains("\"lost_writes\":0").doesNotContain("\"handles\":0,");
    System.out.println("recovered after the node plugin's restart and a kill: " + m.group(1));
    after = program.goesOnFrom(after, "the second recovery");
    assertThat(Workload.tryLock(target.resolve("locked"))).as("the program's lock is still held").startsWith("refused");
    assertThat(after).contains("lost 0");

    // An administrator asks for a new image. The node plugin tells the keeper, then changes the
    // pod; the kubelet (this test) runs the stop hook, which leaves the mount, stops the container
    // (SIGTERM: its server hands the mount to the keeper), and starts one of the new image.
    annotate(podName, MountPods.UPGRADE_IMAGE, "nectar:next");
    Pod changed = client.pods().inNamespace(NS).withName(podName)
        .waitUntilCondition(p -> "nectar:next".equals(p.getSpec().getContainers().getFirst().getImage()), 120, TimeUnit.SECONDS);
    Container next = changed.getSpec().getContainers().getFirst();
    List<String> hook = new ArrayList<>(next.getLifecycle().getPreStop().getExec().getCommand());
    assertThat(hook).contains("--keeper-socket=" + socket);
    hook.set(0, GatewayProcess.launcher());
    assertThat(nectar(hook.subList(1, hook.size()).toArray(String[]::new))).contains("is not unmounted");
    assertThat(FuseMount.isMounted(mp)).isTrue();
    containers.getLast().destroy(); // SIGTERM to the container's main process
    assertThat(containers.getLast().waitFor(2, TimeUnit.MINUTES)).isTrue();
    await(() -> keepers.held(KEY), "the keeper holds the handed-over mount");
    m = RESULT.matcher(startContainer(next, meta, "nectar-recovery-result"));
    markReady(podName, 3);
    assertThat(m.find()).isTrue();
    assertThat(m.group(1)).contains("\"lost_writes\":0", "\"replayed_files\":0"); // handed over: everything was committed first
    System.out.println("serving after the upgrade: " + m.group(1));
    await(() -> !keepers.replacing(KEY), "the node plugin sees the new container serve");
    after = program.goesOnFrom(after, "the upgrade");
    assertThat(Workload.tryLock(target.resolve("locked"))).as("the program's lock is still held").startsWith("refused");
    assertThat(after).contains("lost 0");
    String done = program.stop();
    assertThat(Workload.field(done, "missing")).as(done).isZero();
    assertThat(Workload.field(done, "lost")).as(done).isZero();
    program = null;
    assertThat(Files.readAllBytes(target.resolve("big"))).isEqualTo(big);

    run("umount", "-l", target.toString());
    binds.remove(target);
    assertThat(nectar("umount", "--keeper-socket=" + socket, mp.toString())).as("after the upgrade the stop hook unmounts again")
        .contains("unmounted " + mp);
    assertThat(containers.getLast().waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(containers.getLast().exitValue()).isZero();
    assertThat(keepers.held(KEY)).isFalse();
    assertThat(FuseMount.isMounted(mp)).isFalse();
    mounter.release(KEY, "target-a"); // the last reference goes: the pod is deleted, and its keeper ends
    assertThat(client.pods().inNamespace(NS).withName(podName).get()).isNull();
    assertThat(socket).doesNotExist();
  }

  private Path acquire(MountSpec spec, String ref) {
    try {
      return mounter.acquire(spec, ref);
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  /**
   * Runs the mount pod's container command ({@code nectar} is this build's launcher, the metadata
   * URL comes from the Secret's variable) until it prints {@code until}; returns what it printed.
   */
  private String startContainer(Container c, String meta, String until) throws IOException {
    List<String> cmd = new ArrayList<>(c.getCommand());
    assertThat(cmd.getFirst()).isEqualTo("nectar");
    cmd.set(0, GatewayProcess.launcher());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(tmp.toFile());
    pb.environment().putAll(Map.of("NECTAR_NO_BUILD", "1", "HOME", tmp.resolve("home").toString(), "NECTAR_MOUNT_META_URL", meta));
    Process p = pb.start();
    containers.add(p);
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    StringBuffer seen = new StringBuffer();
    outputs.put(p, seen);
    String line;
    while ((line = r.readLine()) != null) {
      seen.append(line).append('\n');
      if (line.contains(until)) {
        break;
      }
    }
    assertThat(line).as("the container printed '%s':%n%s", until, seen).isNotNull();
    String upTo = seen.toString();
    Thread.ofVirtual().start(() -> { // keep reading so the container never blocks on a full pipe
      try {
        for (String l; (l = r.readLine()) != null; ) {
          seen.append(l).append('\n');
        }
      } catch (IOException ignored) {
        // it ended
      }
    });
    return upTo;
  }

  private static final Pattern STANDBY_READY = Pattern.compile("keeper: standby worker pid \\d+ ready");

  /** The container's server: its process that runs {@code --keeper-worker} and holds {@code /dev/fuse} (its keeper holds it too, its standby not). */
  private static long workerPid(Process container) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      List<Long> found = container.toHandle().descendants()
          .filter(h -> h.info().arguments().map(a -> List.of(a).contains("--keeper-worker")).orElse(false))
          .map(ProcessHandle::pid).filter(MountedVolume::holdsDevFuse).toList();
      if (found.size() == 1) {
        return found.getFirst();
      }
      Thread.sleep(50); // polls a condition, with a deadline
    }
    throw new AssertionError("no single server in the container");
  }

  /** The kubelet kills a container: SIGKILL to every process of it at once. */
  private static void killContainer(Process container) {
    List<ProcessHandle> all = new ArrayList<>(container.toHandle().descendants().toList());
    all.add(container.toHandle());
    all.forEach(ProcessHandle::destroyForcibly);
  }

  private String nectar(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(GatewayProcess.launcher()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(tmp.toFile());
    pb.environment().putAll(Map.of("NECTAR_NO_BUILD", "1", "HOME", tmp.resolve("home").toString()));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  private void annotate(String name, String key, String value) {
    for (int attempt = 1; ; attempt++) {
      try {
        client.pods().inNamespace(NS).withName(name).edit(p -> {
          p.getMetadata().getAnnotations().put(key, value);
          return p;
        });
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 50) {
          throw e;
        }
      }
    }
  }

  private void markReady(String name, int restarts) {
    cluster.markReady(NS, name, restarts);
  }

  private void bind(Path source, Path target) throws IOException {
    assertThat(run("mount", "--bind", source.toString(), target.toString())).isEmpty();
    binds.add(target);
  }

  /** Runs a program; returns "" on success, else its output (never throws on a non-zero exit). */
  private static String run(String... cmd) throws IOException {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
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
      Thread.sleep(50); // polls a condition, with a deadline
    }
  }
}
