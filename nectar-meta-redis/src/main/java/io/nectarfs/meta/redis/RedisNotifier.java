package io.nectarfs.meta.redis;

import io.nectarfs.meta.kv.KvNotifier;
import io.nectarfs.meta.kv.Subscribers;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPubSub;

/**
 * Redis pub/sub for one volume: publish is {@code PUBLISH <tag>nectar-events channel} on a pooled
 * connection; a dedicated subscriber connection (started with the first subscription) receives
 * every message and hands it to the local {@link Subscribers}.
 *
 * <p>Concurrency: the subscriber runs on its own daemon thread, blocked in SUBSCRIBE; when the
 * connection drops it reconnects after a second (messages meanwhile are lost, subscribers re-check
 * on their own timer). Invariant: at most one subscriber thread per engine, stopped by {@link
 * #close} through UNSUBSCRIBE and closing its connection.
 */
final class RedisNotifier implements KvNotifier, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisNotifier.class);
  private final JedisPool pool;
  private final Supplier<Jedis> dedicated;
  private final String redisChannel;
  private final Subscribers subscribers = new Subscribers();
  private Thread thread;
  private volatile JedisPubSub pubsub;
  private volatile Jedis connection;
  private volatile boolean closed;

  RedisNotifier(JedisPool pool, Supplier<Jedis> dedicated, String tag) {
    this.pool = pool;
    this.dedicated = dedicated;
    this.redisChannel = tag + "nectar-events";
  }

  @Override
  public void publish(String channel) {
    try (Jedis j = pool.getResource()) {
      j.publish(redisChannel, channel);
    } catch (RuntimeException e) {
      log.debug("PUBLISH failed: {}", e.toString());
    }
  }

  @Override
  public AutoCloseable subscribe(String channel, Runnable onMessage) {
    AutoCloseable handle = subscribers.add(channel, onMessage);
    start();
    return handle;
  }

  private synchronized void start() {
    if (thread != null || closed) {
      return;
    }
    CountDownLatch ready = new CountDownLatch(1);
    thread = new Thread(() -> run(ready), "nectar-redis-subscriber");
    thread.setDaemon(true);
    thread.start();
    try {
      ready.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run(CountDownLatch ready) {
    while (!closed) {
      try (Jedis j = dedicated.get()) {
        connection = j;
        JedisPubSub ps = new JedisPubSub() {
          @Override
          public void onMessage(String ch, String message) {
            subscribers.deliver(message);
          }

          @Override
          public void onSubscribe(String ch, int count) {
            ready.countDown();
          }
        };
        pubsub = ps;
        j.subscribe(ps, redisChannel);
      } catch (RuntimeException e) {
        ready.countDown();
        if (closed) {
          return;
        }
        log.warn("Redis subscriber connection failed, reconnecting: {}", e.toString());
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
    try {
      JedisPubSub ps = pubsub;
      if (ps != null && ps.isSubscribed()) {
        ps.unsubscribe();
      }
    } catch (RuntimeException ignored) {
      // the connection is closed below anyway
    }
    Jedis c = connection;
    if (c != null) {
      try {
        c.close();
      } catch (RuntimeException ignored) {
        // already broken
      }
    }
  }
}
