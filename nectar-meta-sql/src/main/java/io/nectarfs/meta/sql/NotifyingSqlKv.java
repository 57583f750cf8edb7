package io.nectarfs.meta.sql;

import io.nectarfs.meta.kv.KvDurability;
import io.nectarfs.meta.kv.KvNotifier;
import java.util.concurrent.locks.Lock;

/**
 * A {@link SqlKv} with notifications: SQLite (in-process, by database file and table) and
 * PostgreSQL (LISTEN/NOTIFY). MySQL engines are plain {@link SqlKv}s, so their lock waiters poll.
 */
final class NotifyingSqlKv extends SqlKv implements KvNotifier {
  private final KvNotifier notifier;
  private final AutoCloseable closeNotifier;
  private final KvDurability durability; // null: every commit is durable on return

  NotifyingSqlKv(Dialect dialect, SqlConnections pool, String table, SqlUrl url, Lock writeLock, Runnable onClose, KvNotifier notifier,
      AutoCloseable closeNotifier) {
    this(dialect, pool, table, url, writeLock, onClose, notifier, closeNotifier, null);
  }

  NotifyingSqlKv(Dialect dialect, SqlConnections pool, String table, SqlUrl url, Lock writeLock, Runnable onClose, KvNotifier notifier,
      AutoCloseable closeNotifier, KvDurability durability) {
    super(dialect, pool, table, url, writeLock, onClose);
    this.notifier = notifier;
    this.closeNotifier = closeNotifier;
    this.durability = durability;
  }

  @Override
  public <T> java.util.Optional<T> capability(Class<T> type) {
    if (type == KvDurability.class && durability != null) {
      return java.util.Optional.of(type.cast(durability));
    }
    return super.capability(type);
  }

  @Override
  public void publish(String channel) {
    notifier.publish(channel);
  }

  @Override
  public AutoCloseable subscribe(String channel, Runnable onMessage) {
    return notifier.subscribe(channel, onMessage);
  }

  @Override
  public void close() {
    try {
      closeNotifier.close();
    } catch (Exception ignored) {
      // the listener thread ends with its connection
    }
    super.close();
  }
}
