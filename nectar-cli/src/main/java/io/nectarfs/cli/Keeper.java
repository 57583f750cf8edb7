package io.nectarfs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nectarfs.fuse.ControlSocket;
import io.nectarfs.fuse.linux.FdPassing;
import io.nectarfs.fuse.linux.NativeException;
import io.nectarfs.fuse.linux.UnixSockets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keeper of a mount (issue #17, crash recovery): the small process {@code nectar mount}
 * becomes, which runs the FUSE server in a worker process and outlives it. It never opens the
 * volume and runs no file system code; it holds
 *
 * <ul>
 *   <li>duplicates of the {@code /dev/fuse} descriptors (the worker sends them once INIT is done),
 *       so the kernel connection, with the requests the worker had read and not answered, survives
 *       the worker: the mount point never disappears;
 *   <li>the worker's encoded {@link io.nectarfs.fuse.HandoverState} (INIT state, mount options,
 *       metadata session id), opaque here;
 *   <li>the open handles and the files with uncommitted writes, as the worker reports them ({@link
 *       KeeperLink}: one small frame per open, release, and clean/dirty change);
 *   <li>the worker's write journal, a memfd holding the acknowledged writes not yet committed
 *       ({@link io.nectarfs.vfs.Vfs#useJournal}), sent after the descriptors, opaque here.
 * </ul>
 *
 * When the attached worker's connection ends without its saying "ending" (unmounted, stopped)
 * or "handing-over" (a planned upgrade, whose successor attaches next), the worker crashed: the
 * keeper starts a new worker (generation N+1), which asks to {@code recover} and gets the
 * descriptors, the state, the handles and the dirty files (see {@link MountCommand}).
 *
 * <p>Protocol (frames of {@link UnixSockets}, JSON unless said): {@code attach} (with {@code
 * worker}, the command that starts a worker of the sender's build: an upgrade's successor's
 * replaces the keeper's) + descriptors, then the state frame → {@code ok}; {@code recover} → header (generation, died_at, handles, dirty) +
 * descriptors, then the state frame; {@code status} → {@code held} (whether a crashed worker's
 * mount waits to be recovered) and {@code generation}; {@code serving}; text event frames {@code
 * o fh ino flags dir}, {@code r fh}, {@code d ino}, {@code c ino}; {@code ending}; {@code
 * handing-over}.
 *
 * <p>An <em>external</em> keeper ({@link #external}: the CSI node plugin's, one per mount pod)
 * starts no workers: the mount pod's container is the worker, and a restarted container (or a
 * new pod of the same mount) asks {@code status}, then recovers the held mount or mounts anew. It
 * never ends by itself: when its worker ends the mount it forgets it and waits for the next one;
 * {@link #close} ends it.
 *
 * <p>A mount pod's container runs a keeper with an <em>upstream</em>, the node plugin's external
 * keeper: it takes a mount held there at its start, attaches there after each attach or recovery
 * of its worker ({@link #relayAttach}), and relays the handle events, {@code ending} and (when
 * stopping) {@code handing-over}; the upstream's {@code upgrading} comes down to its worker.
 *
 * <p>Concurrency: one thread accepts, one platform thread per connection reads it, one platform
 * thread per worker copies its standard error to {@code err} (lines under {@code err}'s monitor;
 * joined before the worker's exit is acted on, so its last line comes first), and one virtual
 * thread per mount waits out {@link #FIRST_STANDBY_DELAY_MILLIS} before the first standby starts
 * (then acts under {@code this}); every field below is guarded by {@code this}. Invariants: {@code fds} are this process's own descriptors
 * (closed when replaced or at the end); only the {@code current} connection changes the handle
 * table; a crash is acted on once (the connection that ended must still be {@code current}).
 */
final class Keeper {
  static final String SOCKET_ENV = "NECTAR_KEEPER_SOCKET";
  static final String GENERATION_ENV = "NECTAR_KEEPER_GENERATION";
  /** Set in the workers of a keeper that relays to the node plugin's ({@link KeeperLink#relayed}). */
  static final String UPSTREAM_ENV = "NECTAR_KEEPER_UPSTREAM";
  private static final Logger log = LoggerFactory.getLogger(Keeper.class);
  private static final int MAX_RECOVERIES_PER_MINUTE = 10;
  private static final long HANDOVER_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private enum Phase { STARTING, SERVING, RECOVERING, HANDING_OVER, ENDING, DONE }

  /** How a worker starts: the mount's, then its last upgrade successor's (the build that serves now). */
  private List<String> command;
  /** {@link #build} of {@link #command} when the standby started (it runs that build). */
  private String standbyBuild;
  private final java.io.PrintWriter err;
  /** The thread copying each live worker's standard error (by pid), joined when the worker ends. */
  private final Map<Long, Thread> forwarders = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, String> env;
  private final Path mountpoint;
  private final boolean standbyWanted;
  /** Whether the workers come by themselves (the mount pod's container): none is started here. */
  private final boolean external;
  /**
   * The CSI node plugin's keeper socket when this keeper runs in a mount pod's container, or null:
   * it relays the mount there (see {@link #relayAttach}).
   */
  private final Path upstreamSocket;
  /** The connection to {@link #upstreamSocket} that carries the mount now, or null. */
  private KeeperLink upstream;
  /** Set when this keeper was told to stop: a worker handing over then hands the mount to the node plugin's keeper (the pod is replaced). */
  private boolean stopping;
  private Path socket;
  private int listenFd = -1;

  private int[] fds = new int[0];
  /** Whether the last of {@link #fds} is the worker's write journal (a memfd), opaque here. */
  private boolean journal;
  private byte[] state;
  private final Map<Long, long[]> handles = new HashMap<>();
  /** The open connections' descriptors (an external keeper's {@link #close} ends them, so their workers see it). */
  private final Set<Integer> connections = new HashSet<>();
  private final Set<Long> dirty = new HashSet<>();
  private Object current;
  private long currentPid;
  /** The current worker's connection (to tell it {@link #upgrading}), or -1. */
  private int currentFd = -1;
  /** Whether the CSI node plugin replaces the mount's pod now (an external keeper's worker then hands over at SIGTERM). */
  private boolean upgrading;
  private Process child;
  /** A worker started ahead that has prepared its volume and waits in {@code recover} for a crash (or null). */
  private Standby standby;
  private Process standbyProcess;

  private record Standby(Object conn, int fd, int pid) {}
  private int generation;
  private long diedAt;
  private long[] recoveries = new long[0];
  private Phase phase = Phase.STARTING;
  private int exitCode;

  /**
   * @param command the worker's command line
   * @param env what the worker's environment adds
   * @param err where the workers' standard error goes (the command's: a terminal, the mount log,
   *     or a test's capture), line by line
   */
  Keeper(List<String> command, Map<String, String> env, Path mountpoint, boolean standby, java.io.PrintWriter err) {
    this(command, env, mountpoint, standby, err, null);
  }

  /**
   * @param upstream the CSI node plugin's keeper socket (a mount pod's container runs this keeper
   *     with its standby; the mount is relayed there, so a dead container's mount is held for
   *     the next one), or null
   */
  Keeper(List<String> command, Map<String, String> env, Path mountpoint, boolean standby, java.io.PrintWriter err, Path upstream) {
    this.err = err;
    this.command = List.copyOf(command);
    this.env = Map.copyOf(env);
    this.mountpoint = mountpoint;
    this.standbyWanted = standby;
    this.external = false;
    this.upstreamSocket = upstream;
  }

  private Keeper(Path mountpoint, Path socket) {
    this.err = new java.io.PrintWriter(System.err, true);
    this.command = List.of();
    this.env = Map.of();
    this.mountpoint = mountpoint;
    this.standbyWanted = false;
    this.external = true;
    this.socket = socket;
    this.upstreamSocket = null;
  }

  /**
   * An external keeper of the mount at {@code mountpoint}, listening at {@code socket} (0600,
   * replacing a socket left there) until {@link #close}: the mount pod's worker attaches to it.
   */
  static Keeper external(Path mountpoint, Path socket) throws IOException {
    Keeper k = new Keeper(mountpoint, socket);
    Files.deleteIfExists(socket);
    k.listenFd = UnixSockets.listen(socket);
    try {
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      k.close();
      throw e;
    }
    Thread.ofPlatform().daemon(true).name("nectar-keeper-accept").start(k::acceptLoop);
    return k;
  }

  /**
   * Ends an external keeper: stops listening, ends its connections (their workers serve on and
   * look for a keeper again) and closes what it holds (a held mount without a worker then ends).
   */
  void close() {
    synchronized (this) {
      phase = Phase.DONE;
      connections.forEach(UnixSockets::shutdown);
      notifyAll();
    }
    closeAll();
  }

  /**
   * The CSI node plugin begins ({@code on}) or ends replacing the mount's pod: the serving worker is
   * told (and every worker that attaches or recovers meanwhile), so that at SIGTERM it hands the
   * mount to this keeper instead of unmounting, and the pod's preStop unmount ({@code nectar umount
   * --keeper-socket}) leaves the mount.
   */
  void upgrading(boolean on) {
    int fd;
    synchronized (this) {
      upgrading = on;
      fd = currentFd;
    }
    if (fd >= 0) {
      try {
        UnixSockets.send(fd, upgradingFrame(on), new int[0]);
      } catch (NativeException e) {
        log.debug("keeper: the worker was not told of the upgrade: {}", e.getMessage());
      }
    }
  }

  private static byte[] upgradingFrame(boolean on) {
    return MountHandover.bytes(MountHandover.JSON.createObjectNode().put("op", "upgrading").put("on", on));
  }

  /** After an attach or a recovery: a worker that came during an upgrade learns of it. */
  private void tellUpgrading(Object conn, int fd) throws NativeException {
    boolean tell;
    synchronized (this) {
      tell = upgrading && conn == current;
    }
    if (tell) {
      UnixSockets.send(fd, upgradingFrame(true), new int[0]);
    }
  }

  /** Whether the node plugin replaces the mount's pod now ({@link #upgrading(boolean)}). */
  synchronized boolean upgrading() {
    return upgrading;
  }

  /** Whether a worker that attached (or recovered) serves the mount now. */
  synchronized boolean serving() {
    return phase == Phase.SERVING && current != null;
  }

  /** Whether this keeper holds the mount of a worker that died (an external keeper's restarted container recovers it). */
  synchronized boolean held() {
    return phase == Phase.RECOVERING && fds.length > 0;
  }

  /** Runs until the mount ends; returns the exit status (the worker's when it failed to start). */
  int run() throws IOException, InterruptedException {
    socket = ControlSocket.keeperPath(mountpoint);
    sweepStale(socket);
    Files.deleteIfExists(socket);
    listenFd = UnixSockets.listen(socket);
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(this::stopWorker));
    Thread.ofPlatform().daemon(true).name("nectar-keeper-accept").start(this::acceptLoop);
    synchronized (this) {
      if (upstreamSocket != null) {
        recoverFromUpstream();
      }
      startWorker();
      while (phase != Phase.DONE) {
        wait(1000);
        checkHandoverTimeout();
      }
    }
    closeAll();
    return exitCode;
  }

  /**
   * Removes the sockets that keepers killed before they could remove theirs left in {@code
   * mine}'s directory: those whose pid no longer runs, and those named with this process's pid but
   * for another mount (a pid used again). Without it they piled up in {@code /run/nectar} (hundreds
   * after a day of tests), and a test that looked for its keeper's socket by pid found two.
   */
  static void sweepStale(Path mine) {
    long self = ProcessHandle.current().pid();
    try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(mine.getParent(), "keeper-*-*.sock")) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        long pid;
        try {
          pid = Long.parseLong(n.substring(n.lastIndexOf('-') + 1, n.length() - ".sock".length()));
        } catch (NumberFormatException e) {
          continue;
        }
        if (pid == self ? !p.equals(mine) : ProcessHandle.of(pid).isEmpty()) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      log.debug("keeper: stale sockets not swept: {}", e.toString());
    }
  }

  private void acceptLoop() {
    int me = ControlSocket.currentUid();
    while (true) {
      int fd;
      try {
        fd = UnixSockets.accept(listenFd, 1000);
      } catch (NativeException e) {
        return; // closed at the end
      }
      if (fd < 0) {
        continue;
      }
      try {
        UnixSockets.Peer p = UnixSockets.peer(fd);
        if (p.uid() != me && p.uid() != 0) {
          log.warn("keeper socket: refused a connection of uid {} pid {}", p.uid(), p.pid());
          FdPassing.closeQuietly(fd);
          continue;
        }
        // A platform thread: a reader waits in a native recvmsg, which would pin a virtual thread's
        // carrier; with the worker's and the standby's connections open, a third (an upgrading
        // successor) would then find no carrier on a 2-core machine.
        Thread.ofPlatform().daemon(true).name("nectar-keeper-conn-" + p.pid()).start(() -> serve(fd, p.pid()));
      } catch (NativeException e) {
        FdPassing.closeQuietly(fd);
      }
    }
  }

  private void serve(int fd, int pid) {
    Object conn = new Object();
    boolean saidEnding = false;
    synchronized (this) {
      if (phase == Phase.DONE) {
        FdPassing.closeQuietly(fd);
        return;
      }
      connections.add(fd);
    }
    try {
      while (true) {
        UnixSockets.Frame f = UnixSockets.receive(fd, MountHandover.MAX_FRAME, Integer.MAX_VALUE);
        if (f == null) {
          break;
        }
        byte[] b = f.payload();
        if (b.length > 0 && b[0] != '{') {
          UnixSockets.closeAll(f.fds());
          event(conn, new String(b, StandardCharsets.US_ASCII));
          continue;
        }
        JsonNode req = MountHandover.JSON.readTree(b);
        switch (req.path("op").asText()) {
          case "attach" -> {
            UnixSockets.Frame body = UnixSockets.receive(fd, MountHandover.MAX_FRAME, 60_000);
            if (body == null || f.fds().length == 0) {
              UnixSockets.closeAll(f.fds());
              return;
            }
            List<String> worker = req.has("worker") ? java.util.stream.StreamSupport.stream(req.path("worker").spliterator(), false)
                .map(JsonNode::asText).toList() : null;
            attach(conn, fd, pid, f.fds(), body.payload(), req.path("journal").asBoolean(), worker);
            UnixSockets.send(fd, MountHandover.bytes(MountHandover.JSON.createObjectNode().put("ok", true)), new int[0]);
            tellUpgrading(conn, fd);
          }
          case "recover" -> {
            recover(conn, fd, pid);
            tellUpgrading(conn, fd);
          }
          case "status" -> {
            boolean held;
            boolean up;
            int next;
            synchronized (this) {
              held = held();
              up = upgrading;
              next = generation + 1;
            }
            UnixSockets.send(fd, MountHandover.bytes(MountHandover.JSON.createObjectNode().put("ok", true).put("held", held).put("generation", next)
                .put("upgrading", up)), new int[0]);
          }
          case "serving" -> serving(conn, pid);
          case "ending" -> {
            saidEnding = true;
            phase(conn, Phase.ENDING);
          }
          case "handing-over" -> phase(conn, Phase.HANDING_OVER);
          default -> UnixSockets.closeAll(f.fds());
        }
      }
    } catch (IOException | RuntimeException e) {
      log.debug("keeper connection of pid {} ended: {}", pid, e.toString());
    } finally {
      ended(conn, pid, saidEnding); // first: a parked standby's descriptor is not closed under a crash that answers it
      synchronized (this) {
        connections.remove(fd);
      }
      FdPassing.closeQuietly(fd);
    }
  }

  private synchronized void attach(Object conn, int connFd, int pid, int[] received, byte[] encodedState, boolean withJournal, List<String> worker) {
    boolean first = fds.length == 0;
    UnixSockets.closeAll(fds);
    fds = received;
    journal = withJournal;
    state = encodedState;
    current = conn;
    currentPid = pid;
    currentFd = connFd;
    dirty.clear(); // a new server flushed (planned handover) or starts with nothing written
    if (first) {
      handles.clear();
    }
    phase = Phase.SERVING;
    log.info("keeper: worker pid {} serves {} ({} descriptors held)", pid, mountpoint, fds.length);
    if (first) {
      startStandbyLater();
    } else {
      successorsBuild(pid, worker);
    }
    relayAttach();
    notifyAll();
  }

  /** A line about the standby or the build into the mount's log (standard output), as the takeover's progress lines. */
  private static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  /**
   * An upgrade's successor (pid) attached, saying how a worker of its build starts ({@code worker},
   * or null from a build that does not say): later workers and standbys run that. A standby of that
   * same build (same command, same class path files) stays; another is replaced.
   */
  private void successorsBuild(int pid, List<String> worker) {
    if (external) {
      return; // starts no workers
    }
    if (worker != null && !worker.isEmpty() && !worker.equals(command)) {
      say("keeper: workers of " + mountpoint + " now start as successor pid " + pid + " did (its build)");
      command = List.copyOf(worker);
    }
    if (worker != null && standbyProcess != null && build(command).equals(standbyBuild)) {
      say("keeper: kept standby worker pid " + standbyProcess.pid() + ": it runs successor pid " + pid + "'s build");
      return;
    }
    dropStandby();
    startStandby();
  }

  /**
   * What a worker started with {@code cmd} runs: the command and the size and modification time of
   * each file on its class path ({@code -cp}), so a jar replaced in place counts as another build.
   */
  static String build(List<String> cmd) {
    StringBuilder b = new StringBuilder(String.join("\u0000", cmd));
    int cp = cmd.indexOf("-cp");
    if (cp >= 0 && cp + 1 < cmd.size()) {
      for (String entry : cmd.get(cp + 1).split(java.io.File.pathSeparator)) {
        try {
          java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(Path.of(entry), java.nio.file.attribute.BasicFileAttributes.class);
          b.append('\n').append(entry).append(' ').append(a.size()).append(' ').append(a.lastModifiedTime().toMillis());
        } catch (IOException | java.nio.file.InvalidPathException e) {
          b.append('\n').append(entry).append(" ?");
        }
      }
    }
    return b.toString();
  }

  private void recover(Object conn, int fd, int pid) throws NativeException {
    answerRecover(conn, fd, pid);
  }

  /** Sends the mount to the worker that asked to recover it (fd of its connection). */
  private void answerRecover(Object conn, int fd, int pid) throws NativeException {
    ObjectNode head;
    int[] send;
    byte[] body;
    synchronized (this) {
      if (phase != Phase.RECOVERING && standbyProcess != null && standbyProcess.pid() == pid && standby == null) {
        standby = new Standby(conn, fd, pid); // answered at the next crash
        say("keeper: standby worker pid " + pid + " ready");
        return;
      }
      if (phase != Phase.RECOVERING || fds.length == 0) {
        UnixSockets.send(fd, MountHandover.bytes(MountHandover.error("nothing to recover")), new int[0]);
        return;
      }
      if (external) {
        generation++; // the container that recovers is the next generation
      }
      head = MountHandover.JSON.createObjectNode().put("ok", true).put("generation", generation).put("died_at", diedAt);
      ArrayNode hs = head.putArray("handles");
      long next = 1;
      for (Map.Entry<Long, long[]> e : handles.entrySet()) {
        hs.addArray().add(e.getKey()).add(e.getValue()[0]).add(e.getValue()[1]).add(e.getValue()[2]);
        next = Math.max(next, e.getKey() + 1);
      }
      head.put("next_fh", next);
      head.put("journal", journal);
      ArrayNode ds = head.putArray("dirty");
      dirty.forEach(ds::add);
      send = fds.clone();
      body = state;
      current = conn;
      currentPid = pid;
      currentFd = fd;
    }
    UnixSockets.send(fd, MountHandover.bytes(head), send);
    UnixSockets.send(fd, body, new int[0]);
    log.info("keeper: handed the mount to recovering worker pid {} (generation {}, {} handles)", pid, generation, head.path("handles").size());
  }

  private synchronized void serving(Object conn, int pid) {
    if (conn != current) {
      return;
    }
    if (phase == Phase.RECOVERING) {
      dirty.clear(); // marked lost at the new worker
      log.info("keeper: worker pid {} recovered {} ({} ms after the crash was seen)", pid, mountpoint, (System.nanoTime() - diedAt) / 1_000_000);
      if (standbyProcess != null && standbyProcess.pid() == pid) { // the standby took over: it is the worker now
        child = standbyProcess;
        standbyProcess = null;
      }
      startStandby();
      relayAttach(); // the node plugin's keeper had seen nothing of the crash: now its unflushed files are those of the new worker
    }
    phase = Phase.SERVING;
    notifyAll();
  }

  private synchronized void phase(Object conn, Phase p) {
    if (conn == current) {
      phase = p;
      diedAt = System.nanoTime(); // for HANDING_OVER: when the wait for the successor began
      if (upstream != null && p == Phase.ENDING) {
        upstream.ending(); // unmounted: the node plugin's keeper holds nothing more
      } else if (upstream != null && p == Phase.HANDING_OVER && stopping) {
        upstream.handingOver(); // the container stops while its pod is replaced: the next container recovers the mount there
      }
      notifyAll();
    }
  }

  private synchronized void event(Object conn, String e) {
    if (conn != current) {
      return;
    }
    String[] w = e.split(" ");
    switch (w[0]) {
      case "o" -> handles.put(Long.parseLong(w[1]), new long[] {Long.parseLong(w[2]), Long.parseLong(w[3]), Long.parseLong(w[4])});
      case "r" -> handles.remove(Long.parseLong(w[1]));
      case "d" -> dirty.add(Long.parseLong(w[1]));
      case "c" -> dirty.remove(Long.parseLong(w[1]));
      default -> {
        log.debug("keeper: unknown event '{}'", e);
        return;
      }
    }
    if (upstream != null) {
      upstream.relay(e);
    }
  }

  /**
   * A mount pod's keeper at its start: when the node plugin's keeper holds the mount of this pod's
   * previous container, takes it (descriptors, state, handles, unflushed files, journal) as if
   * its own worker had crashed, so the first worker recovers it.
   */
  private void recoverFromUpstream() {
    KeeperLink asked = null;
    try {
      asked = KeeperLink.external(upstreamSocket);
      KeeperLink.Status st = asked.status();
      if (!st.held()) {
        asked.close();
        return;
      }
      KeeperLink.Recovery r = asked.recover();
      int[] all = r.fds();
      if (r.journalFd() >= 0) {
        all = java.util.Arrays.copyOf(all, all.length + 1);
        all[all.length - 1] = r.journalFd();
      }
      fds = all;
      journal = r.journalFd() >= 0;
      state = r.state();
      handles.clear();
      for (io.nectarfs.vfs.HandleTable.Open o : r.handles()) {
        switch (o) {
          case io.nectarfs.vfs.HandleTable.File f -> handles.put(f.fh(), new long[] {f.ino(), f.flags(), 0});
          case io.nectarfs.vfs.HandleTable.Dir d -> handles.put(d.fh(), new long[] {d.ino(), 0, 1});
          default -> { } // internal and control handles are never reported (they do not survive a crash)
        }
      }
      dirty.clear();
      dirty.addAll(r.dirty());
      generation = Math.max(1, r.generation());
      diedAt = r.diedAt();
      phase = Phase.RECOVERING;
      upstream = asked; // the node plugin's keeper hands the mount to this connection; closed once the worker serves (relayAttach)
      log.info("keeper: took the mount {} from the node plugin's keeper ({} open handles, {} files with unflushed writes)", mountpoint,
          handles.size(), dirty.size());
    } catch (IOException | RuntimeException e) {
      if (asked != null) {
        asked.close();
      }
      log.warn("keeper: the node plugin's keeper at {} did not answer ({}): this mount starts anew", upstreamSocket, e.getMessage());
    }
  }

  /**
   * Gives the node plugin's keeper (a mount pod's) what this keeper holds now (descriptors, state,
   * journal, then every open handle and unflushed file) on a new connection, and closes the
   * previous one: after the worker's attach and after each recovery. Between these the events are
   * relayed one by one, so that keeper holds what this one holds when the container dies.
   */
  private void relayAttach() {
    if (upstreamSocket == null || fds.length == 0) {
      return;
    }
    KeeperLink next = null;
    try {
      next = KeeperLink.external(upstreamSocket);
      KeeperLink link = next;
      next.onUpgrading(this::upgrading);
      next.onKeeperLost(() -> relayAll(link)); // the node plugin restarted: its next keeper gets the mount again
      relayAll(next);
    } catch (IOException | RuntimeException e) {
      if (next != null) {
        next.close();
      }
      log.warn("keeper: the node plugin's keeper at {} did not take the mount ({}): a crash of this container now ends the mount", upstreamSocket,
          e.getMessage());
      return;
    }
    KeeperLink old = upstream;
    upstream = next;
    if (old != null) {
      old.close();
    }
  }

  private synchronized void relayAll(KeeperLink link) throws IOException {
    int[] fuse = journal ? java.util.Arrays.copyOf(fds, fds.length - 1) : fds;
    link.attach(fuse, state, journal ? fds[fds.length - 1] : -1, null);
    handles.forEach((fh, h) -> link.opened(fh, h[0], (int) h[1], h[2] != 0));
    dirty.forEach(link::dirty);
  }

  /** A connection ended: the current worker's end is a crash unless it said it ends or hands over. */
  private synchronized void ended(Object conn, int pid, boolean saidEnding) {
    if (standby != null && standby.conn() == conn) {
      standby = null; // the standby died; another starts with the next serving worker
      return;
    }
    if (conn != current || phase == Phase.DONE) {
      return;
    }
    switch (phase) {
      case ENDING -> {
        if (external) {
          forget();
          return;
        }
        dropStandby();
        if (child == null || child.pid() != pid) {
          finish(0); // a successor that was not started here ended the mount
        }
        // else: the child's exit finishes (childExited)
      }
      case HANDING_OVER -> {
        if (external) { // the pod's next container recovers it (the worker flushed everything first)
          current = null;
          currentFd = -1;
          phase = Phase.RECOVERING;
          diedAt = System.nanoTime();
          log.info("keeper: worker pid {} handed the mount {} over; holding it for the pod's next container", pid, mountpoint);
          notifyAll();
        } else {
          log.info("keeper: worker pid {} handed the mount over; waiting for its successor to attach", pid);
        }
      }
      default -> crashed(pid, saidEnding);
    }
  }

  private void crashed(int pid, boolean saidEnding) {
    diedAt = System.nanoTime();
    current = null;
    currentFd = -1;
    if (external) {
      phase = Phase.RECOVERING;
      log.warn("keeper: worker pid {} of {} died without ending; holding the mount for its next container ({} open handles, {} files with"
          + " unflushed writes)", pid, mountpoint, handles.size(), dirty.size());
      notifyAll();
      return;
    }
    if (child != null && child.pid() == pid) {
      child = null; // its exit, seen later, is this crash
    }
    long now = diedAt;
    long[] recent = java.util.Arrays.stream(recoveries).filter(t -> now - t < TimeUnit.MINUTES.toNanos(1)).toArray();
    if (recent.length >= MAX_RECOVERIES_PER_MINUTE) {
      log.error("keeper: the worker of {} crashed {} times within a minute; giving up (the mount ends)", mountpoint, recent.length);
      finish(1);
      return;
    }
    recoveries = java.util.Arrays.copyOf(recent, recent.length + 1);
    recoveries[recent.length] = now;
    phase = Phase.RECOVERING;
    if (standby != null) {
      Standby s = standby;
      standby = null;
      log.warn("keeper: worker pid {} of {} died without ending; standby worker pid {} recovers the mount ({} open handles, {} files with unflushed"
          + " writes)", pid, mountpoint, s.pid(), handles.size(), dirty.size());
      try {
        answerRecover(s.conn(), s.fd(), s.pid());
        return;
      } catch (NativeException e) {
        log.warn("keeper: the standby worker is unreachable ({}): starting a new worker", e.getMessage());
      }
    }
    if (standbyProcess != null && standbyProcess.isAlive()) {
      log.warn("keeper: worker pid {} of {} died without ending; the standby worker pid {} (still preparing) recovers the mount", pid, mountpoint,
          standbyProcess.pid());
      return; // its recover request is answered at once
    }
    dropStandby();
    generation++;
    log.warn("keeper: worker pid {} of {} died without ending; starting worker generation {} to recover the mount ({} open handles, {} files with"
        + " unflushed writes)", pid, mountpoint, generation, handles.size(), dirty.size());
    startWorker();
  }

  /** An external keeper's worker ended the mount: nothing is held until the next one attaches. */
  private void forget() {
    UnixSockets.closeAll(fds);
    fds = new int[0];
    journal = false;
    state = null;
    handles.clear();
    dirty.clear();
    current = null;
    currentFd = -1;
    currentPid = 0;
    phase = Phase.STARTING;
    log.info("keeper: the mount {} ended; waiting for a new one", mountpoint);
    notifyAll();
  }

  /**
   * How long a new mount serves before its first standby starts: the mount's first seconds (its
   * programs starting) do not share the CPU with a second JVM's start, and a short mount (a
   * script's) never starts one. After a recovery or an upgrade the next standby starts at once.
   */
  static final long FIRST_STANDBY_DELAY_MILLIS = 5_000;

  /** Starts the first standby after {@link #FIRST_STANDBY_DELAY_MILLIS}, if the mount still serves then. */
  private void startStandbyLater() {
    if (!standbyWanted) {
      return;
    }
    Thread.ofVirtual().name("nectar-keeper-first-standby").start(() -> {
      try {
        Thread.sleep(FIRST_STANDBY_DELAY_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
      synchronized (Keeper.this) {
        if (phase == Phase.SERVING) { // not while a recovery or handover runs: its end starts one
          startStandby();
        }
      }
    });
  }

  /** Starts a standby worker (the next generation) unless one runs or none is wanted. */
  private void startStandby() {
    if (!standbyWanted || standbyProcess != null || phase == Phase.ENDING || phase == Phase.DONE) {
      return;
    }
    generation++;
    standbyBuild = build(command);
    standbyProcess = launch();
  }

  private void dropStandby() {
    if (standbyProcess != null) {
      standbyProcess.destroy();
      standbyProcess = null;
    }
    standby = null;
  }

  private void checkHandoverTimeout() {
    if (phase == Phase.HANDING_OVER && current != null && System.nanoTime() - diedAt > HANDOVER_WAIT_NANOS) {
      log.warn("keeper: no successor attached within 30 s of the handover of {}: recovering the mount", mountpoint);
      crashed(-1, false);
    }
  }

  private void startWorker() {
    Process p = launch();
    if (p != null) {
      child = p;
    }
  }

  /** Starts a worker of the current generation (0 mounts; more recover), or finishes when it cannot. */
  private Process launch() {
    ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT)
        .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.PIPE);
    pb.environment().putAll(env);
    pb.environment().put(SOCKET_ENV, socket.toString());
    pb.environment().put(GENERATION_ENV, Integer.toString(generation));
    if (upstreamSocket != null) {
      pb.environment().put(UPSTREAM_ENV, upstreamSocket.toString());
    }
    try {
      Process p = pb.start();
      forwarders.put(p.pid(), Thread.ofPlatform().daemon(true).name("nectar-keeper-stderr-" + p.pid()).start(() -> forwardErrors(p)));
      p.onExit().thenAccept(this::childExited);
      return p;
    } catch (IOException e) {
      log.error("keeper: cannot start a worker of {}: {}", mountpoint, e.getMessage());
      finish(1);
      return null;
    }
  }

  /**
   * Copies a worker's standard error to {@link #err} until the worker closes it, so a worker that
   * fails before it serves (an unformatted volume, a bad option) says why where the mount command
   * was asked (its one line), also when that is not this process's file descriptor 2.
   */
  private void forwardErrors(Process p) {
    try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        synchronized (err) {
          err.println(line);
          err.flush();
        }
      }
    } catch (IOException e) {
      // the worker is gone
    }
  }

  private synchronized void childExited(Process p) {
    Thread copying = forwarders.remove(p.pid());
    if (copying != null) {
      try {
        copying.join(java.time.Duration.ofSeconds(10)); // its last words before the keeper acts (and maybe ends)
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    int code = p.exitValue();
    log.debug("keeper: worker pid {} exited with status {}", p.pid(), code);
    if (p == standbyProcess) {
      standbyProcess = null;
      standby = null;
      if (phase == Phase.RECOVERING && current == null) {
        crashed((int) p.pid(), false); // it died before it recovered the mount: start a worker
      } else if (phase != Phase.ENDING && phase != Phase.DONE) {
        log.warn("keeper: standby worker pid {} exited with status {}; a crash now restarts a worker from scratch", p.pid(), code);
      }
      return;
    }
    if (p != child || phase == Phase.DONE) {
      return;
    }
    switch (phase) {
      case STARTING -> finish(code == 0 ? 1 : code); // died before it served: the mount failed (its log says why)
      case ENDING -> finish(code);
      case RECOVERING -> {
        if (current == null) { // it died before it asked: try again
          crashed((int) p.pid(), false);
        }
      }
      default -> {} // its connection's end decides
    }
  }

  private void finish(int code) {
    dropStandby();
    exitCode = code;
    phase = Phase.DONE;
    notifyAll();
  }

  /** The keeper was told to stop (SIGTERM, SIGINT): the worker unmounts cleanly, then the keeper ends. */
  private void stopWorker() {
    ProcessHandle p;
    synchronized (this) {
      if (phase == Phase.DONE) {
        return;
      }
      phase = Phase.ENDING;
      stopping = true;
      dropStandby();
      p = currentPid > 0 ? ProcessHandle.of(currentPid).orElse(null) : child == null ? null : child.toHandle();
    }
    if (p != null && p.isAlive()) {
      p.destroy();
      try {
        p.onExit().get(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        log.warn("keeper: the worker of {} did not end within 60 s", mountpoint);
      }
    }
    closeAll();
  }

  private synchronized void closeAll() {
    if (upstream != null) {
      upstream.close(); // after "ending" or "handing-over" when the mount ended or went to the next container; else it holds the mount as after a crash
      upstream = null;
    }
    UnixSockets.closeAll(fds);
    fds = new int[0];
    if (listenFd >= 0) {
      FdPassing.closeQuietly(listenFd);
      listenFd = -1;
    }
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      // best effort
    }
  }
}
