package io.nectarfs.object;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Injects faults right above the backend: every operation first waits the configured latency,
 * then fails with probability {@code errorRate} with a {@link TransientStoreException} ("injected
 * fault …"); a put is torn (only a random prefix stored, success reported) with probability
 * {@code tornWriteRate}.
 *
 * <p>Concurrency: the decisions come from one seeded {@link Random} guarded by the injector's
 * monitor, so a single-threaded run is reproducible; rates are volatile and may change at any time.
 */
final class FaultStore extends ForwardingStore implements ForwardsMultipart {
  /** The shared state and controls; one per stack, shared by all shards. */
  static final class Injector implements FaultInjector {
    private final Random random;
    private final Duration latency;
    private volatile double errorRate;
    private volatile double tornWriteRate;
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong torn = new AtomicLong();

    Injector(StoreOptions.Faults f) {
      this.random = new Random(f.seed());
      this.latency = f.latency() == null ? Duration.ZERO : f.latency();
      setErrorRate(f.errorRate());
      setTornWriteRate(f.tornWriteRate());
    }

    private static double check(double r) {
      if (!(r >= 0 && r <= 1)) {
        throw new IllegalArgumentException("fault rate must be in [0,1], got " + r);
      }
      return r;
    }

    @Override
    public void setErrorRate(double rate) {
      errorRate = check(rate);
    }

    @Override
    public void setTornWriteRate(double rate) {
      tornWriteRate = check(rate);
    }

    @Override
    public long injectedErrors() {
      return errors.get();
    }

    @Override
    public long tornWrites() {
      return torn.get();
    }

    private synchronized double next() {
      return random.nextDouble();
    }

    private synchronized long nextLong(long bound) {
      return bound <= 0 ? 0 : random.nextLong(bound);
    }

    void maybeFail(String op, String key) throws IOException {
      if (!latency.isZero()) {
        try {
          Thread.sleep(latency);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted during injected latency");
        }
      }
      double r = errorRate;
      if (r > 0 && next() < r) {
        errors.incrementAndGet();
        throw new TransientStoreException("injected fault in " + op + " " + key);
      }
    }

    /** The number of bytes to really store for a put of {@code length}. */
    long tear(long length) {
      double r = tornWriteRate;
      if (r > 0 && length > 0 && next() < r) {
        torn.incrementAndGet();
        return nextLong(length);
      }
      return length;
    }
  }

  private final Injector injector;

  FaultStore(ObjectStore next, Injector injector) {
    super(next);
    this.injector = injector;
  }

  Injector injector() {
    return injector;
  }

  @Override
  public InputStream get(String key, long off, long len) throws IOException {
    injector.maybeFail("get", key);
    return next.get(key, off, len);
  }

  @Override
  public byte[] getBytes(String key, long off, long len) throws IOException {
    injector.maybeFail("get", key);
    return next.getBytes(key, off, len);
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    injector.maybeFail("put", key);
    long keep = injector.tear(data.length);
    next.put(key, keep == data.length ? data : java.util.Arrays.copyOf(data, (int) keep));
  }

  @Override
  public void put(String key, List<java.nio.ByteBuffer> parts) throws IOException {
    injector.maybeFail("put", key);
    long length = Buffers.remaining(parts);
    long keep = injector.tear(length);
    if (keep == length) {
      next.put(key, parts);
    } else {
      next.put(key, java.util.Arrays.copyOf(Buffers.join(parts), (int) keep));
    }
  }

  @Override
  public void put(String key, InputStream data, long length) throws IOException {
    injector.maybeFail("put", key);
    long keep = injector.tear(length);
    if (keep == length) {
      next.put(key, data, length);
    } else {
      byte[] all = TransformingStore.readAll(key, data, length);
      next.put(key, java.util.Arrays.copyOf(all, (int) keep));
    }
  }

  @Override
  public void delete(String key) throws IOException {
    injector.maybeFail("delete", key);
    next.delete(key);
  }

  @Override
  public ObjectInfo head(String key) throws IOException {
    injector.maybeFail("head", key);
    return next.head(key);
  }

  @Override
  public ListPage list(String prefix, String startAfter, String delimiter, int maxKeys) throws IOException {
    injector.maybeFail("list", prefix);
    return next.list(prefix, startAfter, delimiter, maxKeys);
  }

  @Override
  public void copy(String src, String dst) throws IOException {
    injector.maybeFail("copy", src);
    copyVia(next, src, dst);
  }

  @Override
  public String createMultipart(String key) throws IOException {
    injector.maybeFail("createMultipart", key);
    return below().createMultipart(key);
  }

  @Override
  public Part uploadPart(String key, String uploadId, int number, InputStream data, long length) throws IOException {
    injector.maybeFail("uploadPart", key);
    return below().uploadPart(key, uploadId, number, data, length);
  }

  @Override
  public void completeMultipart(String key, String uploadId, List<Part> parts) throws IOException {
    injector.maybeFail("completeMultipart", key);
    below().completeMultipart(key, uploadId, parts);
  }

  @Override
  public void abortMultipart(String key, String uploadId) throws IOException {
    injector.maybeFail("abortMultipart", key);
    below().abortMultipart(key, uploadId);
  }

  @Override
  public List<String> listMultipart(String key) throws IOException {
    injector.maybeFail("listMultipart", key);
    return below().listMultipart(key);
  }
}
