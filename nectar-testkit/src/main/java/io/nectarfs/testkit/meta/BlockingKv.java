package io.nectarfs.testkit.meta;

import io.nectarfs.meta.kv.KvTxn;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A slow engine round trip on demand (for cancellation tests): once armed, the first call made
 * inside the next write transaction (of a thread whose name starts with the armed prefix) reaches
 * the engine and then is held, its answer "still on the wire", until the test {@link #release}s
 * it. The hold ignores thread interrupts, as a driver's socket read must never see one, and
 * records them in {@link #interruptedWhileHeld}. One hold per instance. Thread-safe.
 */
public final class BlockingKv implements TxnKv {
  private final TxnKv kv;
  private final AtomicReference<String> armed = new AtomicReference<>();
  /** Counted down when the held call has reached the engine and is being held. */
  public final CountDownLatch held = new CountDownLatch(1);
  /** Counted down when the transaction that contained the held call has ended (either way). */
  public final CountDownLatch finished = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile boolean interruptedWhileHeld;

  public BlockingKv(TxnKv kv) {
    this.kv = kv;
  }

  /** Holds the first call of the next write transaction of any thread. */
  public void armNextWrite() {
    armNextWrite("");
  }

  /** Holds the first call of the next write transaction of a thread whose name starts with {@code threadNamePrefix}. */
  public void armNextWrite(String threadNamePrefix) {
    armed.set(threadNamePrefix);
  }

  /** Lets the held call return. */
  public void release() {
    released.countDown();
  }

  /** Whether the holding thread was interrupted while it held the call. */
  public boolean interruptedWhileHeld() {
    return interruptedWhileHeld;
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
    String prefix = armed.get();
    boolean hold = prefix != null && Thread.currentThread().getName().startsWith(prefix) && armed.compareAndSet(prefix, null);
    if (!hold) {
      return kv.txn(body);
    }
    try {
      return kv.txn(tx -> body.run(new Holding(tx)));
    } finally {
      finished.countDown();
    }
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
