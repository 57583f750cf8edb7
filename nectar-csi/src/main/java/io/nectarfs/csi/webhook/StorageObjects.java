package io.nectarfs.csi.webhook;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The claims, PersistentVolumes and StorageClasses an admission looks at, from fabric8 informers
 * (each lists once and then watches): a burst of pod creations (a job of a thousand pods) costs the
 * API server no request per pod. An object the cache does not have yet, and a claim it does not
 * see bound yet, is read by one GET: an informer lags behind the API server, and a claim created
 * or bound just before its pod must not be refused for that. Secrets and the ConfigMap are not
 * informed ({@link Claims}): a cache of every Secret would hold their values.
 *
 * <p>Concurrency: the informers fill their stores on their own threads; lookups from request
 * threads read the stores (thread-safe, objects never modified here) or GET through the client
 * (thread-safe). {@link #close} stops the informers.
 */
final class StorageObjects implements AutoCloseable {
  private final KubernetesClient client;
  private final SharedIndexInformer<PersistentVolumeClaim> claims;
  private final SharedIndexInformer<PersistentVolume> volumes;
  private final SharedIndexInformer<StorageClass> classes;
  private final LongAdder gets = new LongAdder();

  private StorageObjects(KubernetesClient client) {
    this.client = client;
    this.claims = client.persistentVolumeClaims().inAnyNamespace().runnableInformer(0);
    this.volumes = client.persistentVolumes().runnableInformer(0);
    this.classes = client.storage().v1().storageClasses().runnableInformer(0);
  }

  /** Starts the informers; lookups GET what they have not listed yet, so this does not wait for them. */
  static StorageObjects start(KubernetesClient client) {
    StorageObjects s = new StorageObjects(client);
    for (SharedIndexInformer<?> i : List.of(s.claims, s.volumes, s.classes)) {
      i.start(); // a failed list is retried by the informer; lookups fall back to GETs meanwhile
    }
    return s;
  }

  /** The claim, or null; a claim the cache has not seen bound is read again. */
  PersistentVolumeClaim claim(String ns, String name) {
    PersistentVolumeClaim c = claims.getStore().getByKey(ns + "/" + name);
    if (c != null && c.getStatus() != null && "Bound".equals(c.getStatus().getPhase())) {
      return c;
    }
    return get(() -> client.persistentVolumeClaims().inNamespace(ns).withName(name).get());
  }

  /** The PersistentVolume, or null. */
  PersistentVolume volume(String name) {
    PersistentVolume v = volumes.getStore().getByKey(name);
    return v != null ? v : get(() -> client.persistentVolumes().withName(name).get());
  }

  /** The StorageClass, or null. */
  StorageClass storageClass(String name) {
    StorageClass c = classes.getStore().getByKey(name);
    return c != null ? c : get(() -> client.storage().v1().storageClasses().withName(name).get());
  }

  /** GETs made because the cache did not have the object (tests). */
  long gets() {
    return gets.sum();
  }

  /** Whether every informer has listed once (tests). */
  boolean synced() {
    return claims.hasSynced() && volumes.hasSynced() && classes.hasSynced();
  }

  private <T> T get(Supplier<T> request) {
    gets.increment();
    return request.get();
  }

  @Override
  public void close() {
    claims.stop();
    volumes.stop();
    classes.stop();
  }
}
