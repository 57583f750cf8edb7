package io.nectarfs.meta.kv;

import io.nectarfs.common.Ctx;
import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs {@link TxnKv} transactions with retries on conflict: up to {@link #MAX_ATTEMPTS} attempts
 * with a random backoff that grows with the attempt number (capped at 100 ms), so that clients
 * racing on one directory make progress without a thundering herd.
 *
 * <p>Cancellation: the forms taking a {@link Ctx} check it before every attempt and before every
 * call the body makes on the transaction ({@code ctx.checkCancelled()}: EINTR or ETIMEDOUT). A
 * check that fails inside the body aborts the transaction, so a cancelled operation has committed
 * whole or not at all; an engine call already under way always completes (no thread interrupt
 * reaches driver I/O). The forms without a context are for background work and never stop.
 */
public final class Transactions {
  public static final int MAX_ATTEMPTS = 50;

  private Transactions() {}

  /** Runs {@code body} until it commits without conflict; the body may run several times. */
  public static <T> T run(TxnKv kv, TxnKv.Body<T> body) throws IOException {
    return run(kv, Ctx.ROOT, body);
  }

  /** Runs {@code body} until it commits without conflict, stopping at check points when {@code ctx} is cancelled. */
  public static <T> T run(TxnKv kv, Ctx ctx, TxnKv.Body<T> body) throws IOException {
    TxnKv.Body<T> b = checked(ctx, body);
    KvConflictException last = null;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      ctx.checkCancelled();
      try {
        return kv.txn(b);
      } catch (KvConflictException e) {
        last = e;
        backoff(attempt);
        retried(kv, MeteredTxnKv.Kind.TXN, attempt);
      }
    }
    throw new IOException("transaction still conflicting after " + MAX_ATTEMPTS + " attempts on " + kv.describe(), last);
  }

  /** Runs a read-only body, retrying conflicts the same way. */
  public static <T> T read(TxnKv kv, TxnKv.Body<T> body) throws IOException {
    return read(kv, Ctx.ROOT, body);
  }

  /** Runs a read-only body, retrying conflicts, stopping at check points when {@code ctx} is cancelled. */
  public static <T> T read(TxnKv kv, Ctx ctx, TxnKv.Body<T> body) throws IOException {
    TxnKv.Body<T> b = checked(ctx, body);
    KvConflictException last = null;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      ctx.checkCancelled();
      try {
        return kv.read(b);
      } catch (KvConflictException e) {
        last = e;
        backoff(attempt);
        retried(kv, MeteredTxnKv.Kind.READ, attempt);
      }
    }
    throw new IOException("read still conflicting after " + MAX_ATTEMPTS + " attempts on " + kv.describe(), last);
  }

  /** Runs a bulk read ({@link TxnKv#bulkRead}), retrying an engine's conflict (e.g. SQLite busy) the same way. */
  public static <T> TxnKv.Bulk<T> bulk(TxnKv kv, int pageSize, TxnKv.Body<T> body) throws IOException {
    KvConflictException last = null;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        return kv.bulkRead(pageSize, body);
      } catch (KvConflictException e) {
        last = e;
        backoff(attempt);
        retried(kv, MeteredTxnKv.Kind.BULK_READ, attempt);
      }
    }
    throw new IOException("bulk read still conflicting after " + MAX_ATTEMPTS + " attempts on " + kv.describe(), last);
  }

  private static <T> TxnKv.Body<T> checked(Ctx ctx, TxnKv.Body<T> body) {
    if (!ctx.cancellation().cancellable() && !ctx.deadline().isSet()) {
      return body;
    }
    return tx -> body.run(new CheckedTxn(tx, ctx));
  }

  /** Counts a retry of a metered engine when another attempt follows. */
  private static void retried(TxnKv kv, MeteredTxnKv.Kind kind, int attempt) {
    if (attempt + 1 < MAX_ATTEMPTS && kv instanceof MeteredTxnKv m) {
      m.retried(kind);
    }
  }

  private static void backoff(int attempt) throws IOException {
    long maxMicros = Math.min(100_000L, 50L * (attempt + 1) * (attempt + 1));
    long micros = ThreadLocalRandom.current().nextLong(maxMicros + 1);
    try {
      Thread.sleep(micros / 1000, (int) (micros % 1000) * 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while retrying a transaction");
    }
  }
}
