package io.nectarfs.cache;

import io.nectarfs.common.Ctx;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/** A provider over an in-memory "object store" and "cache", for tests; {@link #gate} can hold reads. */
final class MemProvider implements BlockProvider {
  final Map<String, byte[]> store = new ConcurrentHashMap<>();
  final Set<String> cached = ConcurrentHashMap.newKeySet();
  /** Counted down by each read as it starts. */
  volatile CountDownLatch entered = new CountDownLatch(0);
  /** Reads wait for it before answering. */
  volatile CountDownLatch gate = new CountDownLatch(0);

  @Override
  public byte[] read(Ctx ctx, String key, int blockLen, int off, int len) throws IOException {
    entered.countDown();
    try {
      gate.await();
    } catch (InterruptedException e) {
      throw new java.io.InterruptedIOException();
    }
    byte[] b = block(key, blockLen);
    cached.add(key);
    return Arrays.copyOfRange(b, off, off + len);
  }

  private byte[] block(String key, int blockLen) throws NoSuchFileException {
    byte[] b = store.get(key);
    if (b == null || b.length != blockLen) {
      throw new NoSuchFileException(key);
    }
    return b;
  }

  @Override
  public boolean has(String key, int blockLen) {
    return cached.contains(key);
  }

  /** Warm-ups wait for it. */
  volatile CountDownLatch warmGate = new CountDownLatch(0);

  @Override
  public void warm(Ctx ctx, String key, int blockLen) throws IOException {
    try {
      warmGate.await();
    } catch (InterruptedException e) {
      throw new java.io.InterruptedIOException();
    }
    block(key, blockLen);
    cached.add(key);
  }

  /** Blocks other members fetched for this one. */
  final Map<String, byte[]> kept = new ConcurrentHashMap<>();

  @Override
  public void keep(Ctx ctx, String key, int blockLen, byte[] block) {
    kept.put(key, block);
    cached.add(key);
  }

  @Override
  public boolean evict(String key, int blockLen) {
    return cached.remove(key);
  }

  @Override
  public Stats stats() {
    long bytes = cached.stream().mapToLong(k -> store.get(k).length).sum();
    return new Stats(cached.size(), bytes, 1L << 30);
  }
}
