package io.nectarfs.meta.sql;

import com.zaxxer.hikari.HikariDataSource;
import io.nectarfs.meta.kv.KvNotifier;
import io.nectarfs.meta.kv.Subscribers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL LISTEN/NOTIFY for one volume table: every publish is {@code pg_notify(<table>_events,
 * channel)} on a pooled connection; one dedicated connection per engine LISTENs and hands each
 * payload to the local {@link Subscribers}. The listener starts with the first subscription.
 *
 * <p>Concurrency: a daemon thread polls {@code getNotifications(500)} on the dedicated connection
 * and reconnects after a second when it fails (messages sent meanwhile are lost: subscribers
 * re-check on their own timer). Invariant: at most one listener thread per engine, stopped by
 * {@link #close}.
 */
final class PgNotifier implements KvNotifier, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PgNotifier.class);
  private final String jdbc;
  private final Properties props;
  private final HikariDataSource pool;
  private final String pgChannel;
  private final Subscribers subscribers = new Subscribers();
  private Thread listener;
  private volatile boolean closed;

  PgNotifier(String jdbc, Properties props, HikariDataSource pool, String table) {
    this.jdbc = jdbc;
    this.props = props;
    this.pool = pool;
    this.pgChannel = (table + "_events").toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public void publish(String channel) {
    try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      s.setString(1, pgChannel);
      s.setString(2, channel);
      s.execute();
      if (!c.getAutoCommit()) {
        c.commit();
      }
    } catch (SQLException e) {
      log.debug("NOTIFY failed: {}", e.toString());
    }
  }

  @Override
  public AutoCloseable subscribe(String channel, Runnable onMessage) {
    AutoCloseable handle = subscribers.add(channel, onMessage);
    startListener();
    return handle;
  }

  private synchronized void startListener() {
    if (listener != null || closed) {
      return;
    }
    CountDownLatchHolder ready = new CountDownLatchHolder();
    listener = new Thread(() -> listen(ready), "nectar-pg-listen-" + pgChannel);
    listener.setDaemon(true);
    listener.start();
    ready.await();
  }

  /** Lets the first subscriber wait until LISTEN is in place, so a release right after is not missed. */
  private static final class CountDownLatchHolder {
    final java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(1);

    void await() {
      try {
        latch.await(5, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void listen(CountDownLatchHolder ready) {
    while (!closed) {
      try (Connection c = Pools.connect(jdbc, props)) {
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN \"" + pgChannel + "\"");
        }
        ready.latch.countDown();
        PGConnection pg = c.unwrap(PGConnection.class);
        while (!closed) {
          PGNotification[] got = pg.getNotifications(500);
          if (got != null) {
            for (PGNotification n : got) {
              subscribers.deliver(n.getParameter());
            }
          }
        }
      } catch (SQLException | RuntimeException e) {
        ready.latch.countDown();
        if (closed) {
          return;
        }
        log.warn("LISTEN connection for {} failed, reconnecting: {}", pgChannel, e.toString());
        try {
          Thread.sleep(1000);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (listener != null) {
      listener.interrupt();
    }
  }
}
