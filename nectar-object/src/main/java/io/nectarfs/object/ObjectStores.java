package io.nectarfs.object;

import io.nectarfs.common.Secrets;
import io.nectarfs.common.Uris;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * Opens object stores by URL: finds the backend by scheme among the {@link ObjectStoreProvider}s
 * on the class path, then stacks the decorators that {@link StoreOptions} asks for.
 *
 * <p>Providers are discovered once; two providers claiming one scheme is a start-up error.
 */
public final class ObjectStores {
  private final Map<String, ObjectStoreProvider> byScheme;

  private ObjectStores(List<ObjectStoreProvider> providers) {
    Map<String, ObjectStoreProvider> m = new HashMap<>();
    for (ObjectStoreProvider p : providers) {
      for (String s : p.schemes()) {
        ObjectStoreProvider old = m.put(s, p);
        if (old != null) {
          throw new IllegalStateException(
              "two object store providers claim scheme '" + s + "': " + old.getClass().getName()
                  + " and " + p.getClass().getName());
        }
      }
    }
    this.byScheme = Map.copyOf(m);
  }

  private static final class Holder {
    static final ObjectStores INSTANCE =
        new ObjectStores(ServiceLoader.load(ObjectStoreProvider.class).stream().map(ServiceLoader.Provider::get).toList());
  }

  /** The registry of the providers on the class path. */
  public static ObjectStores registry() {
    return Holder.INSTANCE;
  }

  /** A registry of exactly these providers (tests, embedding). */
  public static ObjectStores of(List<ObjectStoreProvider> providers) {
    return new ObjectStores(providers);
  }

  /** The schemes this registry can open, sorted. */
  public java.util.SortedSet<String> schemes() {
    return new TreeSet<>(byScheme.keySet());
  }

  /** Opens {@code url} with the defaults (no decorators, default retries) and the process environment. */
  public static ObjectStore open(String url) throws IOException {
    return registry().open(url, StoreOptions.defaults(), Secrets.fromEnvironment());
  }

  /**
   * Opens {@code url} and stacks the decorators of {@code options}.
   *
   * @throws IOException with a one-line message (URL redacted) when the URL is malformed, its
   *     scheme unknown, or the store cannot be opened
   */
  public ObjectStore open(String url, StoreOptions options, Secrets secrets) throws IOException {
    String scheme = Uris.scheme(url);
    if (scheme == null) {
      throw new IOException(
          "'" + Uris.redact(url) + "' is not a storage URL: use file:///path, s3://bucket or http(s)://host/bucket");
    }
    ObjectStoreProvider p = byScheme.get(scheme);
    if (p == null) {
      throw new IOException(
          "unknown storage scheme '" + scheme + "' in " + Uris.redact(url) + ": supported are " + String.join(", ", schemes()));
    }
    return Decorators.stack(p, url, options, secrets);
  }

  /**
   * {@code store} behind a decorator that records every request in {@code metrics} (see {@link
   * MeteredStore}); retries made by a retry layer of the stack below are counted too. The volume
   * adds it on top of the stack it opens.
   */
  public static ObjectStore metered(ObjectStore store, io.nectarfs.common.Metrics metrics) {
    MeteredStore m = new MeteredStore(store, metrics);
    java.util.ArrayDeque<ObjectStore> todo = new java.util.ArrayDeque<>(List.of(store));
    while (!todo.isEmpty()) {
      ObjectStore s = todo.pop();
      if (s instanceof RetryStore r) {
        r.onRetry = m::retried;
      }
      if (s instanceof Layered l) {
        todo.addAll(l.inners());
      }
    }
    return m;
  }

  /**
   * The fault injector of a stack opened with {@link StoreOptions#faults()}, found by walking down
   * the stack; empty if it has none. Tests use it to change fault rates at run time and to check
   * that faults were in fact injected.
   */
  public static java.util.Optional<FaultInjector> faultInjector(ObjectStore store) {
    java.util.ArrayDeque<ObjectStore> todo = new java.util.ArrayDeque<>(List.of(store));
    while (!todo.isEmpty()) {
      ObjectStore s = todo.pop();
      if (s instanceof FaultStore f) {
        return java.util.Optional.of(f.injector());
      }
      if (s instanceof Layered l) {
        todo.addAll(l.inners());
      }
    }
    return java.util.Optional.empty();
  }
}
