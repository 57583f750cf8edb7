package io.nectarfs.meta.kv;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The in-memory engine ({@code mem://} private, {@code mem://name} shared within the JVM): a sorted
 * map behind one read-write lock.
 *
 * <p>Concurrency: a write transaction holds the write lock for its whole body, so transactions are
 * serial and never conflict; read transactions share the read lock. Writes are buffered and
 * applied at commit, so a body that throws leaves nothing behind.
 */
final class MemKv implements TxnKv, KvNotifier {
  private static final Map<String, MemKv> NAMED = new ConcurrentHashMap<>();

  private final String name;
  private final java.util.TreeMap<byte[], byte[]> data = new java.util.TreeMap<>(Bytes.ORDER);
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  private final LocalNotifier notifier;

  private MemKv(String name) {
    this.name = name;
    this.notifier = name.isEmpty() ? LocalNotifier.isolated() : LocalNotifier.forName("mem://" + name);
  }

  @Override
  public void publish(String channel) {
    notifier.publish(channel);
  }

  @Override
  public AutoCloseable subscribe(String channel, Runnable onMessage) {
    return notifier.subscribe(channel, onMessage);
  }

  static MemKv named(String name) {
    return name.isEmpty() ? new MemKv("") : NAMED.computeIfAbsent(name, MemKv::new);
  }

  private final WriteBuffer.Base base = new WriteBuffer.Base() {
    @Override
    public byte[] get(byte[] key) {
      return data.get(key);
    }

    @Override
    public void scan(byte[] start, byte[] end, KvTxn.Visitor visitor) throws IOException {
      var m = end == null ? data.tailMap(start, true) : data.subMap(start, true, end, false);
      for (var e : m.entrySet()) {
        if (!visitor.visit(e.getKey(), e.getValue())) {
          return;
        }
      }
    }
  };

  @Override
  public <T> T txn(Body<T> body) throws IOException {
    lock.writeLock().lock();
    try {
      WriteBuffer buf = new WriteBuffer();
      T result = body.run(new BufferedTxn(buf, base, false));
      for (WriteBuffer.Op op : buf.pending()) {
        if (op.value() == null) {
          data.remove(op.key());
        } else {
          data.put(op.key(), op.value());
        }
      }
      return result;
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public <T> T read(Body<T> body) throws IOException {
    lock.readLock().lock();
    try {
      return body.run(new BufferedTxn(new WriteBuffer(), base, true));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public String describe() {
    return "mem://" + name;
  }

  @Override
  public void reset() {
    lock.writeLock().lock();
    try {
      data.clear();
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public void close() {}
}
