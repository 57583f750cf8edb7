package io.nectarfs.fuse.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * One io_uring instance made with the raw system calls (io_uring_setup, io_uring_enter, mmap of
 * the SQ ring, CQ ring and SQE array; no liburing), with 128-byte SQEs ({@code
 * IORING_SETUP_SQE128}, which {@code IORING_OP_URING_CMD} payloads such as FUSE's need).
 *
 * <p>The shared ring indices follow the kernel's protocol: the SQ tail and the CQ head, which we
 * own, are published with release stores; the SQ head and CQ tail, which the kernel owns, are
 * read with acquire loads; SQE and CQE contents are plain memory ordered by those.
 *
 * <p>Concurrency: not thread-safe. One thread owns a ring for its whole life (it must: io_uring
 * runs completion work in the task that submitted, and cancels a task's requests when it exits).
 */
@SuppressWarnings("restricted") // FFM downcalls and reinterpreting mmap'ed memory
public final class IoUring implements AutoCloseable {
  public static final int SETUP_SQE128 = 1 << 10;
  public static final int SETUP_CQSIZE = 1 << 3;
  public static final int ENTER_GETEVENTS = 1;
  public static final byte OP_READ = 22;
  public static final byte OP_URING_CMD = 46;
  public static final int SQE_SIZE = 128;
  public static final int CQE_SIZE = 16;
  /** Offset of the command area in an SQE ({@code sqe->cmd}, 80 bytes with SQE128). */
  public static final int SQE_CMD = 48;

  private static final long SYS_IO_URING_SETUP = 425; // same number on x86-64 and aarch64
  private static final long SYS_IO_URING_ENTER = 426;
  private static final long OFF_SQ_RING = 0L;
  private static final long OFF_CQ_RING = 0x8000000L;
  private static final long OFF_SQES = 0x10000000L;
  private static final int PROT_READ_WRITE = 3;
  private static final int MAP_SHARED_POPULATE = 0x01 | 0x8000;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");
  private static final MethodHandle SYSCALL2 = LINKER.downcallHandle(find("syscall"),
      FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), ERRNO_OPT, Linker.Option.firstVariadicArg(1));
  private static final MethodHandle SYSCALL6 = LINKER.downcallHandle(find("syscall"),
      FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), ERRNO_OPT,
      Linker.Option.firstVariadicArg(1));
  private static final MethodHandle MMAP = LINKER.downcallHandle(find("mmap"),
      FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO_OPT);
  private static final MethodHandle MUNMAP = LINKER.downcallHandle(find("munmap"), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle EVENTFD =
      LINKER.downcallHandle(find("eventfd"), FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPT);
  private static final VarHandle INT = JAVA_INT.varHandle();

  private final int fd;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment box = arena.allocate(CAPTURE);
  private final MemorySegment sqRing;
  private final MemorySegment cqRing;
  private final MemorySegment sqes;
  private final long sqHead;
  private final long sqTail;
  private final long sqArray;
  private final int sqMask;
  private final int sqEntries;
  private final long cqHead;
  private final long cqTail;
  private final long cqes;
  private final int cqMask;
  private int sqLocalTail;
  private int toSubmit;

  private IoUring(int fd, MemorySegment p, MemorySegment sqRing, MemorySegment cqRing, MemorySegment sqes) {
    this.fd = fd;
    this.sqRing = sqRing;
    this.cqRing = cqRing;
    this.sqes = sqes;
    this.sqEntries = p.get(JAVA_INT, 0);
    this.sqHead = Integer.toUnsignedLong(p.get(JAVA_INT, 40));
    this.sqTail = Integer.toUnsignedLong(p.get(JAVA_INT, 44));
    this.sqMask = sqRing.get(JAVA_INT, Integer.toUnsignedLong(p.get(JAVA_INT, 48)));
    this.sqArray = Integer.toUnsignedLong(p.get(JAVA_INT, 64));
    this.cqHead = Integer.toUnsignedLong(p.get(JAVA_INT, 80));
    this.cqTail = Integer.toUnsignedLong(p.get(JAVA_INT, 84));
    this.cqMask = cqRing.get(JAVA_INT, Integer.toUnsignedLong(p.get(JAVA_INT, 88)));
    this.cqes = Integer.toUnsignedLong(p.get(JAVA_INT, 100));
    this.sqLocalTail = (int) INT.getAcquire(sqRing, sqTail);
  }

  /**
   * A ring of {@code entries} SQEs (128 bytes each) and {@code cqEntries} CQEs.
   *
   * @throws NativeException when the kernel refuses (no io_uring, disabled by sysctl, seccomp)
   */
  public static IoUring open(int entries, int cqEntries) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = a.allocate(CAPTURE);
      MemorySegment p = a.allocate(120, 8);
      p.set(JAVA_INT, 4, cqEntries);
      p.set(JAVA_INT, 8, SETUP_SQE128 | SETUP_CQSIZE);
      int fd = (int) syscall2(box, SYS_IO_URING_SETUP, entries, p);
      if (fd < 0) {
        throw new NativeException("io_uring_setup", errno(box));
      }
      MemorySegment sq = MemorySegment.NULL;
      MemorySegment cq = MemorySegment.NULL;
      try {
        long sqSize = Integer.toUnsignedLong(p.get(JAVA_INT, 64)) + 4L * p.get(JAVA_INT, 0);
        long cqSize = Integer.toUnsignedLong(p.get(JAVA_INT, 100)) + (long) CQE_SIZE * p.get(JAVA_INT, 4);
        sq = map(box, sqSize, fd, OFF_SQ_RING);
        cq = map(box, cqSize, fd, OFF_CQ_RING);
        MemorySegment sqes = map(box, (long) SQE_SIZE * p.get(JAVA_INT, 0), fd, OFF_SQES);
        return new IoUring(fd, p, sq, cq, sqes);
      } catch (NativeException e) {
        unmap(sq);
        unmap(cq);
        LibC.close(box, fd);
        throw e;
      }
    }
  }

  /**
   * The next free SQE, zeroed, or null when the SQ is full (submit first). It is queued for the
   * next {@link #enter}.
   */
  public MemorySegment nextSqe() {
    int head = (int) INT.getAcquire(sqRing, sqHead);
    if (sqLocalTail - head >= sqEntries) {
      return null;
    }
    int idx = sqLocalTail & sqMask;
    MemorySegment sqe = sqes.asSlice((long) idx * SQE_SIZE, SQE_SIZE);
    sqe.fill((byte) 0);
    sqRing.set(JAVA_INT, sqArray + 4L * idx, idx);
    sqLocalTail++;
    toSubmit++;
    return sqe;
  }

  /** Fills the common fields of an SQE. */
  public static void prep(MemorySegment sqe, byte opcode, int fd, long addr, int len, long userData) {
    sqe.set(JAVA_BYTE, 0, opcode);
    sqe.set(JAVA_INT, 4, fd);
    sqe.set(JAVA_LONG, 16, addr);
    sqe.set(JAVA_INT, 24, len);
    sqe.set(JAVA_LONG, 32, userData);
  }

  /** Sets {@code cmd_op} of an IORING_OP_URING_CMD SQE. */
  public static void cmdOp(MemorySegment sqe, int op) {
    sqe.set(JAVA_INT, 8, op);
    sqe.set(JAVA_SHORT, 2, (short) 0);
  }

  /** SQEs queued since the last {@link #enter}. */
  public int pending() {
    return toSubmit;
  }

  /**
   * Publishes the queued SQEs and calls io_uring_enter, waiting for {@code minComplete} CQEs when
   * positive. Returns 0 or a negative errno (EINTR when a signal arrived).
   */
  public int enter(int minComplete) {
    INT.setRelease(sqRing, sqTail, sqLocalTail);
    int n = toSubmit;
    long r = syscall6(box, SYS_IO_URING_ENTER, fd, n, minComplete, minComplete > 0 ? ENTER_GETEVENTS : 0, 0, 0);
    if (r < 0) {
      return -errno(box);
    }
    toSubmit -= (int) Math.min(r, n);
    return 0;
  }

  /** Receives completions one by one. */
  @FunctionalInterface
  public interface CqeHandler {
    void completed(long userData, int res);
  }

  /** Hands every available CQE to {@code h} and releases them; returns how many. */
  public int reap(CqeHandler h) {
    int head = (int) INT.getAcquire(cqRing, cqHead);
    int tail = (int) INT.getAcquire(cqRing, cqTail);
    int n = 0;
    while (head != tail) {
      long off = cqes + (long) (head & cqMask) * CQE_SIZE;
      long userData = cqRing.get(JAVA_LONG, off);
      int res = cqRing.get(JAVA_INT, off + 8);
      head++;
      n++;
      INT.setRelease(cqRing, cqHead, head); // the slot may be reused once we return control
      h.completed(userData, res);
      tail = (int) INT.getAcquire(cqRing, cqTail);
    }
    return n;
  }

  /** An eventfd (close-on-exec), for waking a thread that waits in {@link #enter}. */
  public static int eventfd() throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = a.allocate(CAPTURE);
      int fd;
      try {
        fd = (int) EVENTFD.invokeExact(box, 0, LibC.O_CLOEXEC);
      } catch (Throwable t) {
        throw new IllegalStateException("eventfd failed", t);
      }
      if (fd < 0) {
        throw new NativeException("eventfd", errno(box));
      }
      return fd;
    }
  }

  /**
   * {@code size} bytes of private anonymous memory, page-aligned and committed only when touched
   * (an arena's allocation is zeroed, so all of it at once); unmapped by the garbage collector
   * once unreachable, so a late user can never touch unmapped memory.
   */
  public static MemorySegment anonymous(long size) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = a.allocate(CAPTURE);
      MemorySegment m;
      try {
        m = (MemorySegment) MMAP.invokeExact(box, MemorySegment.NULL, size, PROT_READ_WRITE, 0x02 | 0x20, -1, 0L);
      } catch (Throwable t) {
        throw new IllegalStateException("mmap failed", t);
      }
      if (m.address() == -1L) {
        throw new NativeException("mmap anonymous", errno(box));
      }
      return m.reinterpret(size, Arena.ofAuto(), IoUring::unmap);
    }
  }

  /** Closes the ring: the kernel cancels what is still pending on it. */
  @Override
  public void close() {
    unmap(sqes);
    unmap(cqRing);
    unmap(sqRing);
    LibC.close(box, fd);
    arena.close();
  }

  private static MemorySegment map(MemorySegment box, long size, int fd, long offset) throws NativeException {
    MemorySegment m;
    try {
      m = (MemorySegment) MMAP.invokeExact(box, MemorySegment.NULL, size, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, offset);
    } catch (Throwable t) {
      throw new IllegalStateException("mmap failed", t);
    }
    if (m.address() == -1L) {
      throw new NativeException("mmap io_uring", errno(box));
    }
    return m.reinterpret(size);
  }

  private static void unmap(MemorySegment m) {
    if (m.address() != 0) {
      try {
        int r = (int) MUNMAP.invokeExact(m, m.byteSize());
      } catch (Throwable t) {
        throw new IllegalStateException("munmap failed", t);
      }
    }
  }

  private static long syscall2(MemorySegment box, long nr, long a, MemorySegment b) {
    try {
      return (long) SYSCALL2.invokeExact(box, nr, a, b);
    } catch (Throwable t) {
      throw new IllegalStateException("syscall failed", t);
    }
  }

  private static long syscall6(MemorySegment box, long nr, long a, long b, long c, long d, long e, long f) {
    try {
      return (long) SYSCALL6.invokeExact(box, nr, a, b, c, d, e, f);
    } catch (Throwable t) {
      throw new IllegalStateException("syscall failed", t);
    }
  }

  private static int errno(MemorySegment box) {
    return (int) ERRNO.get(box, 0L);
  }

  private static MemorySegment find(String name) {
    return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
  }
}
