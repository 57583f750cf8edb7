package io.nectarfs.csi.dashboard;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nectarfs.common.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's copy of the cluster: one fabric8 informer each for pods (all namespaces: any pod
 * may use a NectarFS claim), claims, PersistentVolumes, StorageClasses and nodes. Each lists once
 * and then watches; after a broken watch it lists and watches again with the client's backoff
 * ({@code watchReconnectInterval}, doubling up to 32 times it), for as long as the view is open.
 * Nothing polls; Secrets and events are not informed (see {@link Lookups}).
 *
 * <p>Concurrency: the informers' threads fill their stores and call {@link #touch}; request threads
 * read the stores (thread-safe, their objects are never modified here) and {@link #freshness}.
 * {@link #failing} and {@link #closed} only steer logging. Invariant: {@link #lastSync} only
 * grows, and is set only at a moment when every informer was synced and watching, so "stale
 * since" is never later than the last moment the data was known current.
 */
final class ClusterView implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterView.class);

  private record Informed(String kind, SharedIndexInformer<?> informer) {}

  private final Clock clock;
  private final SharedIndexInformer<Pod> pods;
  private final SharedIndexInformer<PersistentVolumeClaim> claims;
  private final SharedIndexInformer<PersistentVolume> volumes;
  private final SharedIndexInformer<StorageClass> classes;
  private final SharedIndexInformer<Node> nodes;
  private final List<Informed> all;
  /** Epoch millis when every informer was last seen synced and watching; 0: never. */
  private final AtomicLong lastSync = new AtomicLong();
  /** Kinds whose informer failed since it was last seen watching: their first failure is logged as a warning, the rest at debug. */
  private final Set<String> failing = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** Creates the informers (not started); {@code resyncMillis}: how often they replay their cache to the handler (0: never). */
  ClusterView(KubernetesClient client, Clock clock, long resyncMillis) {
    this.clock = clock;
    pods = client.pods().inAnyNamespace().runnableInformer(resyncMillis);
    claims = client.persistentVolumeClaims().inAnyNamespace().runnableInformer(resyncMillis);
    volumes = client.persistentVolumes().runnableInformer(resyncMillis);
    classes = client.storage().v1().storageClasses().runnableInformer(resyncMillis);
    nodes = client.nodes().runnableInformer(resyncMillis);
    all = List.of(new Informed("pods", pods), new Informed("persistentvolumeclaims", claims), new Informed("persistentvolumes", volumes),
        new Informed("storageclasses", classes), new Informed("nodes", nodes));
  }

  /** Starts every informer; returns at once (an unreachable API server shows as stale, and is retried). */
  void start() {
    for (Informed i : all) {
      i.informer().exceptionHandler((started, t) -> {
        if (!closed && failing.add(i.kind())) {
          LOG.warn("{} informer: {} (retrying with backoff; the page shows the last data as stale)", i.kind(), Lookups.oneLine(t));
        } else {
          LOG.debug("{} informer: {} (retrying)", i.kind(), t.toString());
        }
        return true;
      });
      i.informer().addEventHandler(new ResourceEventHandler<Object>() {
        @Override
        public void onAdd(Object obj) {
          touch();
        }

        @Override
        public void onUpdate(Object oldObj, Object newObj) {
          touch();
        }

        @Override
        public void onDelete(Object obj, boolean deletedFinalStateUnknown) {
          touch();
        }
      });
      i.informer().start().whenComplete((v, t) -> {
        if (t != null && !closed) {
          LOG.warn("{} informer did not start: {}", i.kind(), Lookups.oneLine(t));
        }
      });
    }
  }

  /** Records "current now" when every informer watches. */
  private void touch() {
    freshness();
  }

  Inputs inputs() {
    return new Inputs(pods.getStore().list(), claims.getStore().list(), volumes.getStore().list(), classes.getStore().list(),
        nodes.getStore().list());
  }

  /** Pod {@code ns/name} from the cache, or null. */
  Pod pod(String ns, String name) {
    return pods.getStore().getByKey(ns + "/" + name);
  }

  Model.Freshness freshness() {
    List<String> notWatching = new ArrayList<>();
    for (Informed i : all) {
      if (!i.informer().hasSynced() || !i.informer().isWatching()) {
        notWatching.add(i.kind());
      } else if (failing.remove(i.kind())) {
        LOG.info("{} informer watches again", i.kind());
      }
    }
    long now = clock.nowMillis();
    if (notWatching.isEmpty()) {
      lastSync.accumulateAndGet(now, Math::max);
    }
    long last = lastSync.get();
    return new Model.Freshness(!notWatching.isEmpty(), last == 0 ? null : Instant.ofEpochMilli(last).toString(), notWatching);
  }

  @Override
  public void close() {
    closed = true;
    for (Informed i : all) {
      i.informer().stop();
    }
  }
}
