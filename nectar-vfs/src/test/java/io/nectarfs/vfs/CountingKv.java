package io.nectarfs.vfs;

import io.nectarfs.meta.kv.KvDurability;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts write transactions, read transactions and syncs made on some threads; offers a counting durability barrier. */
final class CountingKv implements TxnKv {
  final AtomicInteger txns = new AtomicInteger();
  final AtomicInteger syncs = new AtomicInteger();
  final AtomicInteger reads = new AtomicInteger();
  private final TxnKv next;
  private final java.util.function.Predicate<Thread> counted;
  private final KvDurability barrier = () -> count(syncs);

  /** Counts the calls made on thread {@code counted}. */
  CountingKv(TxnKv next, Thread counted) {
    this(next, t -> t == counted);
  }

  /** Counts the calls made on the threads {@code counted} accepts. */
  CountingKv(TxnKv next, java.util.function.Predicate<Thread> counted) {
    this.next = next;
    this.counted = counted;
  }

  void zero() {
    txns.set(0);
    syncs.set(0);
    reads.set(0);
  }

  private void count(AtomicInteger n) {
    if (counted.test(Thread.currentThread())) {
      n.incrementAndGet();
    }
  }

  @Override
  public <T> T txn(Body<T> body) throws IOException {
    count(txns);
    return next.txn(body);
  }

  @Override
  public <T> T read(Body<T> body) throws IOException {
    count(reads);
    return next.read(body);
  }

  @Override
  public <T> Bulk<T> bulkRead(int pageSize, Body<T> body) throws IOException {
    return next.bulkRead(pageSize, body);
  }

  @Override
  public <T> Optional<T> capability(Class<T> type) {
    return type == KvDurability.class ? Optional.of(type.cast(barrier)) : next.capability(type);
  }

  @Override
  public String describe() {
    return next.describe();
  }

  @Override
  public void reset() throws IOException {
    next.reset();
  }

  @Override
  public void close() throws IOException {
    next.close();
  }
}
