package io.nectarfs.fuse;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.nectarfs.fuse.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the mount is read-only now: set at mount, then changed by {@code mount -o remount,ro}
 * or {@code remount,rw} (which only change the kernel's flags). A watcher thread polls {@code
 * /proc/self/mountinfo}, which signals POLLPRI on every change of the mount table, and re-reads
 * the mount's line; so no control channel between the mount helper and the daemon is needed.
 * A mount started read-only stays read-only for the daemon (its metadata client has no session).
 *
 * <p>Concurrency: the watcher thread re-reads the mount table and writes {@link #readOnly} under
 * the object's lock; request threads read the volatile flag. Because the kernel may allow writes
 * an instant before the watcher saw {@code remount,rw}, a request refused while the flag says
 * read-only re-reads the mount table first ({@link #check}), also under the lock.
 */
final class ReadOnlyFlag implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReadOnlyFlag.class);
  private static final int POLL_MILLIS = 250;

  private final Path mountpoint;
  private final boolean fixed;
  private final Consumer<Boolean> onChange;
  private volatile boolean readOnly;
  private volatile boolean stop;
  private Thread watcher;

  /** {@code onChange} hears every change after the mount (on the watcher or a request thread). */
  ReadOnlyFlag(Path mountpoint, boolean readOnlyAtMount, Consumer<Boolean> onChange) {
    this.mountpoint = mountpoint;
    this.onChange = onChange;
    this.fixed = readOnlyAtMount;
    this.readOnly = readOnlyAtMount;
  }

  /** Starts following remounts. */
  synchronized void start() {
    if (fixed) {
      onChange.accept(true);
      return;
    }
    if (watcher != null) {
      return;
    }
    watcher = Thread.ofPlatform().daemon(true).name("nectar-fuse-remount-watch").start(this::watch);
  }

  /** Whether writes must be refused now (re-reads the mount table when the cached answer is yes). */
  boolean check() {
    if (!readOnly || fixed) {
      return readOnly;
    }
    refresh();
    return readOnly;
  }

  private synchronized void refresh() {
    try {
      Optional<MountInfo.Line> l = MountInfo.find(mountpoint);
      if (l.isPresent()) {
        boolean ro = l.get().readOnly();
        if (ro != readOnly) {
          log.info("{} remounted {}", mountpoint, ro ? "read-only" : "read-write");
          readOnly = ro;
          onChange.accept(ro);
        }
      }
    } catch (IOException e) {
      log.debug("cannot read the mount table: {}", e.toString());
    }
  }

  private void watch() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      int fd = LibC.open(box, a.allocateFrom("/proc/self/mountinfo"), LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
      if (fd < 0) {
        log.warn("cannot watch /proc/self/mountinfo ({}): remounts are seen only when a write is refused", LibC.strerror(LibC.errno(box)));
        return;
      }
      try {
        MemorySegment pfd = a.allocate(8, 4);
        pfd.set(JAVA_INT, 0, fd);
        refresh();
        while (!stop) {
          pfd.set(JAVA_SHORT, 4, (short) (LibC.POLLPRI | LibC.POLLERR));
          pfd.set(JAVA_SHORT, 6, (short) 0);
          int pr = LibC.poll(box, pfd, 1, POLL_MILLIS);
          if (pr > 0 && !stop) {
            refresh();
          }
        }
      } finally {
        LibC.close(box, fd);
      }
    }
  }

  /**
   * Stops the watcher without waiting for it (it ends within one poll, {@value #POLL_MILLIS} ms):
   * for a handover, whose pause must not include that wait. The watcher may still report one
   * remount to the old Vfs meanwhile, which only sets a flag there.
   */
  void stopSoon() {
    stop = true;
  }

  @Override
  public void close() {
    stop = true;
    Thread t;
    synchronized (this) {
      t = watcher;
    }
    if (t != null) {
      try {
        t.join(2 * POLL_MILLIS + 1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
