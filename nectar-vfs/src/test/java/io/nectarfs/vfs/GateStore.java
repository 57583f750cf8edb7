package io.nectarfs.vfs;

import io.nectarfs.object.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Holds puts (uploads) while the gate is closed; once killed, fails every put and delete, as a dead process's would. */
final class GateStore extends ForwardingObjectStore {
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private volatile boolean dead;

  GateStore(ObjectStore next) {
    super(next);
  }

  void closeGate() {
    gate = new CountDownLatch(1);
  }

  void openGate() {
    gate.countDown();
  }

  /** From now on every put (held ones too) and delete fails. */
  void kill() {
    dead = true;
    gate.countDown();
  }

  @Override
  public void delete(String key) throws IOException {
    if (dead) {
      throw new IOException("the client is dead");
    }
    next.delete(key);
  }

  @Override
  public String describe() {
    return "gate(" + next.describe() + ")";
  }

  @Override
  public void put(String key, InputStream data, long length) throws IOException {
    try {
      gate.await(10, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("closing");
    }
    if (dead) {
      throw new IOException("the client is dead");
    }
    next.put(key, data, length);
  }
}
