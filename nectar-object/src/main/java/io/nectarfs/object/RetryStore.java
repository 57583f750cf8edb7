package io.nectarfs.object;

import io.nectarfs.common.Ctx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Retries transient failures ({@link TransientStoreException}, and anything caused by a {@link
 * SocketTimeoutException} or {@link ConnectException}) with exponential backoff and full jitter:
 * before attempt {@code n+1} it sleeps a uniform random time in {@code [0, min(maxDelay, baseDelay
 * * 2^(n-1))]}. Nothing else is retried. After the last attempt the failure is a {@link
 * TransientStoreException} saying how many attempts were made and what the last error was.
 *
 * <p>Puts replay their input: it is buffered in memory up to {@value #MEMORY_LIMIT} bytes and
 * spooled to a temporary file beyond; a put of an array replays the array. Gets retry opening the
 * stream, not reading it; {@link #getBytes} retries the whole read.
 *
 * <p>Cancellation: before every retry (and after its backoff) it checks the operation's context
 * bound by {@link Ctx#callAs} ({@link Ctx#current()}), so a cancelled reader stops retrying with
 * EINTR/ETIMEDOUT; an attempt under way always completes. Work outside such a scope (uploads,
 * shared fetches) never stops.
 *
 * <p>Concurrency: stateless apart from the injected {@link Sleeper}.
 */
final class RetryStore extends ForwardingStore implements ForwardsMultipart {
  static final long MEMORY_LIMIT = 64L << 20;

  /** Sleeps; injected so tests do not wait. */
  interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  static final Sleeper REAL = d -> Thread.sleep(d);

  private final StoreOptions.Retry policy;
  private final Sleeper sleeper;
  /** Told the description of each operation about to be tried again (metrics); set once when the stack is metered. */
  volatile java.util.function.Consumer<String> onRetry = what -> {};

  RetryStore(ObjectStore next, StoreOptions.Retry policy, Sleeper sleeper) {
    super(next);
    this.policy = policy;
    this.sleeper = sleeper;
  }

  @FunctionalInterface
  private interface Op<T> {
    T run() throws IOException;
  }

  static boolean isTransient(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TransientStoreException || t instanceof SocketTimeoutException || t instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }

  /** The jittered delay before attempt {@code attempt + 1} ({@code attempt} >= 1). */
  Duration delay(int attempt) {
    long base = policy.baseDelay().toNanos();
    long max = policy.maxDelay().toNanos();
    long bound = max;
    if (attempt - 1 < 62 && base <= (Long.MAX_VALUE >> (attempt - 1))) {
      bound = Math.min(max, base << (attempt - 1));
    }
    return bound <= 0 ? Duration.ZERO : Duration.ofNanos(ThreadLocalRandom.current().nextLong(bound + 1));
  }

  private <T> T retry(String what, Op<T> op) throws IOException {
    IOException last = null;
    for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
      if (attempt > 1) {
        onRetry.accept(what);
        Ctx ctx = Ctx.current();
        ctx.checkCancelled();
        Duration d = delay(attempt - 1);
        if (!d.isZero()) {
          try {
            sleeper.sleep(d);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException ie = new InterruptedIOException(what + " interrupted while waiting to retry");
            ie.addSuppressed(last);
            throw ie;
          }
          ctx.checkCancelled();
        }
      }
      try {
        return op.run();
      } catch (IOException e) {
        if (!isTransient(e)) {
          throw e;
        }
        last = e;
      }
    }
    throw new TransientStoreException(what + " failed after " + policy.maxAttempts() + " attempts: " + last.getMessage(), last);
  }

  @Override
  public InputStream get(String key, long off, long len) throws IOException {
    return retry("get " + key, () -> next.get(key, off, len));
  }

  /** Retries the whole read (opening and reading), which is idempotent. */
  @Override
  public byte[] getBytes(String key, long off, long len) throws IOException {
    return retry("get " + key, () -> next.getBytes(key, off, len));
  }

  /** Retries the whole read into {@code dst}, from where it started. */
  @Override
  public int read(String key, long off, java.nio.ByteBuffer dst) throws IOException {
    int start = dst.position();
    return retry("get " + key, () -> {
      dst.position(start);
      return next.read(key, off, dst);
    });
  }

  /** The array is its own replay: no buffering copy. */
  @Override
  public void put(String key, byte[] data) throws IOException {
    Keys.check(key);
    retry("put " + key, () -> {
      next.put(key, data);
      return null;
    });
  }

  /** The buffers are their own replay (the layers below do not change them): no buffering copy. */
  @Override
  public void put(String key, List<java.nio.ByteBuffer> parts) throws IOException {
    Keys.check(key);
    retry("put " + key, () -> {
      next.put(key, parts);
      return null;
    });
  }

  @Override
  public ObjectInfo head(String key) throws IOException {
    return retry("head " + key, () -> next.head(key));
  }

  @Override
  public void delete(String key) throws IOException {
    retry("delete " + key, () -> {
      next.delete(key);
      return null;
    });
  }

  @Override
  public ListPage list(String prefix, String startAfter, String delimiter, int maxKeys) throws IOException {
    return retry("list " + prefix, () -> next.list(prefix, startAfter, delimiter, maxKeys));
  }

  @Override
  public void copy(String src, String dst) throws IOException {
    retry("copy " + src + " to " + dst, () -> {
      copyVia(next, src, dst);
      return null;
    });
  }

  /** Input that can be read again from the start for each attempt. */
  private interface Replay extends AutoCloseable {
    InputStream open() throws IOException;

    @Override
    void close() throws IOException;
  }

  private static Replay replayable(String key, InputStream data, long length) throws IOException {
    if (length <= MEMORY_LIMIT) {
      byte[] b = MemStore.readExactly(data, length, key);
      return new Replay() {
        @Override
        public InputStream open() {
          return new ByteArrayInputStream(b);
        }

        @Override
        public void close() {}
      };
    }
    Path f = Files.createTempFile("nectar-retry-", ".spool");
    try (OutputStream out = Files.newOutputStream(f)) {
      long n = new BoundedInputStream(data, length).transferTo(out);
      if (n != length) {
        throw new IOException("short input for " + key + ": expected " + length + " bytes, got " + n);
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(f);
      throw e;
    }
    return new Replay() {
      @Override
      public InputStream open() throws IOException {
        return Files.newInputStream(f);
      }

      @Override
      public void close() throws IOException {
        Files.deleteIfExists(f);
      }
    };
  }

  @Override
  public void put(String key, InputStream data, long length) throws IOException {
    Keys.check(key);
    try (Replay r = replayable(key, data, length)) {
      retry("put " + key, () -> {
        try (InputStream in = r.open()) {
          next.put(key, in, length);
        }
        return null;
      });
    }
  }

  @Override
  public String createMultipart(String key) throws IOException {
    return retry("create multipart upload of " + key, () -> below().createMultipart(key));
  }

  @Override
  public Part uploadPart(String key, String uploadId, int number, InputStream data, long length) throws IOException {
    try (Replay r = replayable(key, data, length)) {
      return retry("upload part " + number + " of " + key, () -> {
        try (InputStream in = r.open()) {
          return below().uploadPart(key, uploadId, number, in, length);
        }
      });
    }
  }

  @Override
  public void completeMultipart(String key, String uploadId, List<Part> parts) throws IOException {
    retry("complete multipart upload of " + key, () -> {
      below().completeMultipart(key, uploadId, parts);
      return null;
    });
  }

  @Override
  public void abortMultipart(String key, String uploadId) throws IOException {
    retry("abort multipart upload of " + key, () -> {
      below().abortMultipart(key, uploadId);
      return null;
    });
  }

  @Override
  public List<String> listMultipart(String key) throws IOException {
    return retry("list multipart uploads of " + key, () -> below().listMultipart(key));
  }
}
