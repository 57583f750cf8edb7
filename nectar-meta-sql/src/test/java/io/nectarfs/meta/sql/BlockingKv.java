package io.nectarfs.meta.sql;

import io.nectarfs.meta.kv.KvTxn;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A slow engine round trip on demand: once {@link #armNextWrite armed}, the first call made inside
 * the next write transaction reaches the engine and then is held (its answer "still on the wire")
 * until the test {@link #release}s it. The hold ignores thread interrupts, as a driver's socket
 * read must never see one; it records them in {@link #interruptedWhileHeld}.
 */
final class BlockingKv implements TxnKv {
  private final TxnKv kv;
  private final AtomicBoolean armed = new AtomicBoolean();
  final CountDownLatch held = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);
  volatile boolean interruptedWhileHeld;

  BlockingKv(TxnKv kv) {
    this.kv = kv;
  }

  void armNextWrite() {
    armed.set(true);
  }

  void release() {
    released.countDown();
  }

  private void hold() {
    held.countDown();
    boolean done = false;
    while (!done) {
      try {
        done = released.await(10, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        interruptedWhileHeld = true;
      }
    }
  }

  @Override
  public <T> T txn(Body<T> body) throws IOException {
    boolean hold = armed.compareAndSet(true, false);
    return kv.txn(tx -> body.run(hold ? new Holding(tx) : tx));
  }

  @Override
  public <T> T read(Body<T> body) throws IOException {
    return kv.read(body);
  }

  @Override
  public <T> Bulk<T> bulkRead(int pageSize, Body<T> body) throws IOException {
    return kv.bulkRead(pageSize, body);
  }

  @Override
  public String describe() {
    return kv.describe();
  }

  @Override
  public void reset() throws IOException {
    kv.reset();
  }

  @Override
  public void close() throws IOException {
    kv.close();
  }

  /** Holds after the first call it passes on. */
  private final class Holding implements KvTxn {
    private final KvTxn tx;
    private boolean first = true;

    Holding(KvTxn tx) {
      this.tx = tx;
    }

    private void afterCall() {
      if (first) {
        first = false;
        hold();
      }
    }

    @Override
    public byte[] get(byte[] key) throws IOException {
      byte[] v = tx.get(key);
      afterCall();
      return v;
    }

    @Override
    public List<byte[]> getAll(List<byte[]> keys) throws IOException {
      List<byte[]> v = tx.getAll(keys);
      afterCall();
      return v;
    }

    @Override
    public void scan(byte[] start, byte[] end, int limit, Visitor visitor) throws IOException {
      tx.scan(start, end, limit, visitor);
      afterCall();
    }

    @Override
    public void put(byte[] key, byte[] value) throws IOException {
      tx.put(key, value);
      afterCall();
    }

    @Override
    public void delete(byte[] key) throws IOException {
      tx.delete(key);
      afterCall();
    }

    @Override
    public long incrBy(byte[] key, long delta) throws IOException {
      long v = tx.incrBy(key, delta);
      afterCall();
      return v;
    }
  }
}
