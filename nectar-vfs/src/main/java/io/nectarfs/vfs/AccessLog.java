package io.nectarfs.vfs;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The access log behind {@code /.accesslog}: one line per VFS operation, handed to every open
 * reader. The line format (docs/access-log.md):
 *
 * <pre>TIME [uid:U,gid:G,pid:P] OP (ARGS): RESULT &lt;SECONDS&gt;</pre>
 *
 * TIME is UTC with microseconds ({@code 2026-11-30T08:55:53.123456Z}); ARGS are {@code key=value}
 * pairs separated by {@code ,} (names quoted and escaped, so a line never contains a newline);
 * RESULT is {@code OK} (optionally followed by a value) or the errno name; SECONDS is the duration
 * with microseconds. Lines that start with {@code #} are notes: {@code # dropped N lines} when a
 * reader's buffer was full, {@code #} alone when nothing happened for a while (keep-alive).
 *
 * <p>Concurrency: operations call {@link #active()} (one volatile read of the reader array) and
 * build a line only when it is true. The reader array is copy-on-write under {@code this}. Each
 * {@link Reader} has its own lock and a bounded queue: a full queue drops the line and counts it,
 * so a slow reader never blocks an operation. Invariant: a reader's {@code dropped} count is
 * reported (as a note line) before any line logged after the drops.
 */
final class AccessLog {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
  static final int DEFAULT_CAPACITY = 32_768;

  private final Clock clock;
  private final int capacity;
  private final long keepAliveNanos;
  private final AtomicLong linesBuilt = new AtomicLong();
  private volatile Reader[] readers = new Reader[0];

  /**
   * @param capacity lines each reader may have waiting before new lines are dropped
   * @param keepAliveNanos how long a read waits for a line before it returns the note {@code #}
   */
  AccessLog(Clock clock, int capacity, long keepAliveNanos) {
    this.clock = clock;
    this.capacity = capacity;
    this.keepAliveNanos = keepAliveNanos;
  }

  /** Whether anybody reads: the one check an operation makes when nobody does. */
  boolean active() {
    return readers.length != 0;
  }

  /** Lines built since start (tests: zero while nobody reads). */
  long linesBuilt() {
    return linesBuilt.get();
  }

  /** The wall-clock time in nanoseconds since the epoch. */
  long now() {
    return clock.nowNanos();
  }

  /** Now on the log's clock, for {@link #log}'s start time. */
  long start() {
    return clock.monotonicNanos();
  }

  /**
   * Logs one finished operation to every reader ({@code failure} null: success; {@code result}
   * may be null). Does nothing when nobody reads.
   */
  void log(Ctx ctx, String op, String args, Throwable failure, String result, long startNanos) {
    Reader[] rs = readers;
    if (rs.length == 0) {
      return;
    }
    long nanos = Math.max(0, clock.monotonicNanos() - startNanos);
    StringBuilder b = new StringBuilder(96 + args.length());
    b.append(TIME.format(Instant.EPOCH.plusNanos(clock.nowNanos())))
        .append(" [uid:").append(ctx.uid()).append(",gid:").append(ctx.gid()).append(",pid:").append(ctx.pid())
        .append("] ").append(op).append(" (").append(args).append("): ");
    if (failure == null) {
      b.append("OK");
      if (result != null) {
        b.append(' ').append(result);
      }
    } else {
      b.append(failure instanceof FsException fe ? fe.errno().name() : Errno.EIO.name());
    }
    b.append(" <").append(nanos / 1_000_000_000L).append('.');
    String micros = Long.toString(nanos / 1_000 % 1_000_000);
    b.append("0".repeat(6 - micros.length())).append(micros).append(">\n");
    linesBuilt.incrementAndGet();
    String line = b.toString();
    for (Reader r : rs) {
      r.offer(line);
    }
  }

  /** A new reader; it receives every line logged from now until {@link Reader#close}. */
  Reader open() {
    Reader r = new Reader();
    synchronized (this) {
      Reader[] rs = Arrays.copyOf(readers, readers.length + 1);
      rs[rs.length - 1] = r;
      readers = rs;
    }
    return r;
  }

  private synchronized void remove(Reader r) {
    Reader[] rs = readers;
    for (int i = 0; i < rs.length; i++) {
      if (rs[i] == r) {
        Reader[] n = new Reader[rs.length - 1];
        System.arraycopy(rs, 0, n, 0, i);
        System.arraycopy(rs, i + 1, n, i, rs.length - i - 1);
        readers = n;
        return;
      }
    }
  }

  /** Closes every reader (the VFS is closing): blocked reads return the end of the file. */
  void closeAll() {
    for (Reader r : readers) {
      r.close();
    }
  }

  /** Quotes a name for a line: {@code "} and {@code \} escaped, control and non-UTF-8 bytes as {@code \xNN}. */
  static String quote(String name) {
    StringBuilder b = new StringBuilder(name.length() + 2).append('"');
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f || (c >= 0xDC80 && c <= 0xDCFF) || c == '\u2028' || c == '\u2029' || c == '\u0085') {
        int v = c >= 0xDC80 && c <= 0xDCFF ? c - 0xDC00 : c;
        b.append("\\x").append(Character.forDigit(v >> 4 & 0xf, 16)).append(Character.forDigit(v & 0xf, 16));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  /**
   * One open {@code /.accesslog}: a bounded queue of lines and the rest of a line a short read
   * left. Concurrency: all state under {@code lock}; {@link #offer} never waits for the reader.
   */
  final class Reader {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private ByteBuffer partial; // the unread rest of the line being read, or null
    private long dropped;
    private boolean closed;

    void offer(String line) {
      lock.lock();
      try {
        if (closed) {
          return;
        }
        if (lines.size() >= capacity) {
          dropped++;
          return;
        }
        if (dropped > 0) {
          lines.add(droppedNote()); // may exceed the capacity by this one note
        }
        lines.add(line);
        arrived.signalAll();
      } finally {
        lock.unlock();
      }
    }

    private String droppedNote() {
      String s = "# dropped " + dropped + " lines\n";
      dropped = 0;
      return s;
    }

    /**
     * Fills {@code dst} with waiting lines (a line that does not fit continues at the next read).
     * Waits until a line arrives; after the keep-alive time without one returns the note
     * {@code #}; 0 once closed and drained.
     *
     * @throws FsException EINTR when {@code ctx} is cancelled while waiting
     */
    int read(Ctx ctx, ByteBuffer dst) throws FsException {
      if (!dst.hasRemaining()) {
        return 0;
      }
      try (var reg = ctx.cancellation().onCancel(this::wake)) {
        lock.lock();
        try {
          long left = keepAliveNanos;
          while (partial == null && lines.isEmpty() && dropped == 0 && !closed) {
            ctx.checkCancelled();
            if (left <= 0) {
              partial = ByteBuffer.wrap("#\n".getBytes(StandardCharsets.UTF_8));
              break;
            }
            left = arrived.awaitNanos(left);
          }
          int n = 0;
          while (dst.hasRemaining()) {
            if (partial == null) {
              String l = lines.poll();
              if (l == null && dropped > 0) {
                l = droppedNote();
              }
              if (l == null) {
                break;
              }
              partial = ByteBuffer.wrap(l.getBytes(StandardCharsets.UTF_8));
            }
            int k = Math.min(dst.remaining(), partial.remaining());
            dst.put(dst.position(), partial, partial.position(), k);
            dst.position(dst.position() + k);
            partial.position(partial.position() + k);
            n += k;
            if (!partial.hasRemaining()) {
              partial = null;
            }
          }
          return n;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw Errno.EINTR.exception("access log read interrupted");
        } finally {
          lock.unlock();
        }
      }
    }

    private void wake() {
      lock.lock();
      try {
        arrived.signalAll();
      } finally {
        lock.unlock();
      }
    }

    /** Stops receiving lines; reads drain what is queued, then return end of file. Idempotent. */
    void close() {
      remove(this);
      lock.lock();
      try {
        closed = true; // lines already queued can still be read; then reads return end of file
        arrived.signalAll();
      } finally {
        lock.unlock();
      }
    }

    /** Lines waiting (tests). */
    int waiting() {
      lock.lock();
      try {
        return lines.size();
      } finally {
        lock.unlock();
      }
    }
  }
}
