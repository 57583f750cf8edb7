package io.nectarfs.meta.kv;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The local fan-out behind every {@link KvNotifier}: channel name to the callbacks subscribed in
 * this process. Engines deliver one message per publish to {@link #deliver}.
 *
 * <p>Concurrency: a concurrent map of copy-on-write lists; subscribe, unsubscribe and deliver may
 * run on any thread. Invariant: a channel with no callbacks has no map entry.
 */
public final class Subscribers {
  private final Map<String, List<Runnable>> byChannel = new ConcurrentHashMap<>();

  /** Adds a callback; the handle removes it. */
  public AutoCloseable add(String channel, Runnable onMessage) {
    byChannel.compute(channel, (c, l) -> {
      List<Runnable> list = l == null ? new CopyOnWriteArrayList<>() : l;
      list.add(onMessage);
      return list;
    });
    return () -> byChannel.computeIfPresent(channel, (c, l) -> {
      l.remove(onMessage);
      return l.isEmpty() ? null : l;
    });
  }

  /** Runs the callbacks of {@code channel}; one that throws does not stop the others. */
  public void deliver(String channel) {
    List<Runnable> list = byChannel.get(channel);
    if (list == null) {
      return;
    }
    for (Runnable r : list) {
      try {
        r.run();
      } catch (RuntimeException ignored) {
        // a subscriber's bug must not break delivery to the others
      }
    }
  }

  public boolean isEmpty() {
    return byChannel.isEmpty();
  }
}
