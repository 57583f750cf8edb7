package io.nectarfs.fuse;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.nectarfs.fuse.linux.IoUring;
import io.nectarfs.fuse.linux.LibC;
import io.nectarfs.fuse.linux.NativeException;
import io.nectarfs.fuse.wire.Buf;
import io.nectarfs.fuse.wire.Proto;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FUSE over io_uring (Linux 6.14+, module parameter {@code fuse.enable_uring}): after INIT
 * negotiated {@code FUSE_OVER_IO_URING}, one ring per kernel queue (one queue per possible CPU)
 * registers {@code depth} entries with {@code FUSE_IO_URING_CMD_REGISTER}; each entry is a
 * header buffer (fuse_uring_req_header: in_out, op_in, ring_ent_in_out) and a payload buffer.
 * A completion means a request landed in an entry: it is copied into a pooled buffer in the
 * /dev/fuse layout (header, op header, payload) and dispatched like a read one; the reply is
 * copied back into the entry and sent with {@code FUSE_IO_URING_CMD_COMMIT_AND_FETCH}, which
 * also hands the entry back for the next request (one io_uring_enter carries every commit ready
 * and waits for the next completions). Measured slower than {@code /dev/fuse} as dispatched here
 * (docs/decisions.md), so it is opt-in.
 *
 * <p>The kernel uses the ring only once every queue has an entry; until then, and always for
 * FORGET and INTERRUPT, requests still come through {@code /dev/fuse}.
 *
 * <p>Concurrency: each queue has one platform thread that owns its ring (io_uring runs the
 * completion work in the submitting task and cancels a task's requests when it exits, so no
 * other thread, and no virtual thread, ever submits). Handlers on other threads hand finished
 * entries over through a lock-free queue and wake the ring thread with an eventfd that has a read
 * pending in the ring, only when it sleeps ({@code sleeping}, a Dekker pair with the queue); the
 * eventfd is written and closed under the queue's monitor, so a closed number is never written. An
 * entry belongs to the kernel from its submission until its completion, then to the request
 * until its one reply is posted; nothing touches it meanwhile.
 */
final class UringTransport implements FuseTransport {
  private static final Logger log = LoggerFactory.getLogger(UringTransport.class);
  static final String PARAM = "/sys/module/fuse/parameters/enable_uring";
  private static final int CMD_REGISTER = 1;
  private static final int CMD_COMMIT_AND_FETCH = 2;
  private static final int HEADER_SIZE = 288; // in_out[128], op_in[128], fuse_uring_ent_in_out[32]
  private static final int OP_IN = 128;
  private static final int ENT_COMMIT_ID = 264;
  private static final int ENT_PAYLOAD_SZ = 272;
  private static final long WAKE = -1L;
  private static final int ECANCELED = 125;
  private static final int ENOTCONN = 107;

  private final int devFd;
  private final int depth;
  private final int payloadSize;
  private final BufferPool pool;
  private final Requests sink;
  private final List<Queue> queues = new ArrayList<>();
  private final java.util.concurrent.atomic.LongAdder served = new java.util.concurrent.atomic.LongAdder();
  private volatile boolean stopping;

  UringTransport(int devFd, int queues, int depth, int payloadSize, BufferPool pool, Requests sink) {
    this.devFd = devFd;
    this.depth = depth;
    this.payloadSize = payloadSize;
    this.pool = pool;
    this.sink = sink;
    for (int q = 0; q < queues; q++) {
      this.queues.add(new Queue(q));
    }
  }

  /** Requests that arrived through a ring entry. */
  long served() {
    return served.sum();
  }

  @Override
  public String name() {
    return "io-uring";
  }

  /** The kernel's queue count: one per possible CPU ({@code /sys/devices/system/cpu/possible}). */
  static int possibleCpus() {
    try {
      String s = java.nio.file.Files.readString(java.nio.file.Path.of("/sys/devices/system/cpu/possible")).strip();
      int max = 0;
      for (String part : s.split(",")) {
        String[] r = part.split("-");
        max = Math.max(max, Integer.parseInt(r[r.length - 1]));
      }
      return max + 1;
    } catch (java.io.IOException | RuntimeException e) {
      return Runtime.getRuntime().availableProcessors();
    }
  }

  /**
   * Starts one thread per queue and waits until each registered its entries. Returns null on
   * success, else why the kernel refused (then every ring is closed again and {@code /dev/fuse}
   * keeps serving everything).
   */
  String start() {
    for (Queue q : queues) {
      q.thread.start();
    }
    String failure = null;
    for (Queue q : queues) {
      try {
        if (!q.registered.await(10, TimeUnit.SECONDS)) {
          failure = "queue " + q.qid + " did not register within 10 s";
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failure = "interrupted while registering";
      }
      if (failure == null && q.failure.get() != null) {
        failure = q.failure.get();
      }
    }
    if (failure != null) {
      stop(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    }
    return failure;
  }

  @Override
  public void stop(long deadlineNanos) {
    stopping = true;
    for (Queue q : queues) {
      q.wake();
    }
    for (Queue q : queues) {
      FuseTransport.joinUntil(q.thread, deadlineNanos);
    }
  }

  /** One registered ring entry: its buffers, and the reply target for the request it holds. */
  private final class Entry implements ReplyTo {
    final Queue queue;
    final int index;
    final MemorySegment header;
    final MemorySegment payload;
    final MemorySegment iov;
    long commitId;

    Entry(Queue queue, int index, Arena arena) throws NativeException {
      this.queue = queue;
      this.index = index;
      this.header = arena.allocate(HEADER_SIZE, 64);
      this.payload = IoUring.anonymous(payloadSize);
      this.iov = arena.allocate(32, 8);
      iov.set(ADDRESS, 0, header);
      iov.set(JAVA_LONG, 8, HEADER_SIZE);
      iov.set(ADDRESS, 16, payload);
      iov.set(JAVA_LONG, 24, payloadSize);
    }

    /** Copies the request in the entry into {@code b} in /dev/fuse layout; its size, or -1 if it does not fit. */
    int copyTo(Buf b) {
      int len = header.get(JAVA_INT, 0);
      int payloadLen = header.get(JAVA_INT, ENT_PAYLOAD_SZ);
      int opLen = Math.clamp((long) len - Proto.IN_HEADER - payloadLen, 0, OP_IN);
      int n = Proto.IN_HEADER + opLen + payloadLen;
      commitId = header.get(JAVA_LONG, ENT_COMMIT_ID);
      if (payloadLen < 0 || payloadLen > payloadSize || n > b.capacity()) {
        return -1;
      }
      MemorySegment dst = b.segment();
      MemorySegment.copy(header, 0, dst, 0, Proto.IN_HEADER);
      MemorySegment.copy(header, OP_IN, dst, Proto.IN_HEADER, opLen);
      MemorySegment.copy(payload, 0, dst, Proto.IN_HEADER + opLen, payloadLen);
      return n;
    }

    @Override
    public void reply(Buf b, int len) {
      MemorySegment.copy(b.segment(), 0, header, 0, Proto.OUT_HEADER);
      MemorySegment.copy(b.segment(), Proto.OUT_HEADER, payload, 0, len - Proto.OUT_HEADER);
      header.set(JAVA_INT, ENT_PAYLOAD_SZ, len - Proto.OUT_HEADER);
      queue.post(this);
    }

    @Override
    public void error(long unique, int negErrno) {
      header.set(JAVA_INT, 0, Proto.OUT_HEADER);
      header.set(JAVA_INT, 4, negErrno);
      header.set(JAVA_LONG, 8, unique);
      header.set(JAVA_INT, ENT_PAYLOAD_SZ, 0);
      queue.post(this);
    }
  }

  /** One kernel queue: its ring, its entries, its thread. */
  private final class Queue {
    final int qid;
    final Thread thread;
    final CountDownLatch registered = new CountDownLatch(1);
    final AtomicReference<String> failure = new AtomicReference<>();
    final ConcurrentLinkedQueue<Entry> done = new ConcurrentLinkedQueue<>();
    final AtomicBoolean sleeping = new AtomicBoolean();
    volatile int eventFd = -1;
    private final MemorySegment one;
    private final MemorySegment wakeValue;
    private final MemorySegment wakeBox;
    private final Arena arena = Arena.ofAuto(); // entries outlive the thread while handlers hold them

    Queue(int qid) {
      this.qid = qid;
      this.one = arena.allocate(8, 8);
      this.wakeValue = arena.allocate(8, 8);
      wakeValue.set(JAVA_LONG, 0, 1L);
      this.wakeBox = LibC.newErrnoBox(arena); // shared by wakers: the errno it captures is never read
      this.thread = Thread.ofPlatform().daemon(true).name("nectar-fuse-uring-" + qid).unstarted(this::run);
    }

    /** Hands a replied entry to the ring thread (any thread). */
    void post(Entry e) {
      done.add(e);
      if (sleeping.get() && sleeping.compareAndSet(true, false)) {
        wake();
      }
    }

    /** Writes the eventfd; under the lock that closes it, so a reused descriptor number is never written. */
    synchronized void wake() {
      if (eventFd >= 0) {
        LibC.write(wakeBox, eventFd, wakeValue, 8); // an error only means the ring is gone
      }
    }

    private synchronized void closeEventFd() {
      if (eventFd >= 0) {
        io.nectarfs.fuse.linux.FdPassing.closeQuietly(eventFd);
        eventFd = -1;
      }
    }

    private void run() {
      List<Entry> entries = new ArrayList<>();
      IoUring ring = null;
      String ended = null;
      try {
        int efd = IoUring.eventfd();
        synchronized (this) {
          eventFd = efd;
        }
        ring = IoUring.open(depth + 2, 2 * (depth + 2));
        for (int i = 0; i < depth; i++) {
          Entry e = new Entry(this, i, arena);
          entries.add(e);
          submit(ring, e, CMD_REGISTER);
        }
        armWake(ring);
        int r = ring.enter(0);
        if (r < 0) {
          throw new NativeException("io_uring_enter (register)", -r);
        }
        // A refused registration completes at once; an accepted one stays pending until a request.
        IoUring finalRing = ring;
        ring.reap((ud, res) -> completed(finalRing, entries, ud, res, true));
        if (failure.get() != null) {
          return;
        }
        registered.countDown();
        ended = loop(ring, entries);
      } catch (NativeException | RuntimeException e) {
        failure.compareAndSet(null, e.getMessage());
        if (registered.getCount() == 0) {
          log.error("FUSE io_uring queue {} failed", qid, e);
          ended = "io_uring queue " + qid + " failed";
        }
      } finally {
        registered.countDown();
        if (ring != null) {
          ring.close();
        }
        closeEventFd();
        if (ended != null && !stopping) {
          sink.ended(ended);
        }
      }
    }

    /** Serves until stopped or the connection ends; returns why it ended, or null when stopped. */
    private String loop(IoUring ring, List<Entry> entries) throws NativeException {
      String[] ended = {null};
      while (!stopping && ended[0] == null) {
        Entry e;
        while ((e = done.poll()) != null) {
          submit(ring, e, CMD_COMMIT_AND_FETCH);
        }
        boolean wait = true;
        sleeping.set(true);
        if (!done.isEmpty() || stopping) {
          wait = false;
        }
        int r = ring.enter(wait ? 1 : 0);
        sleeping.set(false);
        if (r < 0 && r != -LibC.EINTR) {
          throw new NativeException("io_uring_enter", -r);
        }
        ring.reap((ud, res) -> {
          String why = completed(ring, entries, ud, res, false);
          if (why != null) {
            ended[0] = why;
          }
        });
      }
      return ended[0];
    }

    /** Handles one CQE; returns why the connection ended, if it did. */
    private String completed(IoUring ring, List<Entry> entries, long ud, int res, boolean registering) {
      if (ud == WAKE) {
        if (!stopping) {
          armWake(ring);
        }
        return null;
      }
      if (res < 0) {
        int err = -res;
        if (registering) {
          failure.compareAndSet(null, "FUSE_IO_URING_CMD_REGISTER: " + LibC.strerror(err));
          return null;
        }
        if (err == ENOTCONN || err == ECANCELED || err == LibC.ENODEV) {
          return "connection ended (" + LibC.strerror(err) + ")";
        }
        log.error("FUSE io_uring queue {}: a ring command failed: {}", qid, LibC.strerror(err));
        return "io_uring command failed (" + LibC.strerror(err) + ")";
      }
      Entry e = entries.get((int) ud);
      served.increment();
      Buf b = pool.take();
      int n = e.copyTo(b);
      if (n < 0) {
        pool.give(b);
        e.error(e.header.get(JAVA_LONG, 8), -io.nectarfs.common.Errno.EIO.code());
        return null;
      }
      sink.dispatch(e, b, n, false);
      return null;
    }

    private void submit(IoUring ring, Entry e, int cmd) throws NativeException {
      MemorySegment sqe = ring.nextSqe();
      if (sqe == null) {
        int r = ring.enter(0);
        sqe = ring.nextSqe();
        if (sqe == null) {
          throw new NativeException("io_uring submission queue full", r < 0 ? -r : LibC.EBUSY);
        }
      }
      IoUring.prep(sqe, IoUring.OP_URING_CMD, devFd, e.iov.address(), 2, e.index);
      IoUring.cmdOp(sqe, cmd);
      sqe.set(JAVA_LONG, IoUring.SQE_CMD, 0L); // flags
      sqe.set(JAVA_LONG, IoUring.SQE_CMD + 8, cmd == CMD_REGISTER ? 0L : e.commitId);
      sqe.set(JAVA_SHORT, IoUring.SQE_CMD + 16, (short) qid);
    }

    private void armWake(IoUring ring) {
      MemorySegment sqe = ring.nextSqe();
      if (sqe != null) {
        IoUring.prep(sqe, IoUring.OP_READ, eventFd, one.address(), 8, WAKE);
      }
    }
  }
}
