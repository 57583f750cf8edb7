package io.nectarfs.fuse;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.nectarfs.fuse.linux.DevFuse;
import io.nectarfs.fuse.linux.LibC;
import io.nectarfs.fuse.wire.Buf;
import io.nectarfs.fuse.wire.Proto;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic transport: {@code readers} platform threads each own one descriptor of the
 * connection (the mounted one, then FUSE_DEV_IOC_CLONE'd ones) and loop poll → read into a pooled
 * native buffer → dispatch; a reply is one write(2) on the descriptor its request came from.
 *
 * <p>Concurrency: the reader threads share nothing but the pool and {@code stopping}; a reader
 * notices {@code stopping} within one poll timeout. Replies are written from any thread (write(2)
 * of one whole message is atomic on {@code /dev/fuse}).
 */
final class DevFuseTransport implements FuseTransport {
  private static final Logger log = LoggerFactory.getLogger(DevFuseTransport.class);
  private static final int POLL_MILLIS = 250;

  private final int[] fds;
  private final BufferPool pool;
  private final Requests sink;
  private final List<Thread> readers = new ArrayList<>();
  private volatile boolean stopping;

  /** Where replies to requests read from one descriptor go. */
  private record Fd(int fd) implements ReplyTo {
    @Override
    public void reply(Buf b, int len) {
      long w = LibC.write(b.errnoBox(), fd, b.segment(), len);
      if (w < 0) {
        warnUnlessGone(LibC.errno(b.errnoBox()));
      }
    }

    @Override
    public void error(long unique, int negErrno) {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment box = LibC.newErrnoBox(a);
        MemorySegment msg = a.allocate(Proto.OUT_HEADER, 8);
        ByteBuffer bb = msg.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        bb.putInt(0, Proto.OUT_HEADER).putInt(4, negErrno).putLong(8, unique);
        if (LibC.write(box, fd, msg, msg.byteSize()) < 0) {
          warnUnlessGone(LibC.errno(box));
        }
      }
    }

    private static void warnUnlessGone(int e) {
      if (e != LibC.ENOENT && e != LibC.ENODEV) {
        log.warn("writing a FUSE reply failed: {}", LibC.strerror(e));
      }
    }
  }

  /** {@code fds[i] < 0} means "share fds[0]" (cloning failed). */
  DevFuseTransport(int[] fds, BufferPool pool, Requests sink) {
    this.fds = fds;
    this.pool = pool;
    this.sink = sink;
  }

  @Override
  public String name() {
    return "dev-fuse";
  }

  void start() {
    for (int i = 0; i < fds.length; i++) {
      int fd = fds[i] >= 0 ? fds[i] : fds[0];
      readers.add(Thread.ofPlatform().daemon(true).name("nectar-fuse-reader-" + i).unstarted(() -> readLoop(fd)));
    }
    readers.forEach(Thread::start);
  }

  @Override
  public void stop(long deadlineNanos) {
    stopping = true;
    for (Thread t : readers) {
      FuseTransport.joinUntil(t, deadlineNanos);
    }
  }

  private void readLoop(int fd) {
    Fd to = new Fd(fd);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(arena);
      MemorySegment pfd = arena.allocate(8, 4);
      pfd.set(JAVA_INT, 0, fd);
      while (!stopping) {
        pfd.set(JAVA_SHORT, 4, (short) LibC.POLLIN);
        pfd.set(JAVA_SHORT, 6, (short) 0);
        int pr = LibC.poll(box, pfd, 1, POLL_MILLIS);
        if (pr == 0 || (pr < 0 && LibC.errno(box) == LibC.EINTR)) {
          continue;
        }
        if (stopping) {
          break;
        }
        Buf b = pool.take();
        long n = LibC.read(b.errnoBox(), fd, b.segment(), b.capacity());
        if (n < 0) {
          int e = LibC.errno(b.errnoBox());
          pool.give(b);
          if (e == LibC.EINTR || e == LibC.EAGAIN || e == LibC.ENOENT) {
            continue;
          }
          if (e != LibC.ENODEV) {
            log.error("reading {} failed: {}", DevFuse.DEVICE, LibC.strerror(e));
          }
          sink.ended("connection ended (" + LibC.strerror(e) + ")");
          return;
        }
        sink.dispatch(to, b, (int) n);
      }
    } catch (Throwable t) {
      log.error("FUSE reader died", t);
      sink.ended("reader failed");
    }
  }
}
