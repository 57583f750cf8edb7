package io.nectarfs.fuse;

import io.nectarfs.common.Cancellation;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Metrics;
import io.nectarfs.fuse.linux.DevFuse;
import io.nectarfs.fuse.linux.Epoll;
import io.nectarfs.fuse.linux.FdPassing;
import io.nectarfs.fuse.linux.LibC;
import io.nectarfs.fuse.linux.NativeException;
import io.nectarfs.fuse.wire.Buf;
import io.nectarfs.fuse.wire.InitNegotiation;
import io.nectarfs.fuse.wire.InitState;
import io.nectarfs.fuse.wire.OpTable;
import io.nectarfs.fuse.wire.OpTable.Dispatch;
import io.nectarfs.fuse.wire.OpTable.Op;
import io.nectarfs.fuse.wire.Opcode;
import io.nectarfs.fuse.wire.Proto;
import io.nectarfs.fuse.wire.Reply;
import io.nectarfs.fuse.wire.Request;
import io.nectarfs.vfs.Vfs;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link Vfs} on a FUSE connection: reads requests from {@code /dev/fuse}, dispatches
 * them through the {@link OpTable} built by {@link VfsBridge} and writes one reply per request.
 *
 * <pre>{@code
 * try (FuseServer s = FuseServer.mount(vfs, Path.of("/mnt/vol"), MountOptions.defaults())) {
 *   s.awaitStop(Duration.ofDays(365));   // until someone unmounts, or s.close()
 * }
 * }</pre>
 *
 * <p>Concurrency: requests arrive through a {@link FuseTransport}: {@link DevFuseTransport}'s
 * worker threads (always: INIT, FORGET and INTERRUPT come that way) and, with {@link
 * MountOptions#ioUring} and a kernel that agrees at INIT, {@link UringTransport}'s ring threads.
 * Either hands each request, in a pooled native buffer, to {@code dispatch}. INLINE ops (INIT,
 * FORGET, INTERRUPT, DESTROY, ENOSYS answers) run on the transport's thread; ASYNC ops take a
 * permit of a semaphore sized max_background, so a busy server pushes back on the kernel, and run
 * on the /dev/fuse worker that read them (it has made sure another worker reads meanwhile) while
 * fewer than one per processor run so, otherwise (and from a ring thread) on a virtual thread; BLOCKING ops (SETLKW) always run on a virtual thread without
 * a permit, so lock waiters never hold a worker and never starve the unlock that frees them.
 * The reply is built in place in the request's buffer and sent through the request's {@link
 * FuseTransport.ReplyTo}; then the buffer returns to the pool.
 *
 * <p>Interrupts: each ASYNC and BLOCKING request gets a {@link Cancellation} token, carried to
 * the Vfs in the request's {@link io.nectarfs.common.Ctx}. FUSE_INTERRUPT cancels the token; the
 * token's callback answers the request EINTR at once (through the way the request came),
 * so the interrupted syscall returns while the handler may still be inside an engine or object
 * request. The handler is never {@link Thread#interrupt() interrupted} (that would close JDBC,
 * Jedis or HTTP connections under it): the call on the wire finishes and the operation stops at
 * its next check point (a cancelled metadata operation commits whole or not at all). Its late
 * outcome is dropped; if it succeeded in something only the reply would have told the kernel
 * (an open handle, a granted lock), the undo it registered with {@link Request#ifAbandoned} runs.
 *
 * <p>Invariants: every request except FORGET, BATCH_FORGET, INTERRUPT and NOTIFY_REPLY gets
 * exactly one reply: the handler and the interrupt callback race for it through {@link
 * Call#claim}. {@code inflight} maps the unique id of each async request to its {@link Call} from
 * before the handler starts until it has finished; an INTERRUPT for an id not (yet) there leaves
 * a timestamped marker that the registering reader honours, and markers expire.
 */
public final class FuseServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FuseServer.class);
  private static final long MARKER_TTL_NANOS = TimeUnit.SECONDS.toNanos(30);
  /** Handlers that may run at once on the /dev/fuse workers that read their requests. */
  private static final int INLINE_LIMIT = Math.max(2, Runtime.getRuntime().availableProcessors());

  private final Vfs vfs;
  private final FuseMount mount;
  private final MountOptions options;
  private final OpTable table;
  private final BufferPool pool;
  private final Semaphore permits;
  private final ConcurrentHashMap<Long, Object> inflight = new ConcurrentHashMap<>();
  private final Set<Thread> handlers = ConcurrentHashMap.newKeySet();
  private final AtomicInteger running = new AtomicInteger();
  private final LongAdder handedOff = new LongAdder();
  private DevFuseTransport dev;
  private volatile UringTransport uring;
  private final int[] fds;
  private final CountDownLatch initDone = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicBoolean shutdownStarted = new AtomicBoolean();
  private final AtomicBoolean shutdownRequested = new AtomicBoolean();
  private final AtomicLongArray counts = new AtomicLongArray(64);
  private final Set<String> loggedFailures = ConcurrentHashMap.newKeySet();
  private final EioLog eioLog = new EioLog(io.nectarfs.common.Clock.SYSTEM, java.time.Duration.ofSeconds(10), m -> log.warn("{}", m));
  private final FuseMeters meters;
  private volatile InitState init;
  /** When ({@link System#nanoTime}) the first request after start or resume was read. */
  private final java.util.concurrent.CompletableFuture<Long> firstRequest = new java.util.concurrent.CompletableFuture<>();
  private volatile boolean stopping;
  private volatile boolean detached;
  private final ReadOnlyFlag readOnly;

  private record Marker(long nanos) {}

  /** One async request in flight: where to answer it, its token, and who answered it. */
  private static final class Call {
    final FuseTransport.ReplyTo to;
    final long unique;
    final int opcode;
    final Cancellation token = Cancellation.create();
    private final AtomicBoolean answered = new AtomicBoolean();

    Call(FuseTransport.ReplyTo to, long unique, int opcode) {
      this.to = to;
      this.unique = unique;
      this.opcode = opcode;
    }

    /** True for the one caller (handler or interrupt) that may write the reply. */
    boolean claim() {
      return answered.compareAndSet(false, true);
    }
  }

  private FuseServer(Vfs vfs, FuseMount mount, int[] fds, InitState resumed, Metrics metrics) {
    this.vfs = vfs;
    this.mount = mount;
    this.options = mount.options();
    this.fds = fds;
    this.pool = new BufferPool(options.maxWrite() + Proto.BUFFER_HEADER, options.maxBackground() + options.readers());
    this.permits = new Semaphore(options.maxBackground());
    this.table = new OpTable();
    this.readOnly = new ReadOnlyFlag(mount.mountpoint(), options.readOnly(), vfs::setReadOnly);
    // the direct-I/O and writeback-cache modes exclude passthrough (the kernel refuses it with the latter)
    Passthrough passthrough = new Passthrough(options.passthrough() && !options.directIo() && !options.writebackCache(),
        Passthrough.Kernel.of(fds[0]), () -> init, metrics);
    new VfsBridge(vfs, options, () -> init, readOnly::check, passthrough).register(table);
    table.on(Opcode.INIT, 8, Dispatch.INLINE, this::doInit);
    table.on(Opcode.INTERRUPT, 8, Dispatch.NO_REPLY, (r, out) -> interrupt(r.u64()));
    table.on(Opcode.FORGET, 8, Dispatch.NO_REPLY, (r, out) -> {});
    table.on(Opcode.BATCH_FORGET, 8, Dispatch.NO_REPLY, (r, out) -> {});
    table.on(Opcode.NOTIFY_REPLY, 0, Dispatch.NO_REPLY, (r, out) -> {});
    table.on(Opcode.DESTROY, 0, Dispatch.INLINE, (r, out) -> {});
    this.meters = new FuseMeters(metrics, table, counts.length());
    meters.gauge("nectar_fuse_inflight_requests", "FUSE requests being handled", () -> handlers.size() + running.get());
    meters.gauge("nectar_fuse_kernel_protocol_minor", "the FUSE protocol minor (7.N) the kernel offered at INIT; 0 before INIT",
        () -> init == null ? 0 : init.kernelMinor());
    meters.gauge("nectar_fuse_io_uring", "1 while requests are served over FUSE-over-io_uring, 0 on /dev/fuse alone",
        () -> uring == null ? 0 : 1);
    meters.gauge("nectar_fuse_background_used", "background request slots in use (of max_background)",
        () -> options.maxBackground() - permits.availablePermits());
    if (resumed != null) {
      this.init = resumed;
      initDone.countDown();
    }
  }

  /** Mounts {@code mountpoint} and serves {@code vfs} there; unmounts again if starting fails. */
  public static FuseServer mount(Vfs vfs, Path mountpoint, MountOptions options) throws IOException {
    return mount(vfs, mountpoint, options, Metrics.disabled());
  }

  /** The same, recording requests in {@code metrics} (see {@link FuseMeters}). */
  public static FuseServer mount(Vfs vfs, Path mountpoint, MountOptions options, Metrics metrics) throws IOException {
    FuseMount m = FuseMount.mount(mountpoint, options);
    try {
      return start(vfs, m, metrics);
    } catch (IOException | RuntimeException e) {
      try {
        m.unmount(true);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      FdPassing.closeQuietly(m.fd());
      throw e;
    }
  }

  /** Serves {@code vfs} on an existing mount (INIT not yet done). */
  public static FuseServer start(Vfs vfs, FuseMount mount) throws IOException {
    return start(vfs, mount, Metrics.disabled());
  }

  /** The same, recording requests in {@code metrics}. */
  public static FuseServer start(Vfs vfs, FuseMount mount, Metrics metrics) throws IOException {
    int[] fds = new int[mount.options().readers()];
    fds[0] = mount.fd();
    for (int i = 1; i < fds.length; i++) {
      try {
        fds[i] = DevFuse.cloneFd(mount.fd());
      } catch (NativeException e) {
        log.warn("FUSE_DEV_IOC_CLONE failed ({}); readers share one descriptor", e.getMessage());
        fds[i] = -1;
      }
    }
    FuseServer s = new FuseServer(vfs, mount, fds, null, metrics);
    s.startReaders(ThreadReserve.NONE);
    return s;
  }

  /**
   * Serves {@code vfs} on a session handed over by a predecessor: INIT is already done, so the
   * descriptors are read at once.
   */
  public static FuseServer resume(Vfs vfs, FuseSession session, MountOptions options) {
    return resume(vfs, session, options, Metrics.disabled());
  }

  /** The same, recording requests in {@code metrics}. */
  public static FuseServer resume(Vfs vfs, FuseSession session, MountOptions options, Metrics metrics) {
    return resume(vfs, session, options, metrics, ThreadReserve.NONE);
  }

  private static FuseServer resume(Vfs vfs, FuseSession session, MountOptions options, Metrics metrics, ThreadReserve reserve) {
    int[] fds = session.fds();
    FuseMount m = FuseMount.adopt(Path.of(session.mountpoint()), fds[0], options);
    int[] readerFds = new int[Math.max(1, Math.min(options.readers(), fds.length))];
    for (int i = 0; i < readerFds.length; i++) {
      readerFds[i] = fds[i];
    }
    for (int i = readerFds.length; i < fds.length; i++) {
      FdPassing.closeQuietly(fds[i]);
    }
    FuseServer s = new FuseServer(vfs, m, readerFds, session.init(), metrics);
    try {
      s.startReaders(reserve);
    } catch (NativeException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return s;
  }

  private void startReaders(ThreadReserve reserve) throws NativeException {
    vfs.setInvalidator(new Notifier());
    if (options.readOnly()) {
      readOnly.start(); // read-only from the first request on
    }
    dev = new DevFuseTransport(fds, pool, requests, options.maxBackground(), reserve);
    dev.start();
    if (!options.readOnly()) {
      readOnly.start(); // the remount watcher: after the readers, so out of a takeover's pause
    }
  }

  /** How the transports reach this server. */
  private final FuseTransport.Requests requests = new FuseTransport.Requests() {
    @Override
    public void dispatch(FuseTransport.ReplyTo to, Buf b, int n, boolean mayRunHere) {
      FuseServer.this.dispatch(to, b, n, mayRunHere);
    }

    @Override
    public void ended(String why) {
      if (!detached) {
        startShutdown(why);
      }
    }
  };

  /** Requests that arrived through io_uring ring entries (0 on /dev/fuse alone). */
  long requestsOverIoUring() {
    UringTransport u = uring;
    return u == null ? 0 : u.served();
  }

  /** Requests handed to a thread of their own (SETLKW, requests beyond the inline limit, all from io_uring rings). */
  long requestsHandedOff() {
    return handedOff.sum();
  }

  /** /dev/fuse worker threads started so far. */
  int workersStarted() {
    return dev == null ? 0 : dev.workersStarted();
  }

  /** The transport requests take after INIT: "io-uring" or "dev-fuse". */
  public String transport() {
    return uring != null ? "io-uring" : "dev-fuse";
  }

  public Path mountpoint() {
    return mount.mountpoint();
  }

  /** The negotiated INIT state, or null before INIT. */
  public InitState initState() {
    return init;
  }

  /** The descriptors and INIT state (for a handover); null before INIT. */
  public FuseSession session() {
    InitState s = init;
    return s == null ? null : new FuseSession(mount.mountpoint().toString(), fds.clone(), s);
  }

  /**
   * Completes with the {@link System#nanoTime()} (CLOCK_MONOTONIC: comparable between processes of
   * one machine) at which this server read its first request, after start or resume.
   */
  public java.util.concurrent.CompletableFuture<Long> firstRequest() {
    return firstRequest.copy();
  }

  /**
   * Completes with the {@link System#nanoTime()} at which this server's first reader thread began
   * to wait on the connection after start or resume: from then on requests are read (the end of
   * a takeover's pause). Now, for a server whose readers never started.
   */
  public java.util.concurrent.CompletableFuture<Long> servingSince() {
    DevFuseTransport d = dev;
    return d != null ? d.reading() : java.util.concurrent.CompletableFuture.completedFuture(System.nanoTime());
  }

  /**
   * Records a takeover of this server in its metrics: {@code nectar_fuse_takeovers_total} counts
   * (per process: a successor counts its own), {@code nectar_fuse_takeover_pause_seconds} is the
   * last pause (from the predecessor's stop-reading to this server's serving).
   */
  public void recordTakeover(long pauseNanos) {
    meters.takeover(pauseNanos);
  }

  /** Requests received with {@code opcode} (answered or not). */
  public long requests(int opcode) {
    return opcode >= 0 && opcode < counts.length() ? counts.get(opcode) : 0;
  }

  /** Waits until the kernel's INIT has been answered (and the transport chosen). */
  public boolean awaitInit(Duration timeout) throws InterruptedException {
    return initDone.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Waits until the server stopped (closed, or unmounted from outside). */
  public boolean awaitStop(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  public boolean isStopped() {
    return stopped.getCount() == 0;
  }

  /** Registers a JVM shutdown hook (SIGTERM, SIGINT) that closes this server. */
  public FuseServer closeOnShutdown() {
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(this::close));
    return this;
  }

  // ---------------------------------------------------------------- reading and dispatching

  private void dispatch(FuseTransport.ReplyTo to, Buf b, int n, boolean mayRunHere) {
    Request r = Request.parse(b, n);
    if (r == null) {
      pool.give(b);
      return;
    }
    if (!firstRequest.isDone()) {
      firstRequest.complete(System.nanoTime());
    }
    if (r.opcode >= 0 && r.opcode < counts.length()) {
      counts.incrementAndGet(r.opcode);
    }
    if ((r.unique & Proto.UNIQUE_RESEND) != 0) {
      meters.resent.increment();
      log.warn("{} request {} re-sent by the kernel (read by the crashed server, not answered)", Opcode.name(r.opcode), r.unique & ~Proto.UNIQUE_RESEND);
    }
    Op op = table.get(r.opcode);
    if (op == null) {
      log.debug("unsupported opcode {} -> ENOSYS", Opcode.name(r.opcode));
      meters.unsupported.increment();
      to.reply(b, new Reply(b).finish(r.unique, -Errno.ENOSYS.code()));
      pool.give(b);
      return;
    }
    switch (op.dispatch()) {
      case NO_REPLY, INLINE -> {
        try {
          run(to, b, r, op, null, false);
        } finally {
          pool.give(b);
        }
        if (r.opcode == Opcode.INIT && init != null) {
          startIoUring();
          initDone.countDown(); // after the transport is chosen, so awaitInit callers see it
        }
      }
      case ASYNC, BLOCKING -> {
        boolean bounded = op.dispatch() == Dispatch.ASYNC;
        if (bounded) {
          permits.acquireUninterruptibly();
        }
        Call call = new Call(to, r.unique, r.opcode);
        r.attach(call.token);
        call.token.onCancel(() -> answerInterrupted(call));
        if (bounded && mayRunHere && claimRunHere()) {
          register(call);
          try {
            run(to, b, r, op, call, true);
          } finally {
            inflight.remove(r.unique, call);
            pool.give(b);
            permits.release();
          }
          return;
        }
        Thread t = Thread.ofVirtual().name("nectar-fuse-" + op.name()).unstarted(() -> {
          try {
            run(to, b, r, op, call, false);
          } finally {
            inflight.remove(r.unique, call);
            handlers.remove(Thread.currentThread());
            pool.give(b);
            if (bounded) {
              permits.release();
            }
          }
        });
        handlers.add(t);
        handedOff.increment();
        register(call);
        t.start();
      }
    }
  }

  /**
   * True (and counted in {@code running}) while fewer than {@link #INLINE_LIMIT} handlers run on
   * the workers that read them; beyond that a request goes to a virtual thread, as from a ring:
   * more CPU-bound handlers than processors on platform threads only queue up on locks (a
   * SQLite writer's fair lock), where virtual threads wait cheaply.
   */
  private boolean claimRunHere() {
    int n;
    do {
      n = running.get();
      if (n >= INLINE_LIMIT) {
        return false;
      }
    } while (!running.compareAndSet(n, n + 1));
    return true;
  }

  /** Makes {@code call} reachable by INTERRUPT; an INTERRUPT that came first cancels it now. */
  private void register(Call call) {
    Object before = inflight.put(call.unique, call);
    if (before instanceof Marker) {
      call.token.cancel(); // the INTERRUPT overtook its request
    }
  }

  /**
   * Runs the handler and replies, unless {@code call} was answered EINTR meanwhile (then undoes).
   * {@code inlineSlot}: gives back the {@link #claimRunHere} slot once the handler is done, before
   * the reply wakes the caller (whose next request may then run inline too).
   */
  private void run(FuseTransport.ReplyTo to, Buf b, Request r, Op op, Call call, boolean inlineSlot) {
    Reply out = new Reply(b);
    int err = 0;
    long t0 = System.nanoTime();
    try {
      if (!r.has(op.minIn())) {
        throw Errno.EINVAL.exception(op.name() + " request too short");
      }
      op.handler().handle(r, out);
    } catch (Throwable t) {
      err = -errnoOf(op, t);
    }
    if (inlineSlot) {
      running.decrementAndGet();
    }
    meters.handled(r.opcode, t0, err != 0);
    if (op.dispatch() == Dispatch.NO_REPLY) {
      return;
    }
    if (call == null || call.claim()) {
      to.reply(b, out.finish(r.unique, err));
    } else if (err == 0 && r.abandonedUndo() != null) {
      try {
        r.abandonedUndo().run();
      } catch (IOException | RuntimeException e) {
        log.warn("{} was interrupted after it succeeded; undoing it failed: {}", op.name(), e.toString());
      }
    }
  }

  /** The interrupt callback: answers EINTR unless the handler answered first. */
  private void answerInterrupted(Call call) {
    if (!call.claim()) {
      return;
    }
    call.to.error(call.unique, -Errno.EINTR.code());
  }

  private int errnoOf(Op op, Throwable t) {
    // Only POSIX outcomes keep their errno; an interrupted wait is EINTR; every other failure
    // (engine unreachable or timing out, storage errors) is EIO, as applications expect.
    Errno e = t instanceof FsException fe ? fe.errno() : Errno.of(t) == Errno.EINTR ? Errno.EINTR : Errno.EIO;
    if (e == Errno.EIO) {
      eioLog.failed(op.name(), t); // every EIO's cause, rate-limited per operation
      if (log.isDebugEnabled() && loggedFailures.add(op.name() + ":" + t.getClass().getName())) {
        log.debug("{} answered EIO; stack trace (once per op and exception type):", op.name(), t);
      }
    }
    return e.code();
  }

  /** FUSE_INTERRUPT: cancels the request's token (never interrupts its thread). */
  private void interrupt(long unique) {
    meters.interrupts.increment();
    Object known = inflight.computeIfAbsent(unique, k -> new Marker(System.nanoTime()));
    if (known instanceof Call c) {
      c.token.cancel();
    }
    if (inflight.size() > 1024) {
      long now = System.nanoTime();
      inflight.values().removeIf(v -> v instanceof Marker m && now - m.nanos() > MARKER_TTL_NANOS);
    }
  }

  private void doInit(Request r, Reply out) throws IOException {
    InitNegotiation.Offer offer = InitNegotiation.decode(r);
    InitNegotiation.Wanted wanted = new InitNegotiation.Wanted(options.maxWrite(), options.maxReadahead(),
        maxPagesLimit(), options.maxBackground(), options.congestionThreshold(), options.writebackCache(),
        options.posixAcl(), options.locks(), options.passthrough());
    log.debug("FUSE INIT offer {} wanted {}", offer, wanted);
    InitState s;
    try {
      s = InitNegotiation.negotiate(offer, wanted);
    } catch (IllegalArgumentException e) {
      log.error("FUSE INIT: {}", e.getMessage());
      throw Errno.EPROTO.exception(e.getMessage());
    }
    if (options.ioUring()) {
      s = InitNegotiation.withIoUring(s);
    }
    InitNegotiation.encode(s, out);
    if (s.major() == Proto.KERNEL_MAJOR && s.maxWrite() > 0) {
      init = s;
      log.info("FUSE {}.{} (kernel 7.{}) at {}: flags {}, max_write {}, max_pages {}", s.major(), s.minor(), s.kernelMinor(),
          mount.mountpoint(), Long.toHexString(s.flags()), s.maxWrite(), s.maxPages());
      if (options.passthrough() && !options.writebackCache() && !options.directIo() && !s.has(Proto.PASSTHROUGH)) {
        log.info("the kernel does not offer FUSE passthrough (Linux 6.9+): reads go through the daemon");
      }
    }
  }

  /**
   * After INIT was answered (on the reader that read it): moves requests to io_uring rings when
   * asked and the kernel agreed; otherwise says once why not, and /dev/fuse serves everything.
   */
  private void startIoUring() {
    InitState s = init;
    if (!options.ioUring() || s == null || uring != null || stopping) {
      return;
    }
    if (!s.has(Proto.OVER_IO_URING)) {
      log.warn("FUSE io_uring not used, serving over {}: {}", DevFuse.DEVICE, whyNotOffered());
      return;
    }
    int queues = UringTransport.possibleCpus();
    int depth = Math.clamp(options.maxBackground() / queues, 4, 16);
    int payload = Math.max(Proto.MIN_READ_BUFFER, Math.max(s.maxWrite(), s.maxPages() * 4096));
    UringTransport t = new UringTransport(fds[0], queues, depth, payload, pool, requests);
    String failure = t.start();
    if (failure != null) {
      log.warn("FUSE io_uring not used, serving over {}: the kernel refused the rings ({})", DevFuse.DEVICE, failure);
      return;
    }
    uring = t;
    log.info("FUSE requests at {} go over io_uring: {} queues of {} entries", mount.mountpoint(), queues, depth);
  }

  private static String whyNotOffered() {
    Path param = Path.of(UringTransport.PARAM);
    if (!Files.exists(param)) {
      return "this kernel has no FUSE-over-io_uring (Linux 6.14+ with CONFIG_FUSE_IO_URING)";
    }
    try {
      if (Files.readString(param).strip().equals("N")) {
        return "the fuse module parameter enable_uring is off (echo Y > " + param + " as root)";
      }
    } catch (IOException e) {
      // fall through
    }
    return "the kernel did not offer FUSE_OVER_IO_URING at INIT";
  }

  private static int maxPagesLimit() {
    try {
      // not Files.readString: it trusts the size procfs reports (0) and can return a truncated value
      try (var in = Files.newInputStream(Path.of("/proc/sys/fs/fuse/max_pages_limit"))) {
        return Integer.parseInt(new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip());
      }
    } catch (IOException | NumberFormatException e) {
      return 256;
    }
  }

  // ---------------------------------------------------------------- notifications

  /** Sends FUSE_NOTIFY_INVAL_ENTRY / INVAL_INODE (unique-0 messages) on the first descriptor. */
  private final class Notifier implements Vfs.Invalidator {
    @Override
    public void entry(long parent, String name) {
      byte[] n = io.nectarfs.common.Names.encode(name);
      ByteBuffer body = ByteBuffer.allocate(16 + n.length + 1).order(ByteOrder.LITTLE_ENDIAN);
      body.putLong(parent).putInt(n.length).putInt(0).put(n).put((byte) 0);
      sendNotification(Opcode.NOTIFY_INVAL_ENTRY, body.array());
    }

    @Override
    public void inode(long ino, long off, long len) {
      ByteBuffer body = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
      body.putLong(ino).putLong(off).putLong(len);
      sendNotification(Opcode.NOTIFY_INVAL_INODE, body.array());
    }
  }

  private void sendNotification(int code, byte[] body) {
    if (init == null || stopping) {
      return;
    }
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      MemorySegment msg = a.allocate(Proto.OUT_HEADER + body.length, 8);
      ByteBuffer bb = msg.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      bb.putInt(0, (int) msg.byteSize()).putInt(4, code).putLong(8, 0L).put(Proto.OUT_HEADER, body);
      if (LibC.write(box, fds[0], msg, msg.byteSize()) < 0) {
        int e = LibC.errno(box);
        if (e != LibC.ENOENT) {
          log.debug("FUSE notification {} failed: {}", code, LibC.strerror(e));
        }
      }
    }
  }

  // ---------------------------------------------------------------- shutdown

  private void startShutdown(String why) {
    if (shutdownStarted.get() || !shutdownRequested.compareAndSet(false, true)) {
      return; // one shutdown thread, one log line, however many transport threads saw the end
    }
    Thread.ofPlatform().daemon(true).name("nectar-fuse-shutdown").start(() -> {
      log.info("FUSE server at {} stopping: {}", mount.mountpoint(), why);
      close();
    });
  }

  /**
   * Stops serving: unmounts (lazily when busy), stops the readers, waits for requests in flight,
   * closes the Vfs and the descriptors. Idempotent; a second caller waits for the first.
   */
  @Override
  public void close() {
    if (!shutdownStarted.compareAndSet(false, true)) {
      try {
        stopped.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    try {
      try {
        mount.unmount(true);
      } catch (IOException e) {
        log.warn("{}", e.getMessage());
      }
      stopReadersAndWait();
      try {
        vfs.close();
      } catch (IOException | RuntimeException e) {
        log.warn("closing the file system failed", e);
      }
      for (int fd : fds) {
        FdPassing.closeQuietly(fd);
      }
    } finally {
      stopped.countDown();
    }
  }

  /**
   * Stops reading without unmounting and without closing the Vfs or the descriptors, and returns
   * the session, so another server (in this process or a successor) can {@link #resume} it.
   * Requests arriving meanwhile wait in the kernel.
   */
  public FuseSession detach() {
    if (uring != null) {
      throw new IllegalStateException("a connection served over io_uring cannot be handed over (its rings die with this process)");
    }
    if (!shutdownStarted.compareAndSet(false, true)) {
      throw new IllegalStateException("server already stopping");
    }
    detached = true;
    FuseSession s = session();
    stopReadersAndWait();
    stopped.countDown();
    return s;
  }

  /**
   * Before {@link #handOver}: commits the writers' pending data while still serving ({@link
   * Vfs#commitPending}), so the handover's pause has only what comes meanwhile to commit.
   */
  public void commitAhead() throws IOException {
    long t0 = System.nanoTime();
    vfs.commitPending();
    log.debug("committed the writers' pending data ahead of a handover in {} ms", (System.nanoTime() - t0) / 1_000_000);
  }

  /**
   * Before {@link #handOver}, while still serving: waits up to {@code timeout} until no request
   * that may wait on the disk or on a lock is in flight (FLUSH and FSYNC sync, a written file's
   * RELEASE may commit, SETLKW waits for a lock); returns how long it waited. Once reading stops,
   * the handover must wait for the requests in flight, and under a write load a close's sync
   * took ~100 ms: waiting now keeps it out of the pause, where every new request waits. One may
   * still start before the stop; the handover then waits for it as before.
   */
  public Duration awaitNoSlowRequests(Duration timeout) throws InterruptedException {
    long t0 = System.nanoTime();
    long deadline = t0 + timeout.toNanos();
    while (slowRequestInFlight() && System.nanoTime() < deadline) {
      Thread.sleep(1); // a poll: the map holds the few asynchronous requests in flight
    }
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  private boolean slowRequestInFlight() {
    for (Object v : inflight.values()) {
      if (v instanceof Call c && (c.opcode == Opcode.FLUSH || c.opcode == Opcode.FSYNC || c.opcode == Opcode.FSYNCDIR
          || c.opcode == Opcode.RELEASE || c.opcode == Opcode.SETLKW)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Planned handover, the predecessor's side (issue #17): stops reading as {@link #detach} does
   * (requests arriving meanwhile wait in the kernel), then has the Vfs commit and make durable its
   * writers' data and export its open handles. The descriptors stay open ({@link #session()}
   * has them, for {@link FuseSession#sendTo} or a successor in this process). The caller then
   * closes its volume, which keeps the metadata session for the successor ({@link
   * io.nectarfs.volume.Volume#handOver}), and passes state and descriptors on. If the export
   * fails, the mount is intact: serve it again with {@link #resume} on the same Vfs.
   *
   * <p>Lock waits (SETLKW) in flight hold the detach until they end (up to 30 s); crash recovery
   * with FUSE_NOTIFY_RESEND is a later slice.
   */
  public HandoverState handOver() throws IOException {
    return handOver(true);
  }

  /**
   * {@link #handOver()}; {@code durable} false leaves the sync of the writers' commits to a
   * successor that owes it ({@link Vfs#exportHandles(boolean)}): no disk flush in the pause.
   */
  public HandoverState handOver(boolean durable) throws IOException {
    long t0 = System.nanoTime();
    FuseSession s = detach();
    long detached = System.nanoTime();
    HandoverState state = new HandoverState(s.mountpoint(), s.init(), options, vfs.exportHandles(durable));
    log.info("FUSE server at {} handed over: {} handles of session {} (detach {} ms, flush and export {} ms)", s.mountpoint(),
        state.handles().handles().size(), state.handles().sessionId(), (detached - t0) / 1_000_000, (System.nanoTime() - detached) / 1_000_000);
    return state;
  }

  /**
   * Planned handover, the successor's side: {@code vfs} (of a volume opened resuming {@code
   * state}'s metadata session) takes over the handles, then serves the connection on {@code fds}
   * (received from the predecessor, the mounted descriptor first) with the state's INIT and
   * mount options; the kernel's handle numbers stay valid.
   *
   * @throws IOException when {@code vfs} refuses the handles (another session, handles already
   *     open); nothing is served then and the descriptors stay open
   */
  public static FuseServer takeOver(Vfs vfs, int[] fds, HandoverState state, Metrics metrics) throws IOException {
    return takeOver(vfs, fds, state, metrics, ThreadReserve.NONE);
  }

  /** The same, the readers running on threads of {@code reserve} (started before the pause) while it has some. */
  public static FuseServer takeOver(Vfs vfs, int[] fds, HandoverState state, Metrics metrics, ThreadReserve reserve) throws IOException {
    long t0 = System.nanoTime();
    vfs.importHandles(state.handles());
    long imported = System.nanoTime();
    FuseServer s = resume(vfs, state.session(fds), state.options(), metrics, reserve);
    log.info("FUSE server at {} took over {} handles of session {} in {} ms (import {} ms, server {} ms)", state.mountpoint(),
        state.handles().handles().size(), state.handles().sessionId(), (System.nanoTime() - t0) / 1_000_000, (imported - t0) / 1_000_000,
        (System.nanoTime() - imported) / 1_000_000);
    return s;
  }

  /**
   * Loads and links what serving a handed-over or recovered connection needs (request table,
   * meters, the epoll, eventfd and fcntl downcalls, a reader thread's start), on a throwaway
   * server that never reads, and registers the per-opcode meters in {@code metrics}: a successor
   * calls it before it asks for the handover, so the pause does not pay for class loading, first
   * calls or meter registration (measured: 10-40 ms of a 50-100 ms pause).
   */
  public static void warmUp(Vfs vfs, Path mountpoint, MountOptions options, Metrics metrics) {
    InitState init = new InitState(7, 41, 41, 0, 0, 1 << 17, 1 << 17, 32, 64, 48, 1);
    FuseServer s = new FuseServer(vfs, FuseMount.adopt(mountpoint, -1, options), new int[] {-1}, init, Metrics.create());
    FuseMeters.preRegister(metrics, s.table, s.counts.length());
    int fd = -1;
    try (Epoll ep = Epoll.open()) {
      fd = Epoll.eventFd();
      ep.add(fd);
      DevFuse.setNonBlocking(fd);
    } catch (NativeException e) {
      log.debug("warm-up of epoll failed: {}", e.getMessage());
    } finally {
      FdPassing.closeQuietly(fd);
    }
    Thread t = Thread.ofPlatform().daemon(true).name("nectar-fuse-warm-up").start(() -> {});
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Crash recovery (issue #17): serves a connection whose previous server died without handing
   * over. {@code vfs} (of a volume opened resuming the dead server's metadata session) has taken
   * over the handles a keeper recorded; this serves {@code session}'s descriptors (kept open by
   * the keeper) and then asks the kernel to queue again every request the dead server had read
   * but not answered (FUSE_NOTIFY_RESEND, Linux 6.9+); they arrive with {@link
   * Proto#UNIQUE_RESEND} set in their unique id and are counted in {@code
   * nectar_fuse_resent_requests_total}. Where the kernel refuses the notification those requests
   * stay unanswered until the connection ends (logged).
   *
   * @return the server, serving
   */
  public static FuseServer recover(Vfs vfs, FuseSession session, MountOptions options, Metrics metrics) {
    FuseServer s = resume(vfs, session, options, metrics);
    s.meters.recovery();
    s.askResend();
    return s;
  }

  /** Sends FUSE_NOTIFY_RESEND; true when the kernel took it. */
  boolean askResend() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      MemorySegment msg = a.allocate(Proto.OUT_HEADER, 8);
      ByteBuffer bb = msg.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      bb.putInt(0, Proto.OUT_HEADER).putInt(4, Opcode.NOTIFY_RESEND).putLong(8, 0L);
      if (LibC.write(box, fds[0], msg, msg.byteSize()) < 0) {
        int e = LibC.errno(box);
        log.warn("the kernel refused FUSE_NOTIFY_RESEND ({}): requests the crashed server had read stay unanswered (Linux 6.9+ re-sends them)",
            LibC.strerror(e));
        return false;
      }
      log.info("asked the kernel to re-send the requests the crashed server had read (FUSE_NOTIFY_RESEND; kernel offered HAS_RESEND: {})",
          init != null && (init.kernelFlags() & Proto.HAS_RESEND) != 0);
      return true;
    }
  }

  private void stopReadersAndWait() {
    stopping = true;
    if (detached) {
      readOnly.stopSoon(); // a handover's pause must not wait for the watcher's poll
    } else {
      readOnly.close();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    if (dev != null) {
      dev.stop(deadline); // first: the reader that answered INIT may be starting the rings
    }
    UringTransport u = uring;
    if (u != null) {
      u.stop(deadline);
    }
    for (Thread t : List.copyOf(handlers)) {
      FuseTransport.joinUntil(t, deadline);
    }
    if (!handlers.isEmpty()) {
      log.warn("{} FUSE requests still running at shutdown", handlers.size());
    }
  }
}
