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

  /** The engine and address, redacted, e.g. {@code postgres://nectar:****@127.0.0.1:5432/db}. */
  String describe();

  /** Deletes every key of this volume (for {@code nectar destroy} and tests). */
  void reset() throws IOException;

  @Override
  void close() throws IOException;
}
