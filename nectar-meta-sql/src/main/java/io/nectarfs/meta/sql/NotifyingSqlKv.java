package io.nectarfs.meta.sql;

import com.zaxxer.hikari.HikariDataSource;
import io.nectarfs.meta.kv.KvNotifier;
import java.util.concurrent.locks.Lock;

/**
 * A {@link SqlKv} with notifications: SQLite (in-process, by database file and table) and
 * PostgreSQL (LISTEN/NOTIFY). MySQL engines are plain {@link SqlKv}s, so their lock waiters poll.
 */
final class NotifyingSqlKv extends SqlKv implements KvNotifier {
  private final KvNotifier notifier;
  private final AutoCloseable closeNotifier;

  NotifyingSqlKv(Dialect dialect, HikariDataSource pool, String table, SqlUrl url, Lock writeLock, Runnable onClose, KvNotifier notifier,
      AutoCloseable closeNotifier) {
    super(dialect, pool, table, url, writeLock, onClose);
    this.notifier = notifier;
    this.closeNotifier = closeNotifier;
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
