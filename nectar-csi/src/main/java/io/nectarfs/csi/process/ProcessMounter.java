package io.nectarfs.csi.process;

import io.nectarfs.common.Uris;
import io.nectarfs.csi.mount.MountSpec;
import io.nectarfs.csi.mount.MountTable;
import io.nectarfs.csi.mount.Mounter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process mode: one supervised child {@code nectar mount} (in the foreground, so it lives as long
 * as the mount) per {@link MountSpec#key()}, mounted at {@code <stateDir>/mounts/<key>}.
 *
 * <p>Secrets reach the child through its environment only (the metadata URL in {@code
 * NECTAR_MOUNT_META_URL}, its arguments carry the redacted URL); they are also kept, with the
 * references, in 0600 files of the 0700 {@code <stateDir>/state} so a restarted node plugin finds
 * its mounts ({@link StateFiles}), adopts the children still running and re-runs the dead ones.
 * A child that dies while references remain is re-run (backing off up to 30 s between failures)
 * and the remount listener is told; the last reference's release stops the child (SIGTERM: the
 * mount flushes and unmounts) and removes the mount point.
 *
 * <p>Concurrency: each key has an {@link Entry} whose monitor guards its child, references and
 * files; starting a child (which waits for the mount to answer) holds it, so calls for one key
 * wait for each other and calls for different keys do not. Restarts run on a one-thread
 * scheduler. The remount listener is called with no lock held.
 */
public final class ProcessMounter implements Mounter {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessMounter.class);
  /** The environment variable {@code nectar mount --foreground-child} takes the metadata URL from. */
  static final String META_URL_ENV = "NECTAR_MOUNT_META_URL";
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final Path mounts;
  private final Path logs;
  private final StateFiles state;
  private final List<String> nectar;
  private final Duration readyTimeout;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("nectar-csi-mounts").factory());
  private final List<Map.Entry<String, Path>> pending = new ArrayList<>(); // remounts before a listener registered
  private volatile RemountListener listener;
  private volatile boolean closed;

  /** The mount of one key. Guarded by its own monitor. */
  private static final class Entry {
    final String key;
    final Path mountPoint;
    MountSpec spec;
    ProcessHandle child;
    final Set<String> refs = new LinkedHashSet<>();
    boolean gone; // released for good: a new acquire makes a new entry
    int failures;

    Entry(String key, Path mountPoint) {
      this.key = key;
      this.mountPoint = mountPoint;
    }
  }

  /**
   * @param stateDir this mounter's directory (created 0700): mount points, state, child logs
   * @param nectar how to run the {@code nectar} command, e.g. {@code [/usr/bin/nectar]} or a
   *     {@code java ... io.nectarfs.cli.Nectar} line; {@code mount} and its arguments are appended
   * @param readyTimeout how long a child may take until its mount answers
   */
  public ProcessMounter(Path stateDir, List<String> nectar, Duration readyTimeout) throws IOException {
    this.nectar = List.copyOf(nectar);
    this.readyTimeout = readyTimeout;
    Files.createDirectories(stateDir);
    Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwx------"));
    this.mounts = Files.createDirectories(stateDir.resolve("mounts"));
    this.logs = StateFiles.privateDir(stateDir.resolve("logs"));
    this.state = new StateFiles(stateDir.resolve("state"));
    adopt();
  }

  @Override
  public Path acquire(MountSpec spec, String ref) throws IOException {
    if (spec.secrets().get("META_URL") == null) {
      throw new IOException("mount of " + spec.volumeName() + ": no META_URL among the secrets");
    }
    while (true) {
      Entry e = entries.computeIfAbsent(spec.key(), k -> new Entry(k, mounts.resolve(k)));
      boolean remounted;
      synchronized (e) {
        if (e.gone) {
          continue;
        }
        remounted = false;
        if (e.child == null || !e.child.isAlive() || !mounted(e.mountPoint)) {
          e.spec = spec;
          try {
            start(e);
          } catch (IOException | RuntimeException x) {
            if (e.refs.isEmpty()) {
              try {
                Files.deleteIfExists(e.mountPoint); // start unmounted what it could
              } catch (IOException undo) {
                x.addSuppressed(undo);
              }
              forget(e);
            }
            throw x;
          }
          remounted = !e.refs.isEmpty(); // earlier references are bound to the dead mount
        }
        if (e.refs.add(ref)) {
          state.write(e.key, e.spec, e.mountPoint, e.child.pid(), e.refs);
        }
      }
      if (remounted) {
        tell(e.key, e.mountPoint);
      }
      return e.mountPoint;
    }
  }

  @Override
  public void release(String key, String ref) throws IOException {
    Entry e = entries.get(key);
    if (e == null) {
      return;
    }
    synchronized (e) {
      if (e.gone || !e.refs.remove(ref)) {
        return;
      }
      if (!e.refs.isEmpty()) {
        state.write(e.key, e.spec, e.mountPoint, e.child == null ? 0 : e.child.pid(), e.refs);
        return;
      }
      stop(e);
      forget(e);
    }
  }

  @Override
  public Set<String> references(String key) {
    Entry e = entries.get(key);
    if (e == null) {
      return Set.of();
    }
    synchronized (e) {
      return Set.copyOf(e.refs);
    }
  }

  @Override
  public void onRemount(RemountListener l) {
    List<Map.Entry<String, Path>> told;
    synchronized (pending) {
      listener = l;
      told = List.copyOf(pending);
      pending.clear();
    }
    told.forEach(t -> l.remounted(t.getKey(), t.getValue()));
  }

  /** The pid of {@code key}'s child, or 0 (tests, diagnostics). */
  public long pid(String key) {
    Entry e = entries.get(key);
    if (e == null) {
      return 0;
    }
    synchronized (e) {
      return e.child == null || !e.child.isAlive() ? 0 : e.child.pid();
    }
  }

  /** Stops supervising; the children and their mounts keep running for the next node plugin. */
  @Override
  public void close() {
    closed = true;
    scheduler.shutdownNow();
  }

  /** Starts {@code e}'s child and waits until its mount answers. Holds e. */
  private void start(Entry e) throws IOException {
    MountSpec spec = e.spec;
    String url = spec.secrets().get("META_URL");
    MountTable.unmountAll(e.mountPoint); // the dead mount of an earlier child (first: stat of a dead FUSE mount fails)
    Files.createDirectories(e.mountPoint);
    List<String> cmd = new ArrayList<>(nectar);
    cmd.add("mount");
    cmd.add(Uris.redact(url));
    cmd.add(e.mountPoint.toString());
    cmd.addAll(spec.options());
    cmd.add("--foreground-child");
    Path log = StateFiles.privateFile(logs.resolve(e.key + ".log"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Map<String, String> env = pb.environment();
    env.remove(META_URL_ENV);
    spec.secrets().forEach((k, v) -> {
      if (!k.equals("META_URL") && ENV_NAME.matcher(k).matches()) {
        env.put(k, v);
      }
    });
    env.put(META_URL_ENV, url);
    Process p = pb.start();
    try {
      awaitMounted(p, e, log);
    } catch (IOException | RuntimeException x) {
      p.destroyForcibly();
      try {
        p.waitFor(30, TimeUnit.SECONDS);
        MountTable.unmountAll(e.mountPoint);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      } catch (IOException undo) {
        x.addSuppressed(undo);
      }
      throw x;
    }
    e.child = p.toHandle();
    e.failures = 0;
    state.write(e.key, spec, e.mountPoint, p.pid(), e.refs);
    supervise(e, e.child);
    LOG.info("mounted {} at {} (nectar mount, pid {})", spec.volumeName(), e.mountPoint, p.pid());
  }

  private void awaitMounted(Process p, Entry e, Path log) throws IOException {
    long deadline = System.nanoTime() + readyTimeout.toNanos();
    while (true) {
      if (mounted(e.mountPoint) && Files.isDirectory(e.mountPoint)) {
        return;
      }
      if (!p.isAlive()) {
        throw new IOException("nectar mount of " + e.spec.volumeName() + " exited with " + p.exitValue() + ": " + lastLine(log));
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("nectar mount of " + e.spec.volumeName() + " did not answer in " + readyTimeout.toSeconds() + " s: " + lastLine(log));
      }
      try {
        p.waitFor(20, TimeUnit.MILLISECONDS);
      } catch (InterruptedException x) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted waiting for the mount of " + e.spec.volumeName());
      }
    }
  }

  private void supervise(Entry e, ProcessHandle child) {
    child.onExit().thenRun(() -> {
      if (!closed) {
        try {
          scheduler.execute(() -> exited(e, child));
        } catch (java.util.concurrent.RejectedExecutionException ignored) {
          // closing
        }
      }
    });
  }

  private void exited(Entry e, ProcessHandle child) {
    synchronized (e) {
      if (closed || e.gone || e.child != child || e.refs.isEmpty()) {
        return;
      }
      LOG.warn("nectar mount of {} (pid {}) died; mounting it again for {} reference(s)", e.spec.volumeName(), child.pid(), e.refs.size());
    }
    restart(e);
  }

  /** Re-runs e's child; tells the listener on success, tries again later on failure. Runs on the scheduler. */
  private void restart(Entry e) {
    synchronized (e) {
      if (closed || e.gone || e.refs.isEmpty() || (e.child != null && e.child.isAlive() && mountedQuietly(e.mountPoint))) {
        return;
      }
      try {
        start(e);
      } catch (IOException | RuntimeException x) {
        e.failures++;
        long delay = Math.min(MAX_BACKOFF.toMillis(), 500L << Math.min(e.failures, 6));
        LOG.warn("cannot mount {} again (attempt {}), next try in {} ms: {}", e.spec.volumeName(), e.failures, delay, x.toString());
        if (!closed) {
          scheduler.schedule(() -> restart(e), delay, TimeUnit.MILLISECONDS);
        }
        return;
      }
    }
    tell(e.key, e.mountPoint);
  }

  private void tell(String key, Path mountPoint) {
    RemountListener l;
    synchronized (pending) {
      l = listener;
      if (l == null) {
        pending.add(Map.entry(key, mountPoint));
        return;
      }
    }
    l.remounted(key, mountPoint);
  }

  /** Stops e's child (SIGTERM, then SIGKILL after 30 s) and removes its mount. Holds e. */
  private void stop(Entry e) throws IOException {
    e.gone = true;
    ProcessHandle c = e.child;
    if (c != null && c.isAlive()) {
      c.destroy();
      try {
        c.onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception x) {
        c.destroyForcibly();
      }
    }
    MountTable.unmountAll(e.mountPoint);
    Files.deleteIfExists(e.mountPoint);
    LOG.info("unmounted {} from {} (last reference released)", e.spec == null ? e.key : e.spec.volumeName(), e.mountPoint);
  }

  private void forget(Entry e) throws IOException {
    e.gone = true;
    entries.remove(e.key, e);
    state.delete(e.key);
  }

  /** Takes over the mounts a previous node plugin recorded: adopts live children, re-runs dead ones, cleans unreferenced ones. */
  private void adopt() throws IOException {
    for (StateFiles.Record r : state.readAll()) {
      Entry e = new Entry(r.key(), r.mountPoint());
      e.spec = r.spec();
      e.refs.addAll(r.refs());
      entries.put(e.key, e);
      ProcessHandle h = r.pid() > 0 ? ProcessHandle.of(r.pid()).orElse(null) : null;
      synchronized (e) {
        if (e.refs.isEmpty()) {
          e.child = h;
          stop(e);
          forget(e);
        } else if (h != null && h.isAlive() && mounted(e.mountPoint)) {
          e.child = h;
          supervise(e, h);
          LOG.info("adopted the mount of {} at {} (pid {}, {} reference(s))", e.spec.volumeName(), e.mountPoint, h.pid(), e.refs.size());
        } else {
          scheduler.execute(() -> restart(e));
        }
      }
    }
  }

  private static boolean mounted(Path mp) throws IOException {
    return MountTable.typeAt(mp).map(t -> t.startsWith("fuse")).orElse(false);
  }

  private static boolean mountedQuietly(Path mp) {
    try {
      return mounted(mp);
    } catch (IOException e) {
      return false;
    }
  }

  private static String lastLine(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream().map(String::strip)
          .filter(l -> !l.isEmpty() && !l.startsWith("Try '")).toList(); // not picocli's hint after a usage error
      return lines.isEmpty() ? "no output" : lines.getLast();
    } catch (IOException e) {
      return "no log (" + e.getMessage() + ")";
    }
  }
}
