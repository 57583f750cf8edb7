package io.nectarfs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.nectarfs.fuse.ControlSocket;
import io.nectarfs.fuse.HandoverState;
import io.nectarfs.fuse.MountOptions;
import io.nectarfs.fuse.linux.UnixSockets;
import io.nectarfs.fuse.wire.InitState;
import io.nectarfs.vfs.HandleTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The successor's side of a planned takeover between processes (see {@link MountHandover} for the
 * protocol): asks the running mount to hand over and receives the state and the descriptors; then
 * the caller opens the volume resuming the session, serves, and calls {@link #serving} (or {@link
 * #failed}, and the predecessor serves again).
 *
 * <p>Not thread-safe: one caller, in this order.
 */
final class TakeoverSuccessor {
  /** Round trips of {@link #warmUp}: enough for the interpreter's profiles, a few ms. */
  private static final int WARM_UP_ROUNDS = 40;

  private final ControlSocket.Connection c;
  private final HandoverState state;
  private final int[] fds;
  private final long stoppedAt;
  private final long predecessorPid;
  private final int stateBytes;

  private TakeoverSuccessor(ControlSocket.Connection c, HandoverState state, int[] fds, long stoppedAt, long predecessorPid, int stateBytes) {
    this.c = c;
    this.state = state;
    this.fds = fds;
    this.stoppedAt = stoppedAt;
    this.predecessorPid = predecessorPid;
    this.stateBytes = stateBytes;
  }

  /**
   * Runs the handover's own path {@link #WARM_UP_ROUNDS} times, so the pause does not pay for
   * loading or interpreting it: a header frame with a descriptor and a state frame over a socket
   * pair of this process, received and decoded (JSON tree, state codec, SCM_RIGHTS). Measured on
   * a kept SQLite mount ({@code scripts/bench.sh takeover}, idle): the state reached the
   * successor 12-20 ms after the predecessor stopped reading with one encode and decode loaded
   * but never run through a socket, 5-10 ms after this warm-up. Both sides call it before the
   * pause.
   */
  static void warmUp() throws IOException {
    InitState init = new InitState(7, 41, 41, 0, 0, 1 << 17, 1 << 17, 32, 64, 48, 1);
    HandleTable t = new HandleTable(1, 3, List.of(new HandleTable.File(1, 2, 0),
        new HandleTable.Dir(2, 1, List.of(new HandleTable.Entry("a", 2, 8)), true, "a")));
    HandoverState warm = new HandoverState("/warm-up", init, MountOptions.defaults(), t);
    int[] pair = io.nectarfs.fuse.linux.FdPassing.socketPair();
    try {
      for (int i = 0; i < WARM_UP_ROUNDS; i++) { // the pause's own path: frames with descriptors over a socket, the state's codec
        UnixSockets.send(pair[0], MountHandover.bytes(MountHandover.JSON.createObjectNode().put("ok", true).put("stopped_at", 1L)), new int[] {pair[0]});
        UnixSockets.send(pair[0], warm.encode(), new int[0]);
        UnixSockets.Frame head = UnixSockets.receive(pair[1], 64 << 10, 1_000);
        UnixSockets.closeAll(head.fds());
        MountHandover.JSON.readTree(head.payload()).path("ok").asBoolean();
        HandoverState.decode(UnixSockets.receive(pair[1], MountHandover.MAX_FRAME, 1_000).payload());
      }
    } finally {
      UnixSockets.closeAll(pair);
    }
  }

  /**
   * Waits, at most {@code max}, until this JVM's compilers have been idle for a moment (their
   * accumulated time unchanged over three polls 20 ms apart): a successor started seconds ago
   * still compiles its start's code, and on a small machine those compilations took the CPU from
   * the pause that follows. Returns the milliseconds waited.
   */
  static long awaitQuietCompilers(java.time.Duration max) {
    java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
    long t0 = System.nanoTime();
    if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
      return 0;
    }
    long last = jit.getTotalCompilationTime();
    int quiet = 0;
    while (quiet < 3 && System.nanoTime() - t0 < max.toNanos()) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      long now = jit.getTotalCompilationTime();
      quiet = now == last ? quiet + 1 : 0;
      last = now;
    }
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /**
   * Asks the mount at {@code mountpoint} to hand over; returns once state and descriptors are here
   * (the predecessor has stopped reading: the pause runs from now until {@link #serving}).
   *
   * @throws IOException one line: not a NectarFS mount, the socket unreachable, the predecessor's
   *     refusal, a state this build cannot read (the predecessor then serves again)
   */
  static TakeoverSuccessor ask(Path mountpoint) throws IOException {
    ControlSocket.Target target = ControlSocket.find(mountpoint)
        .orElseThrow(() -> new IOException(mountpoint + " is not a NectarFS mount: nothing to take over"));
    ControlSocket.Connection c = ControlSocket.connect(target);
    int[] fds = new int[0];
    try {
      c.send(MountHandover.bytes(MountHandover.JSON.createObjectNode().put("op", "handover").put("reads", HandoverState.version())
          .put("owes_sync", true))); // Vfs.importHandles here makes the first close or fsync sync what the predecessor committed
      UnixSockets.Frame head = c.receive(64 << 10, MountHandover.CONFIRM_MILLIS);
      if (head == null) {
        throw new IOException("the running mount closed the control connection without an answer");
      }
      fds = head.fds();
      JsonNode h = MountHandover.JSON.readTree(head.payload());
      if (!h.path("ok").asBoolean()) {
        throw new IOException(h.path("error").asText("the running mount refused the handover"));
      }
      UnixSockets.Frame body = c.receive(MountHandover.MAX_FRAME, 60_000);
      if (body == null || fds.length == 0) {
        throw new IOException("the running mount sent no state or no /dev/fuse descriptor");
      }
      HandoverState state;
      try {
        state = HandoverState.decode(body.payload());
      } catch (IOException e) {
        c.send(MountHandover.bytes(MountHandover.error(e.getMessage())));
        throw e;
      }
      return new TakeoverSuccessor(c, state, fds, h.path("stopped_at").asLong(), h.path("pid").asLong(), body.payload().length);
    } catch (IOException | RuntimeException e) {
      UnixSockets.closeAll(fds);
      c.close();
      throw e;
    }
  }

  HandoverState state() {
    return state;
  }

  /** The descriptors received (the successor owns them now). */
  int[] fds() {
    return fds.clone();
  }

  /** When the predecessor stopped reading ({@link System#nanoTime}, comparable across processes). */
  long stoppedAt() {
    return stoppedAt;
  }

  long predecessorPid() {
    return predecessorPid;
  }

  int stateBytes() {
    return stateBytes;
  }

  /** Tells the predecessor this process serves; it closes its descriptors and exits. */
  void serving() throws IOException {
    try (c) {
      c.send(MountHandover.bytes(MountHandover.JSON.createObjectNode().put("op", "serving")));
      UnixSockets.Frame ack = c.receive(64 << 10, 30_000);
      if (ack == null) {
        throw new IOException("the predecessor closed without acknowledging");
      }
    }
  }

  /** Tells the predecessor the takeover failed (it serves again) and gives the descriptors back. */
  void failed(String why) {
    try (c) {
      c.send(MountHandover.bytes(MountHandover.error(why)));
    } catch (IOException e) {
      // the predecessor also serves again when the connection closes
    }
    UnixSockets.closeAll(fds);
  }
}
