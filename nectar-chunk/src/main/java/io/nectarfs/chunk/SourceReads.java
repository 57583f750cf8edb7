package io.nectarfs.chunk;

import io.micrometer.core.instrument.Counter;
import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chunk store's calls to its {@link BlockSource}: each under a deadline of the source's
 * {@link BlockSource#timeout()} on the store's clock, every failure turned into "read the object
 * store" (null) and counted by reason, cancellation of the reader passed on.
 *
 * <p>Logging: the first fallback for an error, a timeout or a wrong length is logged at once,
 * later ones at most every {@link #LOG_EVERY_NANOS} with how many happened since (a dead peer
 * under a busy reader must not flood the log). Misses are normal and only counted.
 *
 * <p>Concurrency: thread-safe; the counters are Micrometer counters, the log window one atomic.
 */
final class SourceReads {
  private static final Logger log = LoggerFactory.getLogger(SourceReads.class);
  static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final BlockSource source;
  private final Clock time;
  private final ChunkMeters meters;
  private final AtomicLong lastLog = new AtomicLong(Long.MIN_VALUE); // monotonic nanos of the last warning
  private final AtomicLong unlogged = new AtomicLong();

  SourceReads(BlockSource source, Clock time, ChunkMeters meters) {
    this.source = source;
    this.time = time;
    this.meters = meters;
  }

  /**
   * Bytes {@code [off, off + len)} of block {@code key} from the source, or null: read the object
   * store. {@code reader} is the context whose cancellation stops the read ({@link
   * Ctx#uncancellable()} for a fetch shared by several readers).
   *
   * @throws IOException only EINTR/ETIMEDOUT of {@code reader} or an interruption of the thread
   */
  byte[] fetch(Ctx reader, String key, int blockLen, int off, int len) throws IOException {
    reader.checkCancelled();
    byte[] b;
    try {
      Ctx limited = reader.withTimeout(time, source.timeout()); // inside: a source's bug here is a fallback too
      b = source.fetch(limited, key, blockLen, off, len);
    } catch (FsException e) {
      if (reader.isCancelled() && (e.errno() == Errno.EINTR || e.errno() == Errno.ETIMEDOUT)) {
        throw e; // the reader's own cancellation, not the source's failure
      }
      return fallback(e.errno() == Errno.ETIMEDOUT ? meters.fallbackTimeout : meters.fallbackError, "failed", key, e);
    } catch (SocketTimeoutException e) {
      return fallback(meters.fallbackTimeout, "timed out", key, e);
    } catch (InterruptedIOException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      return fallback(meters.fallbackError, "failed", key, e);
    }
    if (b == null) {
      meters.fallbackMiss.increment();
      return null;
    }
    if (b.length != len) {
      return fallback(meters.fallbackLength, "answered " + b.length + " bytes for " + len, key, null);
    }
    meters.peerBytes.increment(len);
    return b;
  }

  private byte[] fallback(Counter reason, String what, String key, Exception e) {
    reason.increment();
    long now = time.monotonicNanos();
    long last = lastLog.get();
    if (last != Long.MIN_VALUE && now - last < LOG_EVERY_NANOS) {
      unlogged.incrementAndGet();
      return null;
    }
    if (lastLog.compareAndSet(last, now)) {
      long more = unlogged.getAndSet(0);
      log.warn("block source {} for {}, reading the object store instead{}{}", what, key, e == null ? "" : ": " + e,
          more == 0 ? "" : " (" + more + " more fallbacks since the last warning)");
    } else {
      unlogged.incrementAndGet();
    }
    return null;
  }
}
