package io.nectarfs.meta.kv;

/**
 * An optional capability of a {@link TxnKv} engine, found by {@code instanceof}: best-effort
 * notifications between the clients of one volume, so that a waiter (a blocked lock) wakes when
 * something changed instead of polling the database. Engines: Redis (pub/sub on a dedicated
 * connection), PostgreSQL (LISTEN/NOTIFY on a dedicated connection), SQLite and memory
 * (in-process, {@link LocalNotifier}). MySQL has none; its waiters fall back to a backoff poll.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>{@link #publish} is called after the change committed; every subscriber of {@code channel}
 *       in any client of the same volume (same database and table or prefix) should see it soon.
 *   <li>Delivery is not guaranteed (a dropped connection loses messages): subscribers re-check the
 *       state on a long fallback timer.
 *   <li>{@code onMessage} runs on the engine's listener thread; it must be quick and not block.
 *   <li>Closing the returned handle stops delivery to {@code onMessage}; it is idempotent.
 * </ul>
 */
public interface KvNotifier {
  /** Announces a change on {@code channel} (an ASCII name such as {@code lock-123}). */
  void publish(String channel);

  /** Calls {@code onMessage} whenever {@code channel} is published, until the handle is closed. */
  AutoCloseable subscribe(String channel, Runnable onMessage);
}
