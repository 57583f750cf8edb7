package io.nectarfs.meta.kv;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-process notifications for engines whose clients share one JVM-wide name (the memory engine,
 * SQLite keyed by database file and table): a registry of {@link Subscribers} per name. Clients in
 * other processes of a SQLite volume are not notified; their waiters rely on the fallback re-check.
 *
 * <p>Concurrency: the registry is a concurrent map; entries are never removed (one small object
 * per database ever opened in the process). Invariant: all engines opened on one name share one
 * {@link Subscribers}.
 */
public final class LocalNotifier implements KvNotifier {
  private static final Map<String, Subscribers> REGISTRY = new ConcurrentHashMap<>();
  private final Subscribers subscribers;

  /** The notifier of {@code name} (e.g. {@code sqlite3:/abs/path.db#table}). */
  public static LocalNotifier forName(String name) {
    return new LocalNotifier(REGISTRY.computeIfAbsent(name, n -> new Subscribers()));
  }

  /** A notifier private to one engine instance. */
  public static LocalNotifier isolated() {
    return new LocalNotifier(new Subscribers());
  }

  private LocalNotifier(Subscribers subscribers) {
    this.subscribers = subscribers;
  }

  @Override
  public void publish(String channel) {
    subscribers.deliver(channel);
  }

  @Override
  public AutoCloseable subscribe(String channel, Runnable onMessage) {
    return subscribers.add(channel, onMessage);
  }
}
