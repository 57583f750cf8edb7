package io.nectarfs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.nectarfs.common.Uris;
import io.nectarfs.fuse.ControlSocket;
import io.nectarfs.fuse.HandoverState;
import io.nectarfs.fuse.linux.UnixSockets;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code nectar upgrade MOUNTPOINT} and {@code nectar mount --takeover MOUNTPOINT}: checks that a
 * takeover can work (a NectarFS mount, the caller root or its owner, the same volume as a given
 * META-URL, a state version this build reads), then starts the successor, this build's {@code
 * nectar mount} with the running mount's arguments (its metadata URL in the environment, as for
 * {@code mount -d}), which asks the running mount to hand over ({@link TakeoverSuccessor}). In the
 * background the successor logs where the running mount logged, and this command returns with
 * the outcome once it serves or failed; in the foreground it is the successor's parent.
 */
final class Takeover {
  private Takeover() {}

  static int launch(PrintWriter out, Path mountpoint, String metaUrl, boolean foreground, boolean json) throws Exception {
    ControlSocket.Target target = ControlSocket.find(mountpoint).orElseThrow(() -> new IOException(
        mountpoint + " is not a NectarFS mount: nothing to take over (nectar mount META-URL MOUNTPOINT mounts a volume)"));
    int me = ControlSocket.currentUid();
    if (me != 0 && me != target.ownerUid()) {
      throw new IOException("permission denied: " + target.mountpoint() + " is mounted by uid " + target.ownerUid()
          + "; only root or that user may take it over (run as uid " + target.ownerUid() + " or with sudo)");
    }
    JsonNode d = describe(target);
    if (metaUrl != null) {
      checkSameVolume(target, d, metaUrl);
    }
    int writes = d.path("state_version").asInt(1);
    if (writes > HandoverState.version()) {
      throw new IOException("the running mount writes handover state version " + writes + " and this build reads up to "
          + HandoverState.version() + ": take over with a build at least as new as the running one");
    }
    List<String> args = new ArrayList<>();
    for (JsonNode a : d.path("args")) { // the whole command line, "mount" included
      String s = a.asText();
      if (!s.equals("-d") && !s.equals("--background")) {
        args.add(s);
      }
    }
    args.add("--takeover-child");
    List<String> cmd = ChildJvm.command(!foreground, MountCommand.mountJvm(args), args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove(MountCommand.META_URL_ENV);
    pb.environment().remove(Keeper.SOCKET_ENV);
    pb.environment().remove(Keeper.GENERATION_ENV);
    if (d.hasNonNull("keeper")) {
      pb.environment().put(Keeper.SOCKET_ENV, d.path("keeper").asText()); // the successor attaches to the mount's keeper
    }
    String secretUrl = d.path("meta_url").asText();
    if (!Uris.redact(secretUrl).equals(secretUrl)) {
      pb.environment().put(MountCommand.META_URL_ENV, secretUrl);
    }
    if (foreground) {
      return pb.inheritIO().start().waitFor();
    }
    Path log = d.hasNonNull("log") ? Path.of(d.path("log").asText())
        : DefaultPaths.nectarDir().resolve("mount-" + target.mountpoint().getFileName() + ".log");
    DefaultPaths.ensure(log.toAbsolutePath().getParent(), "log directory", "--log FILE",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      Files.createFile(log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (java.nio.file.FileAlreadyExistsException e) {
      // appended to
    }
    long from = Files.size(log);
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    return await(out, p, log, from, target.mountpoint(), json, Progress.isTerminal() && !json);
  }

  /** The running mount's answer to {@code describe} (its pid, arguments, keeper, volume). */
  static JsonNode describe(ControlSocket.Target target) throws IOException {
    try (ControlSocket.Connection c = ControlSocket.connect(target)) {
      c.send(MountHandover.bytes(MountHandover.JSON.createObjectNode().put("op", "describe")));
      UnixSockets.Frame f = c.receive(1 << 20, 30_000);
      if (f == null) {
        throw new IOException("the running mount at " + target.mountpoint() + " closed the control connection without an answer");
      }
      UnixSockets.closeAll(f.fds());
      JsonNode d = MountHandover.JSON.readTree(f.payload());
      if (!d.path("ok").asBoolean()) {
        throw new IOException("the running mount at " + target.mountpoint() + " refused: " + d.path("error").asText("?"));
      }
      return d;
    }
  }

  private static void checkSameVolume(ControlSocket.Target target, JsonNode d, String metaUrl) throws IOException {
    try (MetaClient m = Volume.openMeta(metaUrl, VolumeOptions.defaults().withReadOnly(true).withBackgroundJobs(false))) {
      if (!m.format().uuid().equals(d.path("uuid").asText())) {
        throw new IOException(target.mountpoint() + " is a mount of volume " + d.path("volume").asText() + " (uuid " + d.path("uuid").asText()
            + "), not of the volume at " + Uris.redact(metaUrl) + " (" + m.format().name() + ", uuid " + m.format().uuid()
            + "): nothing taken over");
      }
    }
  }

  /** Follows the successor's log from {@code from} until its result line or its end. */
  private static int await(PrintWriter out, Process p, Path log, long from, Path mountpoint, boolean json, boolean progress) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    StringBuilder partial = new StringBuilder();
    String last = null;
    try (RandomAccessFile r = new RandomAccessFile(log.toFile(), "r")) {
      long pos = from;
      while (System.nanoTime() < deadline) {
        boolean alive = p.isAlive();
        long len = r.length();
        if (len > pos) {
          byte[] b = new byte[(int) Math.min(len - pos, 1 << 20)];
          r.seek(pos);
          r.readFully(b);
          pos += b.length;
          partial.append(new String(b, StandardCharsets.UTF_8));
          int nl;
          while ((nl = partial.indexOf("\n")) >= 0) {
            String line = partial.substring(0, nl);
            partial.delete(0, nl + 1);
            if (line.startsWith(MountCommand.TAKEOVER_RESULT + " ")) {
              return report(out, line.substring(MountCommand.TAKEOVER_RESULT.length() + 1), mountpoint, json);
            }
            if (line.startsWith("takeover: ") && progress) {
              out.println(line);
              out.flush();
            }
            if (line.startsWith("nectar: ")) { // the successor's failure (the predecessor may log into the same file)
              last = line;
            }
          }
          continue;
        }
        if (!alive) {
          String why = last != null ? last.replaceFirst("^nectar: ", "") : "the successor (pid " + p.pid() + ") ended with status " + p.waitFor()
              + " before serving";
          throw new IOException("takeover of " + mountpoint + " failed, the running mount serves on: " + why + " (log: " + log + ")");
        }
        Thread.sleep(20);
      }
    }
    throw new IOException("the successor did not report within 5 minutes (pid " + p.pid() + ", log: " + log + ")");
  }

  private static int report(PrintWriter out, String resultJson, Path mountpoint, boolean json) throws IOException {
    JsonNode r = MountHandover.JSON.readTree(resultJson);
    if (json) {
      out.println(resultJson);
    } else {
      out.printf("%s taken over: pid %d serves it (was pid %d), pause %.1f ms, %d open handles (%d bytes of state)%n", mountpoint,
          r.path("pid").asLong(), r.path("predecessor_pid").asLong(), r.path("pause_seconds").asDouble() * 1000,
          r.path("handles").asInt(), r.path("state_bytes").asInt());
    }
    out.flush();
    return Cli.OK;
  }
}
