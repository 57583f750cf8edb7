package io.nectarfs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nectarfs.fuse.ControlSocket;
import io.nectarfs.fuse.FuseServer;
import io.nectarfs.fuse.HandoverState;
import io.nectarfs.fuse.linux.FdPassing;
import io.nectarfs.fuse.linux.UnixSockets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running mount's side of a planned takeover between processes (issue #17): answers requests
 * on the mount's {@link ControlSocket}.
 *
 * <ul>
 *   <li>{@code {"op":"describe"}}: what a successor needs to start (the mount's arguments, its
 *       metadata URL with credentials, volume name and uuid, pid, the state version it writes).
 *   <li>{@code {"op":"handover","reads":N,"owes_sync":true}}: refused unless the successor reads
 *       this build's state version. Otherwise: the FUSE server stops reading and hands over
 *       ({@link FuseServer#handOver}; without the sync of the writers' commits when the successor
 *       says it owes that sync, {@code owes_sync}), a header frame {@code
 *       {"ok":true,"stopped_at":nanos,"pid":P}} goes with the {@code /dev/fuse} descriptors, then
 *       the encoded {@link HandoverState}. The successor answers {@code {"op":"serving"}} once it
 *       serves; then this side closes its descriptors, closes the volume keeping its session
 *       ({@link Mount#release}), answers {@code {"ok":true}}, and the outcome is "handed over"
 *       (the process exits 0). If the successor fails, closes, or says nothing within {@link
 *       #CONFIRM_MILLIS}, this side serves again ({@link Mount#resume}); the mount point never
 *       disappears.
 * </ul>
 *
 * <p>Concurrency: requests run on the control socket's one thread. {@link #pending} is read by the
 * mount's main thread when its server stopped: a handover in progress is there from before the
 * server stops until its outcome is known (then: null for handed over, or the server that serves
 * again).
 */
final class MountHandover implements ControlSocket.Handler {
  private static final Logger log = LoggerFactory.getLogger(MountHandover.class);
  static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_FRAME = 256 << 20;
  static final int CONFIRM_MILLIS = 120_000;

  /** What the mount lends to a handover. */
  interface Mount {
    /** The server now serving. */
    FuseServer server();

    /** The description a successor starts from (see the class comment). */
    ObjectNode describe();

    /**
     * Before anything is sent: tells the keeper (if any) that a handover comes (the end of this
     * process is then no crash), and frees the ports the successor binds once it serves (metrics
     * endpoint, cache group).
     */
    void handingOver();

    /** Closes metrics endpoint, cache group and volume, keeping the metadata session. */
    void release() throws IOException;

    /** Serves {@code session} again on the same, still open volume (a handover whose export failed). */
    FuseServer serveAgain(io.nectarfs.fuse.FuseSession session);

    /** Serves again after a failed handover: opens the volume resuming the session, takes the handles back. */
    FuseServer resume(HandoverState state, int[] fds) throws IOException;
  }

  private final Mount mount;
  private final AtomicReference<CompletableFuture<FuseServer>> pending = new AtomicReference<>();

  MountHandover(Mount mount) {
    this.mount = mount;
  }

  /** The handover in progress, or null: completes with null when handed over, else with the server serving again. */
  CompletableFuture<FuseServer> pending() {
    return pending.get();
  }

  /** Forgets a finished handover whose outcome the main thread took. */
  void clear() {
    pending.set(null);
  }

  static byte[] bytes(JsonNode n) {
    return n.toString().getBytes(StandardCharsets.UTF_8);
  }

  static ObjectNode error(String message) {
    return JSON.createObjectNode().put("ok", false).put("error", message);
  }

  @Override
  public void handle(ControlSocket.Connection c) throws IOException {
    UnixSockets.Frame f = c.receive(64 << 10, 30_000);
    if (f == null) {
      return;
    }
    JsonNode req = JSON.readTree(f.payload());
    UnixSockets.closeAll(f.fds());
    switch (req.path("op").asText()) {
      case "describe" -> c.send(bytes(mount.describe().put("ok", true)));
      case "handover" -> handOver(c, req.path("reads").asInt(0), req.path("owes_sync").asBoolean(false));
      default -> c.send(bytes(error("unknown request '" + req.path("op").asText() + "'")));
    }
  }

  /**
   * Hands the mount to its external keeper (the CSI node plugin's, while it replaces the pod):
   * stops reading and drains ({@link FuseServer#handOver}: every writer committed and durable),
   * tells the keeper ({@link Mount#handingOver}), then closes the volume keeping its session
   * ({@link Mount#release}). The pod's next container recovers the mount from the keeper. False, with the mount
   * still this process's (the caller then ends it), when the server could not hand over.
   */
  boolean toKeeper() {
    FuseServer server = mount.server();
    if (!"dev-fuse".equals(server.transport())) {
      return false;
    }
    try {
      server.commitAhead();
    } catch (IOException | RuntimeException e) {
      log.warn("could not commit the writes ahead of the handover to the keeper ({}): ending the mount", e.getMessage());
      return false;
    }
    CompletableFuture<FuseServer> outcome = new CompletableFuture<>();
    pending.set(outcome); // the main thread waits for the outcome instead of ending the mount
    try {
      server.handOver();
    } catch (IOException | RuntimeException e) {
      log.warn("could not hand the mount to its keeper ({}): ending it", e.getMessage());
      outcome.completeExceptionally(e); // the main thread then ends the mount
      return false;
    }
    mount.handingOver();
    try {
      mount.release();
    } catch (IOException | RuntimeException e) {
      log.warn("the volume did not close cleanly after the handover to the keeper: {}", e.getMessage());
    }
    log.info("handed the mount to its keeper: the pod's next container serves it");
    outcome.complete(null);
    return true;
  }

  /** How long a handover waits, still serving, for slow requests in flight (syncs, lock waits) to end before it stops reading. */
  static final Duration SLOW_REQUESTS_WAIT = Duration.ofSeconds(2);

  /**
   * {@code owesSync}: the successor syncs every commit so far at its first close or fsync (builds
   * that say so in their request), so this side commits its writers without a sync in the pause.
   */
  private void handOver(ControlSocket.Connection c, int reads, boolean owesSync) throws IOException {
    int writes = HandoverState.version();
    if (reads < writes) {
      c.send(bytes(error("this mount writes handover state version " + writes + " and the new build reads up to " + reads
          + ": upgrade to a build at least as new as the running one")));
      return;
    }
    FuseServer server = mount.server();
    if (!"dev-fuse".equals(server.transport())) {
      c.send(bytes(error("a mount served over io_uring cannot be handed over (its rings die with the process); remount without --io-uring")));
      return;
    }
    try {
      TakeoverSuccessor.warmUp(); // the state's encoding, loaded before the pause (the first handover of this process)
      Duration waited = server.awaitNoSlowRequests(SLOW_REQUESTS_WAIT); // syncs in flight would fall in the pause
      server.commitAhead(); // while serving: the pause below commits only what comes meanwhile
      waited = waited.plus(server.awaitNoSlowRequests(SLOW_REQUESTS_WAIT)); // a close the commit overlapped
      log.debug("waited {} ms for slow requests in flight to end before stopping", waited.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      c.send(bytes(error("the running mount was interrupted before the handover")));
      return;
    } catch (IOException | RuntimeException e) {
      c.send(bytes(error("the running mount could not commit its writes: " + e.getMessage())));
      return;
    }
    CompletableFuture<FuseServer> outcome = new CompletableFuture<>();
    pending.set(outcome);
    long stoppedAt = System.nanoTime();
    HandoverState state;
    try {
      state = server.handOver(!owesSync);
    } catch (IOException | RuntimeException e) {
      if (server.isStopped() && server.session() != null) { // detached, the export failed: the same volume serves again
        log.warn("handover to pid {} failed before anything was sent ({}): serving again", c.peer().pid(), e.getMessage());
        outcome.complete(mount.serveAgain(server.session()));
      } else {
        pending.set(null); // nothing was stopped
      }
      c.send(bytes(error("the running mount could not hand over: " + e.getMessage())));
      return;
    }
    int[] fds = server.session().fds();
    long sent = stoppedAt;
    try {
      long t0 = System.nanoTime();
      mount.handingOver();
      long told = System.nanoTime();
      ObjectNode head = JSON.createObjectNode().put("ok", true).put("stopped_at", stoppedAt).put("pid", ProcessHandle.current().pid());
      c.send(bytes(head), fds);
      long headSent = System.nanoTime();
      c.send(state.encode());
      sent = System.nanoTime();
      log.debug("sending: handing-over notice {} ms, descriptors {} ms, state {} ms", (told - t0) / 1_000_000,
          (headSent - told) / 1_000_000, (sent - headSent) / 1_000_000); // the export before: FuseServer.handOver's line
      UnixSockets.Frame answer = c.receive(64 << 10, CONFIRM_MILLIS);
      JsonNode a = answer == null ? null : JSON.readTree(answer.payload());
      if (answer != null) {
        UnixSockets.closeAll(answer.fds());
      }
      if (a == null || !"serving".equals(a.path("op").asText())) {
        throw new IOException(a == null ? "the successor closed the connection" : "the successor failed: " + a.path("error").asText("?"));
      }
    } catch (IOException | RuntimeException e) {
      log.warn("takeover by pid {} did not complete ({}): serving the mount again", c.peer().pid(), e.getMessage());
      try {
        mount.release(); // resume opens the volume anew
      } catch (IOException | RuntimeException e3) {
        e.addSuppressed(e3);
      }
      try {
        FuseServer again = mount.resume(state, fds);
        log.info("serving again after {} ms", (System.nanoTime() - stoppedAt) / 1_000_000);
        outcome.complete(again);
      } catch (IOException | RuntimeException e2) {
        e2.addSuppressed(e);
        log.error("could not serve the mount again after a failed takeover; it stays mounted, requests wait: run nectar upgrade {} to serve it",
            state.mountpoint(), e2);
        outcome.completeExceptionally(e2);
      }
      return;
    }
    // The successor serves: from here on this process never serves again, whatever fails. Its
    // descriptors close first (nothing reads them here any more). The volume closes now, not in
    // the pause: under a write load the close (cache fills and uploads drained, pools closed) took
    // 70-100 ms of the two cores the successor needed. Every writer's data is committed (and
    // durable, or the successor owes the sync) and no request reaches this volume; its heartbeat
    // may still run, which only moves the session's expiry. The metrics endpoint and the cache
    // group, whose ports the successor binds once it serves, were closed before the state was sent
    // (handingOver).
    for (int fd : fds) {
      FdPassing.closeQuietly(fd);
    }
    long r0 = System.nanoTime();
    try {
      mount.release();
      log.debug("released the handed-over volume in {} ms", (System.nanoTime() - r0) / 1_000_000);
    } catch (IOException | RuntimeException e) {
      log.warn("the handed-over volume did not close cleanly (pid {} serves the mount): {}", c.peer().pid(), e.getMessage());
    }
    log.info("mount handed over to pid {} (stopped reading {} ms before the state was sent)", c.peer().pid(), (sent - stoppedAt) / 1_000_000);
    outcome.complete(null);
    try {
      c.send(bytes(JSON.createObjectNode().put("ok", true)));
    } catch (IOException e) {
      log.debug("the successor closed before the acknowledgement: {}", e.getMessage());
    }
  }
}
