package io.nectarfs.fuse;

import io.nectarfs.fuse.linux.DevFuse;
import io.nectarfs.fuse.linux.LibC;
import io.nectarfs.fuse.wire.Buf;
import io.nectarfs.fuse.wire.Proto;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import io.nectarfs.fuse.linux.Epoll;
import io.nectarfs.fuse.linux.FdPassing;
import io.nectarfs.fuse.linux.NativeException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic transport, served like libfuse's multithreaded loop: worker platform threads each
 * wait for a request (epoll, EPOLLEXCLUSIVE on the connection's descriptor, so one request wakes
 * one idle worker), read it into a pooled native buffer and {@code dispatch} it on their own
 * thread, which may run the handler there; a reply is one write(2) on the descriptor its request
 * came from. A worker that takes a request and leaves no other worker idle starts one more (up to
 * {@code maxWorkers}), so a busy or blocked handler never stops the reading; a worker idle for
 * {@link #IDLE_MILLIS} ends while more than {@code fds.length} are idle, so the pool shrinks back
 * without starting and ending threads as the load comes and goes. With
 * attribute caching off, a stat is then one LOOKUP: one wake-up, one read, the handler and one
 * write on one thread, as in libfuse (before: poll woke every reader, and each request was handed
 * to a virtual thread).
 *
 * <p>Concurrency: {@code idle} counts workers waiting (or about to wait) for a request, {@code
 * live} all workers; both only change by atomic updates, and a worker counted idle is always
 * about to read, so {@code idle > 0} means a request will be read without help. {@code workers}
 * (the threads started and not retired, each with its {@link #WAITING}/{@link #BUSY}/{@link
 * #STOPPED} state, for {@link #stop}) is a concurrent map whose monitor orders starting a worker
 * against {@link #stop}: none starts after it. Stopping writes the {@code stop} eventfd, which
 * wakes every waiter at once, then claims each waiting worker (WAITING to STOPPED): a worker only
 * reads after moving its own state from WAITING to BUSY, so a claimed one never reads again and
 * {@link #stop} need not wait for it to be scheduled (under load that took tens of ms per thread,
 * in a takeover's pause). Only busy workers are joined: they end after the request in hand. The
 * eventfd stays open until the last worker has ended: a claimed worker's epoll instance, still
 * registered on the connection, must keep finding it ready, or that worker would wait again and,
 * with EPOLLEXCLUSIVE, take a wake-up meant for a successor's reader. Replies are written from
 * any thread (write(2) of one whole message is atomic on {@code /dev/fuse}).
 */
final class DevFuseTransport implements FuseTransport {
  private static final Logger log = LoggerFactory.getLogger(DevFuseTransport.class);
  /** A worker beyond the first {@code fds.length} ends after this long without a request. */
  static final int IDLE_MILLIS = 10_000;

  private final int[] fds;
  private final BufferPool pool;
  private final Requests sink;
  private final int minIdle;
  private final int maxWorkers;
  /** Worker states: waiting for a request (stop may claim it), reading or handling one, claimed by stop. */
  static final int WAITING = 0;
  static final int BUSY = 1;
  static final int STOPPED = 2;

  /** Tests only: runs in every worker right after each wake-up, before it may read. */
  static volatile Runnable afterWakeForTests;

  private final Map<Thread, AtomicInteger> workers = new ConcurrentHashMap<>();
  private final ThreadReserve reserve;
  private final AtomicBoolean stopClosed = new AtomicBoolean();
  private final AtomicInteger idle = new AtomicInteger();
  private final AtomicInteger live = new AtomicInteger();
  private final AtomicInteger started = new AtomicInteger();
  private final int stop;
  private volatile boolean stopping;
  /** When ({@link System#nanoTime}) the first worker began to wait for requests. */
  private final java.util.concurrent.CompletableFuture<Long> reading = new java.util.concurrent.CompletableFuture<>();

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

  /**
   * {@code fds[i] < 0} means "share fds[0]" (cloning failed); worker {@code i} reads {@code
   * fds[i % fds.length]}. {@code fds.length} workers start and stay; more start when
   * all are busy, up to {@code maxWorkers}, and end after {@link #IDLE_MILLIS} idle. Worker
   * threads come from {@code reserve} while it has some ({@link ThreadReserve#NONE}: none).
   */
  DevFuseTransport(int[] fds, BufferPool pool, Requests sink, int maxWorkers, ThreadReserve reserve) throws NativeException {
    this.fds = fds;
    this.reserve = reserve;
    this.pool = pool;
    this.sink = sink;
    this.minIdle = fds.length;
    this.maxWorkers = Math.max(maxWorkers, fds.length + 1);
    for (int fd : fds) {
      if (fd >= 0) {
        DevFuse.setNonBlocking(fd); // a worker woken for a request another worker took must not block
      }
    }
    this.stop = Epoll.eventFd();
  }

  /** Completes with the {@link System#nanoTime} at which the first worker began to wait for requests. */
  java.util.concurrent.CompletableFuture<Long> reading() {
    return reading.copy();
  }

  /** Worker threads started so far. */
  int workersStarted() {
    return started.get();
  }

  @Override
  public String name() {
    return "dev-fuse";
  }

  void start() {
    for (int i = 0; i < fds.length; i++) {
      live.incrementAndGet();
      idle.incrementAndGet();
      startWorker();
    }
  }

  /** Starts a worker already counted in {@code live} and {@code idle}. */
  private void startWorker() {
    synchronized (workers) {
      if (stopping) {
        idle.decrementAndGet();
        ended();
        return; // stop() has taken the list of workers to join
      }
      int i = started.getAndIncrement();
      int fd = fds[i % fds.length] >= 0 ? fds[i % fds.length] : fds[0];
      AtomicInteger state = new AtomicInteger(BUSY);
      String name = "nectar-fuse-worker-" + i;
      Thread t = reserve.take(name, () -> work(fd, state));
      if (t == null) {
        t = Thread.ofPlatform().daemon(true).name(name).unstarted(() -> work(fd, state));
        t.start();
      }
      workers.put(t, state);
    }
  }

  @Override
  public void stop(long deadlineNanos) {
    synchronized (workers) {
      stopping = true;
    }
    Epoll.signal(stop);
    for (Map.Entry<Thread, AtomicInteger> w : List.copyOf(workers.entrySet())) {
      if (!w.getValue().compareAndSet(WAITING, STOPPED)) {
        FuseTransport.joinUntil(w.getKey(), deadlineNanos); // busy: ends after the request in hand
      }
    }
    if (live.get() == 0) {
      closeStop();
    }
  }

  /** A worker ended (or was never started after all): the last one after {@link #stop} closes the eventfd. */
  private void ended() {
    if (live.decrementAndGet() == 0 && stopping) {
      closeStop();
    }
  }

  private void closeStop() {
    if (stopClosed.compareAndSet(false, true)) {
      FdPassing.closeQuietly(stop);
    }
  }

  private void work(int fd, AtomicInteger state) {
    Fd to = new Fd(fd);
    try (Epoll ep = Epoll.open()) {
      ep.addExclusive(fd);
      ep.add(stop);
      if (!reading.isDone()) {
        reading.complete(System.nanoTime());
      }
      while (true) {
        state.set(WAITING);
        int ready = ep.await(IDLE_MILLIS);
        Runnable hook = afterWakeForTests;
        if (hook != null) {
          hook.run();
        }
        if (stopping || !state.compareAndSet(WAITING, BUSY)) {
          break; // claimed by stop(): reads nothing more
        }
        if (ready < 0) {
          throw new NativeException("epoll_wait", -ready);
        }
        if (ready == 0) {
          if (retireIdle()) {
            break;
          }
          continue;
        }
        Buf b = pool.take();
        long n = LibC.read(b.errnoBox(), fd, b.segment(), b.capacity());
        if (n < 0) {
          int e = LibC.errno(b.errnoBox());
          pool.give(b);
          if (e == LibC.EINTR || e == LibC.EAGAIN || e == LibC.ENOENT) {
            continue; // another worker took it, or the kernel dropped it (interrupted before read)
          }
          if (e != LibC.ENODEV) {
            log.error("reading {} failed: {}", DevFuse.DEVICE, LibC.strerror(e));
          }
          sink.ended("connection ended (" + LibC.strerror(e) + ")");
          break;
        }
        if (idle.decrementAndGet() == 0) {
          growIfRoom();
        }
        sink.dispatch(to, b, (int) n, true);
        if (stopping) {
          break; // a handler that outlasted stop(): read nothing more
        }
        idle.incrementAndGet();
      }
    } catch (Throwable t) {
      log.error("FUSE worker died", t);
      sink.ended("worker failed");
    }
    workers.remove(Thread.currentThread());
    ended();
  }

  /** No worker is left waiting: starts one, unless stopping or at {@code maxWorkers}. */
  private void growIfRoom() {
    int n;
    do {
      n = live.get();
      if (n >= maxWorkers || stopping) {
        return; // all busy: requests wait in the kernel (max_background push-back)
      }
    } while (!live.compareAndSet(n, n + 1));
    idle.incrementAndGet();
    startWorker();
  }

  /**
   * After an idle wait: ends this (idle) worker if more than {@code minIdle} workers are idle, so
   * others still read; true if it should end.
   */
  private boolean retireIdle() {
    int n;
    do {
      n = idle.get();
      if (n <= minIdle) {
        return false;
      }
    } while (!idle.compareAndSet(n, n - 1));
    return true; // work() ends it
  }
}
