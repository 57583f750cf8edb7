package io.nectarfs.csi.pod;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.nectarfs.csi.mount.DescriptorKeepers;
import io.nectarfs.csi.mount.MountSpec;
import io.nectarfs.csi.mount.Mounter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Mounter} by mount pods: one pod per (key, node), named by {@link MountPods#podName},
 * created through the API server, its references kept as pod annotations ({@link
 * MountPods#refKey}), deleted {@link PodMounterConfig#grace()} after its last reference went.
 * Each key's FUSE descriptors are kept by {@link DescriptorKeepers} (started before its pod is
 * created and at every check of a pod with references, ended when the pod is deleted), so a
 * mount outlives its pod's container.
 *
 * <p>Concurrency: one {@link ReentrantLock} per key serialises this process's acquire, release
 * and check of that key; different keys never wait for each other. The pod's annotations are the
 * durable state (they survive a restart of the node plugin); every change is a read-modify-write
 * guarded by the pod's resourceVersion and retried on a conflict, so a second writer (an old node
 * plugin during a rolling update, a person with kubectl) cannot make a reference vanish. {@link
 * #known} (specs and references this process has seen, to recreate a pod deleted under live
 * references) and {@link #seen} (identity of the last ready pod per key, for remount detection)
 * are touched only under the key's lock. The remount listener is called outside every lock; a
 * check round skips a key whose lock is held (an acquire may wait minutes for its pod).
 */
final class PodMounter implements Mounter {
  private static final Logger LOG = LoggerFactory.getLogger(PodMounter.class);
  private static final int CONFLICT_RETRIES = 16;

  private final KubernetesClient client;
  private final NodePods nodePods;
  private final PodMounterConfig config;
  private final DescriptorKeepers keepers;
  private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final Map<String, Known> known = new ConcurrentHashMap<>();
  private final Map<String, Incarnation> seen = new ConcurrentHashMap<>();
  /** Keys whose pod is being replaced by one of a new image ({@link #upgrade}). */
  private final Set<String> upgrades = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService checker;
  private volatile RemountListener listener = (key, mountPoint) -> {};
  private volatile List<AutoCloseable> owned = List.of();
  /** Test hook: runs between reading a pod and writing its annotations back. */
  volatile Runnable beforeUpdate = () -> {};
  /** Test hook: runs just before a pod is created. */
  volatile Runnable beforeCreate = () -> {};

  /** What this process knows of a key: the spec to recreate its pod with, and its references. */
  private record Known(MountSpec spec, Set<String> refs) {}

  /** One life of a mount: a pod (uid) and its container's restart count. */
  private record Incarnation(String uid, int restarts) {
    static Incarnation of(Pod p) {
      return new Incarnation(p.getMetadata().getUid(), MountPods.restarts(p));
    }
  }

  PodMounter(KubernetesClient client, NodePods nodePods, PodMounterConfig config) {
    this(client, nodePods, config, DescriptorKeepers.NONE);
  }

  PodMounter(KubernetesClient client, NodePods nodePods, PodMounterConfig config, DescriptorKeepers keepers) {
    this.client = client;
    this.nodePods = nodePods;
    this.config = config;
    this.keepers = keepers;
    if (config.checkInterval().isPositive()) {
      checker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("nectar-mount-pods").unstarted(r));
      long ms = config.checkInterval().toMillis();
      checker.scheduleWithFixedDelay(this::checkQuietly, ms, ms, TimeUnit.MILLISECONDS);
    } else {
      checker = null;
    }
  }

  @Override
  public Path acquire(MountSpec spec, String ref) throws IOException {
    String key = spec.key();
    String name = MountPods.podName(config.nodeName(), key);
    Path mountPoint = config.mountRoot().resolve(key);
    ReentrantLock lock = lock(key);
    lock.lock();
    try {
      Pod pod = get(name);
      if (pod != null && pod.getMetadata().getDeletionTimestamp() != null) {
        awaitGone(name);
        pod = null;
      }
      boolean hadRef = pod != null && MountPods.refs(pod).contains(ref);
      if (pod != null || !create(spec, ref)) {
        editAnnotations(name, a -> {
          a.put(MountPods.refKey(ref), ref);
          a.remove(MountPods.IDLE_SINCE);
        });
      }
      known.compute(key, (k, v) -> {
        Set<String> refs = v == null ? ConcurrentHashMap.newKeySet() : v.refs();
        refs.add(ref);
        return new Known(spec, refs);
      });
      try {
        Pod ready = awaitReady(name);
        awaitAnswers(name, mountPoint);
        seen.putIfAbsent(key, Incarnation.of(ready));
        return mountPoint;
      } catch (IOException | RuntimeException e) {
        if (!hadRef) {
          undo(key, name, ref);
        }
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void release(String key, String ref) throws IOException {
    String name = MountPods.podName(config.nodeName(), key);
    ReentrantLock lock = lock(key);
    lock.lock();
    try {
      Known k = known.get(key);
      if (k != null) {
        k.refs().remove(ref);
      }
      editAnnotations(name, a -> {
        if (a.remove(MountPods.refKey(ref)) != null && !hasRefs(a)) {
          a.put(MountPods.IDLE_SINCE, Long.toString(config.clock().nowMillis()));
        }
      });
      if (config.grace().isZero()) {
        deleteIfIdle(key, name);
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Set<String> references(String key) throws IOException {
    Pod pod = get(MountPods.podName(config.nodeName(), key));
    return pod == null ? Set.of() : Set.copyOf(MountPods.refs(pod));
  }

  @Override
  public void onRemount(RemountListener l) {
    this.listener = l;
  }

  @Override
  public void close() {
    if (checker != null) {
      checker.shutdownNow();
    }
    for (AutoCloseable c : owned) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing {}: {}", c.getClass().getSimpleName(), e.getMessage());
      }
    }
  }

  /** Closes these too when this mounter closes (what {@link PodMounterProvider} created for it). */
  void closeAlso(AutoCloseable... resources) {
    owned = List.of(resources);
  }

  /**
   * One round of upkeep, run every {@link PodMounterConfig#checkInterval()}: deletes mount pods
   * idle for longer than the grace period, recreates a pod deleted while this process still holds
   * references to it, and tells the listener about every mount that came back (a new pod uid or a
   * higher restart count, once the pod is ready and the mount answers).
   */
  void check() throws IOException {
    Map<String, Pod> mine = new TreeMap<>();
    String node = MountPods.dnsLabel(config.nodeName());
    for (Pod p : nodePods.list()) {
      Map<String, String> l = p.getMetadata().getLabels();
      if (l != null && MountPods.APP.equals(l.get(MountPods.LABEL_APP)) && node.equals(l.get(MountPods.LABEL_NODE))
          && config.namespace().equals(p.getMetadata().getNamespace()) && l.get(MountPods.LABEL_KEY) != null) {
        mine.put(l.get(MountPods.LABEL_KEY), p);
      }
    }
    Set<String> keys = new LinkedHashSet<>(mine.keySet());
    keys.addAll(known.keySet());
    Map<String, Incarnation> remounted = new TreeMap<>();
    for (String key : keys) {
      ReentrantLock lock = lock(key);
      if (!lock.tryLock()) {
        continue; // an acquire or release of this key is under way (perhaps waiting minutes): the next round
      }
      try {
        Incarnation before = checkKey(key, mine.get(key));
        if (before != null) {
          remounted.put(key, before);
        }
      } finally {
        lock.unlock();
      }
    }
    for (Map.Entry<String, Incarnation> e : remounted.entrySet()) {
      String key = e.getKey();
      try {
        listener.remounted(key, config.mountRoot().resolve(key));
      } catch (RuntimeException ex) {
        // Not told successfully: forget the new incarnation, so the next round tells again.
        Incarnation now = seen.get(key);
        if (now != null) {
          seen.replace(key, now, e.getValue());
        }
        LOG.warn("re-establishing the bind mounts of {} failed (retried at the next check): {}", key, ex.getMessage());
      }
    }
  }

  /**
   * {@link #check} for one key under its lock: the incarnation seen before when the mount came
   * back (the listener must be told), else null.
   */
  private Incarnation checkKey(String key, Pod observed) throws IOException {
    String name = MountPods.podName(config.nodeName(), key);
    if (observed != null && MountPods.refs(observed).isEmpty()) {
      deleteIfIdle(key, name);
      return null;
    }
    Known k = known.get(key);
    if (observed == null) {
      if (k != null && !k.refs().isEmpty() && get(name) == null) {
        LOG.warn("mount pod {}/{} is gone while {} reference(s) use it: creating it again", config.namespace(), name, k.refs().size());
        recreate(k);
      }
      return null;
    }
    keepQuietly(key); // listening again after a restart of this process, so the running mount re-attaches
    String image = observed.getMetadata().getAnnotations() == null ? null : observed.getMetadata().getAnnotations().get(MountPods.UPGRADE_IMAGE);
    if (image != null && !image.isBlank() && upgrades.add(key)) {
      Thread.ofVirtual().name("nectar-mount-upgrade-" + key).start(() -> upgrade(key, image.strip()));
    }
    if (!MountPods.ready(observed) || !config.mountAnswers().test(config.mountRoot().resolve(key))) {
      return null;
    }
    Incarnation now = Incarnation.of(observed);
    Incarnation before = seen.put(key, now);
    if (before != null && !before.equals(now)) {
      LOG.info("mount pod {}/{} came back (uid {}, {} restarts): re-establishing its bind mounts", config.namespace(), name, now.uid(), now.restarts());
      return before;
    }
    return null;
  }

  /** The key's keeper socket (started unless it runs), or null when there is none or it cannot listen (logged). */
  private Path keepQuietly(String key) {
    try {
      return keepers.keep(key, config.mountRoot().resolve(key));
    } catch (IOException | RuntimeException e) {
      LOG.warn("no descriptor keeper for {} (a crash of its mount pod ends the mount): {}", key, e.getMessage());
      return null;
    }
  }

  /**
   * Replaces the mount container of {@code key}'s pod by one of {@code image} without unmounting
   * (the annotation {@link MountPods#UPGRADE_IMAGE} asked for it): the keeper is told first, so
   * the stopping container hands the mount over instead of unmounting and its stop hook leaves it;
   * then the pod's image is changed (the kubelet restarts the container) and this waits until the
   * new container serves. Without a keeper the annotation is refused (logged): the container's
   * restart would end the mount under its programs.
   */
  private void upgrade(String key, String image) {
    String name = MountPods.podName(config.nodeName(), key);
    String who = "mount pod " + config.namespace() + "/" + name;
    ReentrantLock lock = lock(key);
    lock.lock();
    try {
      if (keepers.directory() == null) {
        LOG.warn("{}: not upgraded to {}: the node plugin keeps no descriptors (--keeper-dir none), so the restart would end the mount", who, image);
        editPod(name, p -> p.getMetadata().getAnnotations().remove(MountPods.UPGRADE_IMAGE));
        return;
      }
      Pod now = get(name);
      if (now == null) {
        return;
      }
      if (now.getSpec().getContainers().stream().anyMatch(c -> MountPods.CONTAINER.equals(c.getName()) && image.equals(c.getImage()))) {
        editPod(name, p -> p.getMetadata().getAnnotations().remove(MountPods.UPGRADE_IMAGE)); // runs that image already
        return;
      }
      int restarts = MountPods.restarts(now);
      long t0 = System.nanoTime();
      keepers.upgrading(key, true);
      try {
        Pod changed = editPod(name, p -> {
          p.getMetadata().getAnnotations().remove(MountPods.UPGRADE_IMAGE);
          p.getSpec().getContainers().stream().filter(c -> MountPods.CONTAINER.equals(c.getName())).forEach(c -> c.setImage(image));
        });
        if (changed == null) {
          return;
        }
        LOG.info("{}: replacing its container by one of image {}; the node plugin's keeper holds the mount meanwhile", who, image);
        // The kubelet restarts the container for the new image; its status may name the image in
        // another form (docker.io/library/...), so the restart count tells when the new one runs.
        client.pods().inNamespace(config.namespace()).withName(name).waitUntilCondition(
            p -> p == null || MountPods.ready(p) && MountPods.restarts(p) > restarts, config.readyTimeout().toMillis(), TimeUnit.MILLISECONDS);
        awaitAnswers(name, config.mountRoot().resolve(key));
        LOG.info("{}: serves with image {} ({} ms after the upgrade began)", who, image, (System.nanoTime() - t0) / 1_000_000);
      } finally {
        keepers.upgrading(key, false);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("{}: upgrade to {} did not complete: {}", who, image, e.getMessage());
    } finally {
      upgrades.remove(key);
      lock.unlock();
    }
  }

  private void checkQuietly() {
    try {
      check();
    } catch (IOException | RuntimeException e) {
      LOG.warn("mount pod check failed: {}", e.getMessage());
    }
  }

  /**
   * Creates the key's pod with reference {@code ref}, and its Secret. False when a pod of that
   * name appeared meanwhile (another writer): then that pod is left alone.
   */
  private boolean create(MountSpec spec, String ref) throws IOException {
    Map<String, String> settings = MountPods.settings(spec.parameters(), configMapData(), config.defaults());
    Path keeper = keepQuietly(spec.key()); // before the pod: its mount attaches at once
    Pod pod;
    try {
      pod = MountPods.pod(spec, ref, config, settings, keeper);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
    Files.createDirectories(config.mountRoot().resolve(spec.key()));
    Secret secret = MountPods.secret(spec, config);
    String secretName = secret.getMetadata().getName();
    String who = "mount pod " + config.namespace() + "/" + pod.getMetadata().getName();
    try {
      client.secrets().inNamespace(config.namespace()).resource(secret).createOr(NonDeletingOperation::update);
    } catch (KubernetesClientException e) {
      throw new IOException("cannot write the secret of " + who + ": " + reason(e), e);
    }
    Pod created;
    try {
      beforeCreate.run();
      created = client.pods().inNamespace(config.namespace()).resource(pod).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return false; // its Secret now holds the same spec's secrets
      }
      deleteQuietly(null, secretName);
      throw new IOException("cannot create " + who + ": " + reason(e), e);
    }
    try {
      client.secrets().inNamespace(config.namespace()).withName(secretName).edit(s -> {
        MountPods.ownBy(s, created);
        return s;
      });
    } catch (KubernetesClientException e) { // the pod's deletion deletes the Secret explicitly anyway
      LOG.warn("cannot make {} the owner of its secret: {}", who, reason(e));
    }
    return true;
  }

  private void recreate(Known k) throws IOException {
    List<String> refs = new ArrayList<>(k.refs());
    create(k.spec(), refs.getFirst());
    String name = MountPods.podName(config.nodeName(), k.spec().key());
    editAnnotations(name, a -> refs.forEach(r -> a.put(MountPods.refKey(r), r)));
  }

  private Map<String, String> configMapData() {
    try {
      ConfigMap cm = client.configMaps().inNamespace(config.namespace()).withName(config.configMap()).get();
      return cm == null || cm.getData() == null ? Map.of() : cm.getData();
    } catch (KubernetesClientException e) {
      LOG.warn("cannot read ConfigMap {}/{} ({}): using the built-in mount pod defaults", config.namespace(), config.configMap(), reason(e));
      return Map.of();
    }
  }

  /** Removes a failed acquire's reference; deletes the pod at once if nothing else uses it. */
  private void undo(String key, String name, String ref) {
    try {
      Known k = known.get(key);
      if (k != null) {
        k.refs().remove(ref);
      }
      Pod after = editAnnotations(name, a -> a.remove(MountPods.refKey(ref)));
      if (after != null && MountPods.refs(after).isEmpty()) {
        deleteQuietly(name, MountPods.secretName(name));
        keepers.release(key);
        known.remove(key);
        seen.remove(key);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot drop the reference of a failed mount from pod {}/{}: {}", config.namespace(), name, e.getMessage());
    }
  }

  /** Deletes the pod if it has no references and has been idle for the grace period. */
  private void deleteIfIdle(String key, String name) throws IOException {
    Pod pod = get(name);
    if (pod == null || !MountPods.refs(pod).isEmpty()) {
      return;
    }
    Map<String, String> a = pod.getMetadata().getAnnotations();
    String since = a == null ? null : a.get(MountPods.IDLE_SINCE);
    long idleSince;
    try {
      idleSince = since == null ? Long.MIN_VALUE : Long.parseLong(since);
    } catch (NumberFormatException e) {
      idleSince = Long.MIN_VALUE;
    }
    if (idleSince == Long.MIN_VALUE) {
      // Never referenced through release (e.g. left by a crashed acquire): start its grace now.
      editAnnotations(name, m -> m.putIfAbsent(MountPods.IDLE_SINCE, Long.toString(config.clock().nowMillis())));
      if (!config.grace().isZero()) {
        return;
      }
    } else if (config.clock().nowMillis() - idleSince < config.grace().toMillis()) {
      return;
    }
    LOG.info("deleting mount pod {}/{}: no reference for {}", config.namespace(), name, config.grace());
    deleteQuietly(name, MountPods.secretName(name));
    keepers.release(key);
    known.remove(key);
    seen.remove(key);
  }

  /** Deletes the pod (unless null) and the secret, logging what fails. */
  private void deleteQuietly(String pod, String secret) {
    try {
      if (pod != null) {
        client.pods().inNamespace(config.namespace()).withName(pod).delete();
      }
    } catch (KubernetesClientException e) {
      LOG.warn("cannot delete mount pod {}/{}: {}", config.namespace(), pod, reason(e));
    }
    try {
      client.secrets().inNamespace(config.namespace()).withName(secret).delete();
    } catch (KubernetesClientException e) {
      LOG.warn("cannot delete secret {}/{}: {}", config.namespace(), secret, reason(e));
    }
  }

  /**
   * Reads the pod, applies {@code change} to its annotations and writes it back guarded by its
   * resourceVersion, again from the read on a conflict. Returns the pod as written (or as read when
   * nothing changed), null when there is no pod.
   */
  Pod editAnnotations(String name, Consumer<Map<String, String>> change) throws IOException {
    return editPod(name, pod -> {
      Map<String, String> after = new TreeMap<>(pod.getMetadata().getAnnotations() == null ? Map.of() : pod.getMetadata().getAnnotations());
      change.accept(after);
      pod.getMetadata().setAnnotations(after);
    });
  }

  /**
   * Reads the pod, applies {@code change} (its annotations are a mutable map) and writes it back
   * guarded by its resourceVersion, again from the read on a conflict. Returns the pod as written
   * (or as read when nothing changed), null when there is no pod.
   */
  Pod editPod(String name, Consumer<Pod> change) throws IOException {
    for (int attempt = 1; ; attempt++) {
      Pod pod = get(name);
      if (pod == null) {
        return null;
      }
      Map<String, String> annotations = new TreeMap<>(pod.getMetadata().getAnnotations() == null ? Map.of() : pod.getMetadata().getAnnotations());
      Map<String, String> annotationsBefore = Map.copyOf(annotations);
      io.fabric8.kubernetes.api.model.PodSpec specBefore = new io.fabric8.kubernetes.api.model.PodSpecBuilder(pod.getSpec()).build();
      pod.getMetadata().setAnnotations(annotations);
      change.accept(pod);
      if (pod.getMetadata().getAnnotations().equals(annotationsBefore) && pod.getSpec().equals(specBefore)) {
        return pod;
      }
      beforeUpdate.run();
      try {
        return client.pods().inNamespace(config.namespace()).resource(pod).update();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= CONFLICT_RETRIES) {
          throw new IOException("cannot update mount pod " + config.namespace() + "/" + name + ": " + reason(e), e);
        }
      }
    }
  }

  private Pod get(String name) throws IOException {
    try {
      return client.pods().inNamespace(config.namespace()).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new IOException("cannot read mount pod " + config.namespace() + "/" + name + ": " + reason(e), e);
    }
  }

  /** Waits (a watch, not a poll) until the pod is ready or says why it will not be. */
  private Pod awaitReady(String name) throws IOException {
    String who = "mount pod " + config.namespace() + "/" + name;
    Pod last;
    try {
      last = client.pods().inNamespace(config.namespace()).withName(name).waitUntilCondition(
          p -> p == null || MountPods.ready(p) || MountPods.failure(p).isPresent(), config.readyTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (KubernetesClientTimeoutException e) {
      Pod p = get(name);
      String phase = p == null || p.getStatus() == null ? "-" : p.getStatus().getPhase();
      throw new IOException(who + " is not ready after " + config.readyTimeout().toSeconds() + " s (phase " + phase + ")", e);
    } catch (KubernetesClientException e) {
      throw new IOException("cannot watch " + who + ": " + reason(e), e);
    }
    if (last == null) {
      throw new IOException(who + " was deleted while starting");
    }
    if (!MountPods.ready(last)) {
      throw new IOException(MountPods.failure(last).orElse(who + " is not ready"));
    }
    return last;
  }

  /** Waits until the mount answers on this node (the pod's readiness probe runs in the pod). */
  private void awaitAnswers(String name, Path mountPoint) throws IOException {
    long deadline = System.nanoTime() + config.readyTimeout().toNanos();
    long pause = 20;
    while (!config.mountAnswers().test(mountPoint)) {
      if (System.nanoTime() - deadline > 0) {
        throw new IOException("mount pod " + config.namespace() + "/" + name + " is ready but " + mountPoint
            + " does not answer on this node after " + config.readyTimeout().toSeconds() + " s (is the mount root shared with mountPropagation?)");
      }
      sleep(pause);
      pause = Math.min(pause * 2, 1000);
    }
  }

  private void awaitGone(String name) throws IOException {
    try {
      client.pods().inNamespace(config.namespace()).withName(name)
          .waitUntilCondition(p -> p == null, config.readyTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (KubernetesClientException e) {
      throw new IOException("mount pod " + config.namespace() + "/" + name + " is still terminating after "
          + config.readyTimeout().toSeconds() + " s", e);
    }
  }

  /** The API server's own sentence for a failed call (the client's message adds the whole request). */
  static String reason(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      return e.getStatus().getMessage() + " (HTTP " + e.getCode() + ")";
    }
    return e.getMessage();
  }

  private static boolean hasRefs(Map<String, String> annotations) {
    return annotations.keySet().stream().anyMatch(k -> k.startsWith(MountPods.REF_PREFIX));
  }

  private ReentrantLock lock(String key) {
    return locks.computeIfAbsent(key, k -> new ReentrantLock());
  }

  private static void sleep(long ms) throws IOException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** The pod name of a key on this node (for tests and the node service's messages). */
  String podName(String key) {
    return MountPods.podName(config.nodeName(), key);
  }
}
