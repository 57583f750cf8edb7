package io.nectarfs.object;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nectarfs.common.Latency;
import io.nectarfs.common.Metrics;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Records every request to the store below in the process registry: {@code
 * nectar_object_request_seconds{op}} (latency histogram; its {@code _count} is the number of
 * requests), {@code nectar_object_errors_total{op}}, {@code nectar_object_retries_total{op}} (told
 * by the retry layer below), and bytes read and written ({@code nectar_object_read_bytes_total},
 * {@code nectar_object_written_bytes_total}). A GET's latency is the time to open its stream (its
 * bytes are counted as the caller reads them), or for {@code getBytes} the whole read. No label names the store: URLs never become labels.
 *
 * <p>Concurrency: stateless apart from the thread-safe meters, registered once at construction.
 */
final class MeteredStore extends ForwardingStore implements ForwardsMultipart {
  /** The operations with their own meters; multipart calls count as {@code put}. */
  enum Op {
    GET, PUT, DELETE, HEAD, LIST, COPY;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  private final Latency[] timers = new Latency[Op.values().length];
  private final Counter[] errors = new Counter[Op.values().length];
  private final Counter[] retries = new Counter[Op.values().length];
  private final Counter readBytes;
  private final Counter writtenBytes;

  MeteredStore(ObjectStore next, Metrics metrics) {
    super(next);
    MeterRegistry r = metrics.registry();
    for (Op op : Op.values()) {
      timers[op.ordinal()] = metrics.latency("nectar_object_request", "latency of object storage requests", "op", op.label);
      errors[op.ordinal()] = Counter.builder("nectar_object_errors").tag("op", op.label).description("failed object storage requests").register(r);
      retries[op.ordinal()] = Counter.builder("nectar_object_retries").tag("op", op.label).description("object storage requests tried again").register(r);
    }
    readBytes = Counter.builder("nectar_object_read_bytes").baseUnit("bytes").description("bytes read from object storage").register(r);
    writtenBytes = Counter.builder("nectar_object_written_bytes").baseUnit("bytes").description("bytes written to object storage").register(r);
  }

  @FunctionalInterface
  private interface Call<T> {
    T run() throws IOException;
  }

  private <T> T timed(Op op, Call<T> call) throws IOException {
    long t0 = System.nanoTime();
    try {
      return call.run();
    } catch (IOException | RuntimeException e) {
      errors[op.ordinal()].increment();
      throw e;
    } finally {
      timers[op.ordinal()].record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  /** Called by a retry layer below with the description of the operation it tries again. */
  void retried(String what) {
    Op op = what.startsWith("get ") ? Op.GET
        : what.startsWith("head ") ? Op.HEAD
        : what.startsWith("delete ") ? Op.DELETE
        : what.startsWith("list ") ? Op.LIST
        : what.startsWith("copy ") ? Op.COPY
        : Op.PUT;
    retries[op.ordinal()].increment();
  }

  @Override
  public InputStream get(String key, long off, long len) throws IOException {
    InputStream in = timed(Op.GET, () -> next.get(key, off, len));
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          readBytes.increment();
        }
        return b;
      }

      @Override
      public int read(byte[] buf, int o, int n) throws IOException {
        int k = super.read(buf, o, n);
        if (k > 0) {
          readBytes.increment(k);
        }
        return k;
      }
    };
  }

  /** One GET into the caller's buffer (the layers below may fill it without an array of their own). */
  @Override
  public int read(String key, long off, java.nio.ByteBuffer dst) throws IOException {
    int n = timed(Op.GET, () -> next.read(key, off, dst));
    readBytes.increment(n);
    return n;
  }

  /** One GET whose latency includes reading the bytes. */
  @Override
  public byte[] getBytes(String key, long off, long len) throws IOException {
    byte[] b = timed(Op.GET, () -> next.getBytes(key, off, len));
    readBytes.increment(b.length);
    return b;
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    timed(Op.PUT, () -> {
      next.put(key, data);
      return null;
    });
    writtenBytes.increment(data.length);
  }

  @Override
  public void put(String key, List<java.nio.ByteBuffer> parts) throws IOException {
    long n = Buffers.remaining(parts);
    timed(Op.PUT, () -> {
      next.put(key, parts);
      return null;
    });
    writtenBytes.increment(n);
  }

  @Override
  public void put(String key, InputStream data, long length) throws IOException {
    timed(Op.PUT, () -> {
      next.put(key, data, length);
      return null;
    });
    writtenBytes.increment(length);
  }

  @Override
  public void delete(String key) throws IOException {
    timed(Op.DELETE, () -> {
      next.delete(key);
      return null;
    });
  }

  @Override
  public ObjectInfo head(String key) throws IOException {
    return timed(Op.HEAD, () -> next.head(key));
  }

  @Override
  public ListPage list(String prefix, String startAfter, String delimiter, int maxKeys) throws IOException {
    return timed(Op.LIST, () -> next.list(prefix, startAfter, delimiter, maxKeys));
  }

  @Override
  public void copy(String src, String dst) throws IOException {
    timed(Op.COPY, () -> {
      copyVia(next, src, dst);
      return null;
    });
  }

  @Override
  public Part uploadPart(String key, String uploadId, int number, InputStream data, long length) throws IOException {
    Part p = timed(Op.PUT, () -> below().uploadPart(key, uploadId, number, data, length));
    writtenBytes.increment(length);
    return p;
  }

  @Override
  public void completeMultipart(String key, String uploadId, List<Part> parts) throws IOException {
    timed(Op.PUT, () -> {
      below().completeMultipart(key, uploadId, parts);
      return null;
    });
  }
}
