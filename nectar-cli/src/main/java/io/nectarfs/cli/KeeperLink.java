package io.nectarfs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.nectarfs.fuse.ControlSocket;
import io.nectarfs.fuse.linux.FdPassing;
import io.nectarfs.fuse.linux.NativeException;
import io.nectarfs.fuse.linux.UnixSockets;
import io.nectarfs.vfs.HandleTable;
import io.nectarfs.vfs.Vfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's connection to its {@link Keeper}: attaches the mount (descriptors + encoded state),
 * or asks to recover it after a crash, and reports handle changes ({@link Vfs.HandleEvents}) for
 * the next recovery. A worker whose own keeper is gone ends at once (the mount ends with its
 * keeper, as before keepers). A worker of an <em>external</em> keeper ({@link #external}: the CSI
 * node plugin's) serves on when it goes (the node plugin restarts, e.g. for its own upgrade) and
 * attaches again when it is back ({@link #onKeeperLost}).
 *
 * <p>Concurrency: events come from request threads; every send holds {@code this}, so frames do
 * not interleave, and the descriptor is replaced (a re-attach) only under it. An event is written
 * to the socket before the operation that caused it returns (the keeper reads it even if this
 * process dies right after). One watch thread reads the keeper's end; a re-attach runs on it.
 */
final class KeeperLink implements Vfs.HandleEvents {
  private static final Logger log = LoggerFactory.getLogger(KeeperLink.class);
  private static final long RECONNECT_MILLIS = 1000;
  private volatile int fd;
  /** An external keeper's socket (this link re-attaches when it comes back), or null. */
  private final Path external;
  /** Whether this worker's keeper relays the mount to the node plugin's (a mount pod's container: {@link Keeper#UPSTREAM_ENV}). */
  private final boolean relayed;
  private volatile Reattach reattach;
  /** Told when the keeper says the mount's pod is being replaced, or no longer (a relaying {@link Keeper} forwards it), or null. */
  private volatile java.util.function.Consumer<Boolean> onUpgrading;

  /** How a worker attaches again (see {@link #onKeeperLost}). */
  interface Reattach {
    void run() throws IOException;
  }
  private volatile boolean broken;
  /** Set once this worker said it ends or hands over: a later "ending" (its shutdown hook) is not sent. */
  private volatile boolean done;
  private volatile boolean watching;
  /** Whether the external keeper's node plugin replaces this mount's pod now (then SIGTERM hands over instead of unmounting). */
  private volatile boolean upgrading;

  /** An external keeper's answer to {@code status}. */
  record Status(boolean held, int generation, boolean upgrading) {}

  /** What a recovering worker gets from the keeper. */
  record Recovery(int generation, long diedAt, int[] fds, byte[] state, List<HandleTable.Open> handles, long nextFh, Set<Long> dirty, int journalFd) {}

  /** The keeper's process id as the kernel reported it at connect (SO_PEERCRED): {@code nectar umount} waits for that process. */
  private final long keeperPid;

  private KeeperLink(int fd, Path external, boolean relayed) throws IOException {
    this.fd = fd;
    this.external = external;
    this.relayed = relayed;
    try {
      this.keeperPid = UnixSockets.peer(fd).pid();
    } catch (NativeException e) {
      FdPassing.closeQuietly(fd);
      throw new IOException("cannot ask who serves the keeper socket: " + e.getMessage());
    }
  }

  /** The process id of the keeper this link connected to first. */
  long keeperPid() {
    return keeperPid;
  }

  /**
   * A link to the external keeper at {@code socket} (the CSI node plugin's for a mount pod).
   *
   * @throws IOException one line: it does not answer, or it is served by another user
   */
  static KeeperLink external(Path socket) throws IOException {
    return new KeeperLink(connectTrusted(socket), socket, false);
  }

  private static int connectTrusted(Path socket) throws IOException {
    int fd;
    try {
      fd = UnixSockets.connect(socket);
      UnixSockets.Peer p = UnixSockets.peer(fd);
      if (p.uid() != ControlSocket.currentUid() && p.uid() != 0) {
        FdPassing.closeQuietly(fd);
        throw new IOException("the keeper socket " + socket + " is served by uid " + p.uid() + ": not trusted");
      }
    } catch (NativeException e) {
      throw new IOException("cannot reach the mount's keeper at " + socket + ": " + e.getMessage());
    }
    return fd;
  }

  /**
   * Asks an external keeper whether it holds the mount of a worker that died (then {@link #recover}
   * it as the generation given) and whether its pod is being replaced. Before {@link #attach} or
   * {@link #recover} only (afterwards the watch thread reads this connection).
   */
  synchronized Status status() throws IOException {
    UnixSockets.send(fd, MountHandover.bytes(MountHandover.JSON.createObjectNode().put("op", "status")), new int[0]);
    UnixSockets.Frame f = UnixSockets.receive(fd, 64 << 10, 60_000);
    if (f == null) {
      throw new IOException("the keeper closed the connection");
    }
    UnixSockets.closeAll(f.fds());
    JsonNode h = MountHandover.JSON.readTree(f.payload());
    return new Status(h.path("held").asBoolean(), Math.max(1, h.path("generation").asInt(1)), h.path("upgrading").asBoolean());
  }

  /** Whether the external keeper said that this mount's pod is being replaced (see {@link Keeper#upgrading}). */
  boolean upgrading() {
    return upgrading;
  }

  /** Closes a link used only to ask ({@link #status}). */
  void close() {
    done = true;
    FdPassing.closeQuietly(fd);
  }

  /** Whether this is a link to an external keeper (the CSI node plugin's). */
  boolean external() {
    return external != null;
  }

  /**
   * Whether this worker's keeper relays the mount to the CSI node plugin's keeper (it runs in a
   * mount pod's container): like an external keeper's worker, it then hands the mount over at
   * SIGTERM while the pod is replaced ({@link #upgrading}).
   */
  boolean relayed() {
    return relayed;
  }

  /** Calls {@code listener} with each "upgrading" word of the keeper (on the watch thread). */
  void onUpgrading(java.util.function.Consumer<Boolean> listener) {
    this.onUpgrading = listener;
  }

  /** Sends a handle event frame as the worker wrote it ({@code o …}, {@code r …}, {@code d …}, {@code c …}): a relaying keeper's. */
  void relay(String event) {
    send(event.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * What an external keeper's worker does to attach again after the keeper came back (it sends
   * the descriptors, the state and the journal with {@link #attach}, then the handles with {@link
   * Vfs#setHandleEvents}).
   */
  void onKeeperLost(Reattach reattach) {
    this.reattach = reattach;
  }

  /** The keeper of this process (from {@link Keeper#SOCKET_ENV}), or null when there is none. */
  static KeeperLink fromEnvironment() throws IOException {
    String s = System.getenv(Keeper.SOCKET_ENV);
    if (s == null || s.isBlank()) {
      return null;
    }
    return new KeeperLink(connectTrusted(Path.of(s)), null, System.getenv(Keeper.UPSTREAM_ENV) != null);
  }

  /** The generation this worker has (0: the first, which mounts; more: a recovery). */
  static int generation() {
    String g = System.getenv(Keeper.GENERATION_ENV);
    return g == null ? -1 : Integer.parseInt(g);
  }

  /**
   * Gives the keeper duplicates of the serving descriptors and the state to recover from, and the
   * write journal's memfd ({@code journalFd} &ge; 0, sent after the descriptors) if there is one.
   *
   * @param workerCommand how the keeper starts a worker of this process's build (its next workers
   *     and standbys run it: after an upgrade, the successor's build), or null to leave the
   *     keeper's as it is
   */
  synchronized void attach(int[] fds, byte[] state, int journalFd, List<String> workerCommand) throws IOException {
    int[] send = fds;
    if (journalFd >= 0) {
      send = java.util.Arrays.copyOf(fds, fds.length + 1);
      send[fds.length] = journalFd;
    }
    com.fasterxml.jackson.databind.node.ObjectNode req = MountHandover.JSON.createObjectNode().put("op", "attach").put("journal", journalFd >= 0);
    if (workerCommand != null) {
      workerCommand.forEach(req.putArray("worker")::add);
    }
    UnixSockets.send(fd, MountHandover.bytes(req), send);
    UnixSockets.send(fd, state, new int[0]);
    UnixSockets.Frame ok = UnixSockets.receive(fd, 64 << 10, 60_000);
    if (ok == null) {
      throw new IOException("the keeper closed the connection");
    }
    watchKeeper();
  }

  /**
   * From now on nothing comes from the keeper: its end is seen as the end of this connection, and
   * then this worker ends at once (as if killed), so the mount dies with its keeper as it died
   * with the one mount process before (process managers that kill the mount's pid rely on it).
   */
  private void watchKeeper() {
    if (watching) {
      return;
    }
    watching = true;
    int watched = fd;
    Thread.ofPlatform().daemon(true).name("nectar-keeper-watch").start(() -> {
      try {
        for (UnixSockets.Frame f; (f = UnixSockets.receive(watched, 64 << 10, Integer.MAX_VALUE)) != null; ) {
          UnixSockets.closeAll(f.fds());
          JsonNode m;
          try {
            m = MountHandover.JSON.readTree(f.payload());
          } catch (IOException e) {
            log.warn("unreadable message from the mount's keeper: {}", e.getMessage());
            continue;
          }
          if (m.path("op").asText().equals("upgrading")) {
            upgrading = m.path("on").asBoolean();
            log.info(upgrading ? "the node plugin replaces this mount's pod: at the container's stop this process hands the mount to its keeper"
                : "the node plugin's replacement of this mount's pod ended");
            java.util.function.Consumer<Boolean> l = onUpgrading;
            if (l != null) {
              l.accept(upgrading);
            }
          } else {
            log.warn("unexpected message from the mount's keeper: {}", m);
          }
        }
      } catch (NativeException e) {
        // the keeper is gone
      }
      if (done) {
        return;
      }
      if (external != null) {
        reconnect(watched);
        return;
      }
      log.error("the mount's keeper ended: this worker ends too (the mount ends as it did with the single mount process)");
      Runtime.getRuntime().halt(1);
    });
  }

  /**
   * The external keeper went: serve on, and attach again (every second) once its socket answers,
   * until this worker ends. Events meanwhile are not sent; the re-attach reports every open
   * handle and unflushed file again.
   */
  private void reconnect(int old) {
    log.warn("the mount's keeper at {} ended: serving on; until it is back, a crash of this process ends the mount", external);
    synchronized (this) {
      broken = true;
      watching = false;
      FdPassing.closeQuietly(old);
    }
    while (!done) {
      try {
        Thread.sleep(RECONNECT_MILLIS);
        int next = connectTrusted(external);
        synchronized (this) {
          fd = next;
          broken = false;
          upgrading = false; // the old keeper's word: the new one says so again when it replaces the pod
        }
        Reattach r = reattach;
        try {
          if (r != null) {
            r.run();
          }
        } catch (IOException | RuntimeException e) {
          synchronized (this) {
            broken = true;
            watching = false;
            FdPassing.closeQuietly(next);
          }
          throw new IOException("attaching again failed: " + e.getMessage(), e);
        }
        log.info("attached to the mount's keeper at {} again", external);
        return;
      } catch (IOException e) {
        log.debug("keeper at {} not back yet: {}", external, e.getMessage());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Asks the keeper for the mount of a worker that crashed. */
  synchronized Recovery recover() throws IOException {
    UnixSockets.send(fd, MountHandover.bytes(MountHandover.JSON.createObjectNode().put("op", "recover")), new int[0]);
    UnixSockets.Frame head = UnixSockets.receive(fd, MountHandover.MAX_FRAME, Integer.MAX_VALUE); // a standby waits here for a crash
    if (head == null) {
      throw new IOException("the keeper closed the connection");
    }
    JsonNode h = MountHandover.JSON.readTree(head.payload());
    if (!h.path("ok").asBoolean() || head.fds().length == 0) {
      UnixSockets.closeAll(head.fds());
      throw new IOException("the keeper has nothing to recover: " + h.path("error").asText("?"));
    }
    UnixSockets.Frame body = UnixSockets.receive(fd, MountHandover.MAX_FRAME, 60_000);
    if (body == null) {
      UnixSockets.closeAll(head.fds());
      throw new IOException("the keeper sent no state");
    }
    List<HandleTable.Open> handles = new ArrayList<>();
    for (JsonNode x : h.path("handles")) {
      long fh = x.get(0).asLong();
      long ino = x.get(1).asLong();
      handles.add(x.get(3).asLong() != 0 ? new HandleTable.Dir(fh, ino, List.of(), false, "")
          : new HandleTable.File(fh, ino, (int) x.get(2).asLong()));
    }
    Set<Long> dirty = new HashSet<>();
    h.path("dirty").forEach(d -> dirty.add(d.asLong()));
    int[] fds = head.fds();
    int journalFd = -1;
    if (h.path("journal").asBoolean() && fds.length > 1) { // the journal's memfd comes after the /dev/fuse descriptors
      journalFd = fds[fds.length - 1];
      fds = java.util.Arrays.copyOf(fds, fds.length - 1);
    }
    return new Recovery(h.path("generation").asInt(), h.path("died_at").asLong(), fds, body.payload(), handles,
        h.path("next_fh").asLong(1), dirty, journalFd);
  }

  /** This worker serves (after a recovery, or again after a failed handover). */
  void serving() {
    done = false;
    control("serving");
    watchKeeper();
  }

  /** The mount ends normally (unmounted, stopped): no recovery. Once; not after {@link #handingOver}. */
  void ending() {
    if (!done) {
      done = true;
      control("ending");
    }
  }

  /** A successor takes over (planned upgrade); it attaches next. */
  void handingOver() {
    done = true;
    control("handing-over");
  }

  private void control(String op) {
    send(MountHandover.bytes(MountHandover.JSON.createObjectNode().put("op", op)));
  }

  @Override
  public void opened(long fh, long ino, int flags, boolean dir) {
    send(("o " + fh + " " + ino + " " + flags + " " + (dir ? 1 : 0)).getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public void released(long fh) {
    send(("r " + fh).getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public void dirty(long ino) {
    send(("d " + ino).getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public void clean(long ino) {
    send(("c " + ino).getBytes(StandardCharsets.US_ASCII));
  }

  private synchronized void send(byte[] frame) {
    if (broken) {
      return;
    }
    try {
      UnixSockets.send(fd, frame, new int[0]);
    } catch (NativeException e) {
      broken = true;
      log.warn("lost the connection to the mount's keeper ({}): a crash of this process will now end the mount", e.getMessage());
    }
  }
}
