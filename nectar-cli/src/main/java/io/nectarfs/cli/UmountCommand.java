package io.nectarfs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.nectarfs.fuse.ControlSocket;
import io.nectarfs.fuse.FuseMount;
import io.nectarfs.fuse.linux.ProcessExit;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nectar umount MOUNTPOINT}: unmounts; {@code --force} also when busy or the client died.
 * It returns once the mount's processes ended (the server, and with a keeper the keeper and every
 * worker it started), so their last writes (the uploads a close left, the session's end) are done:
 * the unmount itself returns while the server still finishes. Processes it cannot ask (a mount of
 * another user, one whose control socket is gone) are not waited for.
 */
@Command(name = "umount", aliases = "unmount", mixinStandardHelpOptions = true,
    description = {"Unmount a NectarFS mount. The client flushes written data and ends its session.",
        "With --force, unmount even when busy or when the client was killed (lazy unmount)."})
final class UmountCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(paramLabel = "MOUNTPOINT", description = "The mount point.")
  Path mountpoint;

  @Option(names = {"-f", "--force"}, description = "Lazy unmount, also of a mount whose client is gone.")
  boolean force;

  @Option(names = "--keeper-socket", paramLabel = "PATH", description = "A mount pod's stop hook: ask the mount's external keeper (the CSI"
      + " node plugin's) first, and leave the mount while the plugin replaces the pod (the next pod serves it).")
  Path keeperSocket;

  @Override
  public Integer call() throws Exception {
    if (!FuseMount.isMounted(mountpoint)) {
      throw new IOException(mountpoint + " is not mounted");
    }
    if (keeperSocket != null && upgrading(keeperSocket)) {
      spec.commandLine().getOut().println(mountpoint + " is not unmounted: the CSI node plugin replaces its pod, and its keeper holds the mount for"
          + " the next one");
      return Cli.OK;
    }
    List<ProcessHandle> serving = servingProcesses(mountpoint);
    boolean root = "root".equals(System.getProperty("user.name"));
    FuseMount.unmount(mountpoint, force, !root);
    long deadline = System.nanoTime() + ENDING.toNanos();
    for (ProcessHandle p : serving) {
      // not onExit(): the keeper is an orphan, and onExit() waits for its zombie to be reaped
      if (!ProcessExit.await(p.pid(), Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
        spec.commandLine().getOut().println("unmounted " + mountpoint + "; its process " + p.pid() + " is still ending after " + ENDING.toSeconds()
            + " s (see the mount's log)");
        return Cli.OK;
      }
    }
    spec.commandLine().getOut().println("unmounted " + mountpoint);
    return Cli.OK;
  }

  /** Whether the keeper at {@code socket} says its mount's pod is being replaced (no answer: no). */
  private static boolean upgrading(Path socket) {
    KeeperLink k;
    try {
      k = KeeperLink.external(socket);
    } catch (IOException e) {
      return false;
    }
    try {
      return k.status().upgrading();
    } catch (IOException e) {
      return false;
    } finally {
      k.close();
    }
  }

  /** How long the command waits for the mount's processes to end after the unmount. */
  static final Duration ENDING = Duration.ofMinutes(2);

  /** The processes that serve the mount, children first; empty when it cannot be asked. */
  private static List<ProcessHandle> servingProcesses(Path mountpoint) {
    List<ProcessHandle> out = new ArrayList<>();
    try {
      Optional<ControlSocket.Target> t = ControlSocket.find(mountpoint);
      if (t.isEmpty()) {
        return out;
      }
      JsonNode d = Takeover.describe(t.get());
      Optional<ProcessHandle> server = ProcessHandle.of(d.path("pid").asLong(-1));
      if (server.isEmpty() || server.get().pid() == ProcessHandle.current().pid()) {
        return out; // a mount served in this process ends with it
      }
      Optional<ProcessHandle> keeper = d.hasNonNull("keeper") ? keeperOf(d, server.get()) : Optional.empty();
      if (keeper.isPresent() && keeper.get().pid() != ProcessHandle.current().pid()) {
        keeper.get().descendants().forEach(out::add); // the worker and a standby
        if (!out.contains(server.get())) {
          out.add(server.get()); // a successor of an upgrade: not the keeper's child
        }
        out.add(keeper.get());
      } else {
        out.add(server.get());
      }
    } catch (IOException | RuntimeException e) {
      // not ours to ask, or no control socket: nothing to wait for
    }
    return out;
  }

  /**
   * The keeper of a kept mount: the process the server names ({@code keeper_pid}); from a build
   * before that field, its parent when that runs {@code nectar}. Never a parent in general: a
   * successor started by {@code nectar upgrade} is an orphan, whose parent is init or a subreaper.
   */
  private static Optional<ProcessHandle> keeperOf(JsonNode d, ProcessHandle server) {
    if (d.hasNonNull("keeper_pid")) {
      return ProcessHandle.of(d.path("keeper_pid").asLong());
    }
    return server.parent().filter(p -> p.pid() > 1 && p.info().commandLine().map(c -> c.contains(Nectar.class.getName())
        || c.contains("nectar-cli.jar")).orElse(false));
  }
}
