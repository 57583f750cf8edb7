package io.nectarfs.fuse;

import io.micrometer.core.instrument.Counter;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Metrics;
import io.nectarfs.fuse.linux.DevFuse;
import io.nectarfs.fuse.linux.NativeException;
import io.nectarfs.fuse.wire.InitState;
import io.nectarfs.fuse.wire.Proto;
import io.nectarfs.vfs.Vfs;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FUSE passthrough for reads: which opens the kernel serves from a backing file (a local copy the
 * {@link Vfs} assembled from its cache) instead of sending READs.
 *
 * <p>The kernel's rules (fs/fuse/iomode.c): an inode is in cached mode (opens without
 * FOPEN_PASSTHROUGH) or in passthrough mode (opens with it, all on one backing file), never both;
 * a passthrough open while a cached one is live fails the open (ETXTBSY), and any other open while
 * a passthrough one is live fails too (EINVAL). So this class counts, per inode, the opens this
 * mount answered each way until their RELEASE (the kernel drops its own count before it sends
 * RELEASE, so ours are never below the kernel's), and decides:
 *
 * <ul>
 *   <li>a read-only open passes through when no other kind of open of the inode is live and the
 *       Vfs has a backing file; while passthrough opens are live, later read-only opens share their
 *       backing file (they see the file as of the first of them: an overlapping open does not get a
 *       fresher view, unlike close-to-open on the normal path);
 *   <li>a writable open (or truncating, or a create that opened an existing file) waits up to
 *       {@link #WRITER_WAIT} for live passthrough opens of the inode to be released, then fails
 *       with ETXTBSY, as writing a running program does. Passthrough opens are never writable
 *       (the kernel would write to the copy).
 * </ul>
 *
 * <p>If the kernel refuses backing files (no CAP_SYS_ADMIN, no passthrough at INIT) the mount log
 * says so once and every later open takes the normal path.
 *
 * <p>Concurrency: all state is guarded by {@code this}; waiting writers wait on it. Assembly of a
 * backing file and the ioctl run outside the lock, and the state is checked again after them.
 * Invariants: {@code nodes} holds an inode only while it has a live open; a node with {@code
 * passthrough > 0} has a valid {@code backingId}, which is closed when the count drops to 0.
 */
final class Passthrough {
  private static final Logger log = LoggerFactory.getLogger(Passthrough.class);
  static final Duration WRITER_WAIT = Duration.ofSeconds(2);

  /** What an open answers: its extra open flags and the backing id (0 without passthrough). */
  record Decision(int openFlags, int backingId) {
    static final Decision NORMAL = new Decision(0, 0);
  }

  /** The kernel side: FUSE_DEV_IOC_BACKING_OPEN/CLOSE (replaced in tests). */
  interface Kernel {
    int open(String path) throws NativeException;

    void close(int backingId) throws NativeException;

    static Kernel of(int devFd) {
      return new Kernel() {
        @Override
        public int open(String path) throws NativeException {
          return DevFuse.backingOpen(devFd, path);
        }

        @Override
        public void close(int backingId) throws NativeException {
          DevFuse.backingClose(devFd, backingId);
        }
      };
    }
  }

  private static final class Node {
    int passthrough;
    int other;
    int backingId;
  }

  private final boolean wanted;
  private final Kernel kernel;
  private final Supplier<InitState> init;
  private final Metrics metrics;
  private final Map<Long, Node> nodes = new HashMap<>();
  /** Live handles: fh → whether it passes through. */
  private final Map<Long, Boolean> handles = new HashMap<>();
  private final Counter opens;
  private final Map<String, Counter> fallbacks = new ConcurrentHashMap<>();
  private volatile boolean refused;

  Passthrough(boolean wanted, Kernel kernel, Supplier<InitState> init, Metrics metrics) {
    this.wanted = wanted;
    this.kernel = kernel;
    this.init = init;
    this.metrics = metrics;
    this.opens = Counter.builder("nectar_fuse_passthrough_opens").description("opens served by FUSE passthrough (reads bypass the daemon)")
        .register(metrics.registry());
  }

  /** Whether passthrough may be used at all on this connection now. */
  private boolean active() {
    if (!wanted || refused) {
      return false;
    }
    InitState s = init.get();
    return s != null && s.has(Proto.PASSTHROUGH);
  }

  private void fallback(String reason) {
    fallbacks.computeIfAbsent(reason, r -> Counter.builder("nectar_fuse_passthrough_fallbacks").tag("reason", r)
        .description("opens not served by FUSE passthrough, by reason (busy: a writable open refused with ETXTBSY)").register(metrics.registry())).increment();
  }

  /**
   * Decides the open of handle {@code fh} of {@code ino} (already opened in the Vfs; {@code
   * writable} for a writable or truncating open, {@code direct} for O_DIRECT) and registers it
   * until {@link #released}. Throws ETXTBSY for a writable open that a live passthrough open
   * blocks (the caller releases the Vfs handle).
   */
  Decision opened(Vfs vfs, Ctx ctx, long ino, long fh, boolean writable, boolean direct) throws IOException {
    boolean passable = !direct;
    if (!wanted) {
      return Decision.NORMAL;
    }
    synchronized (this) {
      Node n = nodes.get(ino);
      if (writable && n != null && n.passthrough > 0) {
        waitForNoPassthrough(ino);
        n = nodes.get(ino);
      }
      if (n != null && n.passthrough > 0) {
        if (!writable) {
          return register(ino, fh, true, n.backingId);
        }
        fallback("busy");
        throw Errno.ETXTBSY.exception("inode " + ino + " is open for passthrough reading");
      }
      if (writable || !passable || !active() || (n != null && n.other > 0)) {
        if (!writable) {
          fallback(!active() ? (refused ? "kernel" : "off") : !passable ? "not-read-only" : "other-open");
        }
        return register(ino, fh, false, 0);
      }
    }
    // a candidate: find or build the backing file outside the lock
    Vfs.Backing b;
    try {
      b = vfs.backingFile(ctx, ino, fh);
    } catch (FsException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      log.debug("no passthrough for inode {}: {}", ino, e.toString());
      b = Vfs.Backing.none("assembly");
    }
    int id = 0;
    String why = b.fallback();
    if (b.path() != null) {
      try {
        id = kernel.open(b.path().toString());
      } catch (NativeException e) {
        why = "backing-error";
        if (e.errno() == 1 || e.errno() == 25 || e.errno() == 40 || e.errno() == 95) { // EPERM, ENOTTY, ELOOP (stacked cache fs), EOPNOTSUPP
          refused = true;
          why = "kernel";
          log.info("FUSE passthrough is not available ({}; needs CAP_SYS_ADMIN, Linux 6.9+ and a cache on a plain file system): reads go through the daemon",
              e.getMessage());
        } else {
          log.debug("no passthrough for inode {}: {}", ino, e.getMessage());
        }
      }
    }
    synchronized (this) {
      Node n = nodes.get(ino);
      if (id > 0 && n != null && n.passthrough > 0) {
        closeQuietly(id); // another open won the race: share its file
        return register(ino, fh, true, n.backingId);
      }
      if (id > 0 && (n == null || n.other == 0)) {
        return register(ino, fh, true, id);
      }
      if (id > 0) {
        closeQuietly(id);
        why = "other-open";
      }
      if (n != null && n.passthrough > 0) { // shares are the only kind allowed now
        return register(ino, fh, true, n.backingId);
      }
      fallback(why);
      return register(ino, fh, false, 0);
    }
  }

  private void waitForNoPassthrough(long ino) {
    long deadline = System.nanoTime() + WRITER_WAIT.toNanos();
    Node n;
    while ((n = nodes.get(ino)) != null && n.passthrough > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      try {
        wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private Decision register(long ino, long fh, boolean pass, int backingId) {
    Node n = nodes.computeIfAbsent(ino, k -> new Node());
    handles.put(fh, pass);
    if (pass) {
      if (n.passthrough++ == 0) {
        n.backingId = backingId;
      }
      opens.increment();
      return new Decision(Proto.FOPEN_PASSTHROUGH, n.backingId);
    }
    n.other++;
    return Decision.NORMAL;
  }

  /** The RELEASE of {@code fh} (or an open the caller never saw): forgets it. */
  void released(long ino, long fh) {
    if (!wanted) {
      return;
    }
    int close = 0;
    synchronized (this) {
      Boolean pass = handles.remove(fh);
      Node n = nodes.get(ino);
      if (pass == null || n == null) {
        return;
      }
      if (pass) {
        if (--n.passthrough == 0) {
          close = n.backingId;
          n.backingId = 0;
          notifyAll();
        }
      } else {
        n.other--;
      }
      if (n.passthrough == 0 && n.other == 0) {
        nodes.remove(ino);
      }
    }
    if (close > 0) {
      closeQuietly(close);
    }
  }

  /** Live passthrough opens of {@code ino} (tests). */
  synchronized int passthroughOpens(long ino) {
    Node n = nodes.get(ino);
    return n == null ? 0 : n.passthrough;
  }

  private void closeQuietly(int id) {
    try {
      kernel.close(id);
    } catch (NativeException e) {
      log.debug("FUSE_DEV_IOC_BACKING_CLOSE {}: {}", id, e.getMessage());
    }
  }
}
