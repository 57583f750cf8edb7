package io.nectarfs.meta.kv;

import java.io.IOException;

/**
 * A transactional, ordered key-value store: the small SPI that every metadata engine implements
 * (SQL databases, Redis, memory). Keys and values are byte arrays compared as unsigned bytes.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>{@link #txn} runs the body in a serializable transaction and commits when it returns. If
 *       the engine detects a conflict it throws {@link KvConflictException} (from the body's calls
 *       or at commit) and nothing is written; {@link Transactions} retries. The body may therefore
 *       run more than once and must touch nothing but the transaction.
 *   <li>A body that throws any other exception aborts the transaction: nothing is written.
 *   <li>An unreachable engine gives an {@link IOException} whose message names the redacted URL.
 *   <li>Implementations are thread-safe; transactions on different threads run concurrently.
 * </ul>
 */
public interface TxnKv extends AutoCloseable {

  /** A transaction body. */
  @FunctionalInterface
  interface Body<T> {
    T run(KvTxn tx) throws IOException;
  }

  /**
   * Runs {@code body} as one transaction, exactly once (no retry here: see {@link Transactions}).
   *
   * @throws KvConflictException if the transaction conflicted with another and was rolled back
   */
  <T> T txn(Body<T> body) throws IOException;

  /** Runs a read-only body; engines may use a cheaper snapshot. Writes in it are an error. */
  default <T> T read(Body<T> body) throws IOException {
    return txn(body);
  }

  /** What {@link #bulkRead} returns: the body's result and whether all it read was one snapshot. */
  record Bulk<T>(T value, boolean snapshot) {}

  /**
   * Runs a long read-only body for whole-volume scans (fsck, gc, dump, summary, quota check): its
   * scans read pages of about {@code pageSize} keys in one engine round trip each (SQL: one range
   * query per page; Redis: the partition indexes in pages and pipelined MGETs) and nothing is
   * tracked for conflicts, so it neither conflicts with writers nor retries. Writes in it are an
   * error. Scans visit keys in ascending order like {@link KvTxn#scan}.
   *
   * <p>{@link Bulk#snapshot} is true when everything the body read is one consistent state of the
   * volume: always for engines that read from a snapshot (SQL, mem); for Redis, when no commit
   * wrote into the key ranges the body read while it ran. When false, each page was consistent in
   * itself but a concurrent writer may have been seen half-way; callers re-check what they found.
   *
   * <p>The default runs the body as one {@link #read} transaction (a snapshot).
   */
  default <T> Bulk<T> bulkRead(int pageSize, Body<T> body) throws IOException {
    return new Bulk<>(read(body), true);
  }

  /**
   * This engine's implementation of an optional capability ({@link KvNotifier} today), or empty
   * when it has none. Capabilities are found only here, never by {@code instanceof}, so a wrapper
   * (metrics, fault injection) cannot hide or fake one. The default answers with this object when
   * it implements {@code type}: right for engines, wrong for wrappers, which override it. The
   * answer is fixed for the life of the engine.
   */
  default <T> java.util.Optional<T> capability(Class<T> type) {
    return type.isInstance(this) ? java.util.Optional.of(type.cast(this)) : java.util.Optional.empty();
  }

  /** The engine and address, redacted, e.g. {@code postgres://nectar:****@127.0.0.1:5432/db}. */
  String describe();

  /** Deletes every key of this volume (for {@code nectar destroy} and tests). */
  void reset() throws IOException;

  @Override
  void close() throws IOException;
}
