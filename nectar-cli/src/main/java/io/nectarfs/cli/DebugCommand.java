package io.nectarfs.cli;

import io.nectarfs.common.Uris;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.SessionInfo;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nectar debug MOUNTPOINT}: collects what a bug report needs into a private directory:
 * versions, the mount's {@code .config} and {@code .stats}, its mount options and process (command
 * line with secrets redacted), the volume's sessions, kernel and FUSE facts, and the end of the
 * mount's log (URLs redacted). Nothing that fails to be read stops the rest: the bundle notes it.
 */
@Command(name = "debug", mixinStandardHelpOptions = true,
    description = {"Collect diagnostics of a mount into a private directory for a bug report (secrets redacted):",
        "versions, settings, metrics, mount options, sessions, kernel/FUSE facts and the end of the log.",
        "Example: nectar debug /mnt/nectar --out-dir /tmp"})
final class DebugCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(paramLabel = "MOUNTPOINT", description = "A NectarFS mount point.")
  Path mountpoint;

  @Option(names = "--out-dir", paramLabel = "DIR", description = "Where to write the bundle directory (default: the current directory).")
  Path outDir = Path.of(".");

  @Option(names = "--log", paramLabel = "FILE", description = "The mount's log (default: $HOME/.nectar/mount-<mountpoint name>.log, as 'nectar mount -d' writes it).")
  Path log;

  @Option(names = "--log-lines", paramLabel = "N", description = "Lines from the end of the log (default: ${DEFAULT-VALUE}).")
  int logLines = 2000;

  @Override
  public Integer call() throws Exception {
    Path mp = mountpoint.toAbsolutePath().normalize();
    if (!Files.isRegularFile(mp.resolve(".config"))) {
      throw new IOException(mp + " is not a NectarFS mount point (it has no .config file)");
    }
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
    Path dir = outDir.toAbsolutePath().resolve("nectar-debug-" + (mp.getFileName() == null ? "root" : mp.getFileName()) + "-" + stamp);
    Files.createDirectories(outDir.toAbsolutePath());
    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    List<String> notes = new ArrayList<>();
    String[] version = new Nectar.Version().getVersion();
    write(dir, "version.txt", String.join("\n", version) + "\nos: " + System.getProperty("os.name") + " " + System.getProperty("os.arch") + "\n", notes);
    copy(mp.resolve(".config"), dir, "config.json", notes);
    copy(mp.resolve(".stats"), dir, "stats.prom", notes);
    write(dir, "mount.txt", mountInfo(mp), notes);
    List<String> cmdline = mountProcess(mp);
    write(dir, "process.txt", cmdline.isEmpty() ? "no process serving " + mp + " found\n" : redactAll(String.join(" ", cmdline)) + "\n", notes);
    write(dir, "sessions.txt", sessions(publishedMeta(mp), cmdline), notes);
    write(dir, "kernel.txt", kernel(), notes);
    Path logFile = log != null ? log : defaultLog(mp);
    write(dir, "log.txt", tail(logFile), notes);
    if (!notes.isEmpty()) {
      write(dir, "notes.txt", String.join("\n", notes) + "\n", new ArrayList<>());
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println("wrote diagnostics of " + mp + " to " + dir + (notes.isEmpty() ? "" : " (" + notes.size() + " item(s) missing, see notes.txt)"));
    return Cli.OK;
  }

  private static void write(Path dir, String name, String text, List<String> notes) {
    try {
      Path f = dir.resolve(name);
      Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(f, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      notes.add(name + ": " + Cli.message(e));
    }
  }

  private static void copy(Path from, Path dir, String name, List<String> notes) {
    try {
      write(dir, name, Files.readString(from, StandardCharsets.UTF_8), notes);
    } catch (IOException e) {
      notes.add(name + ": " + Cli.message(e));
    }
  }

  /** Every word holding a URL, redacted (userinfo and secret parameters removed). */
  static String redactAll(String text) {
    StringBuilder out = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      List<String> words = new ArrayList<>();
      for (String w : line.split(" ", -1)) {
        words.add(w.contains("://") ? Uris.redact(w) : w);
      }
      out.append(String.join(" ", words)).append('\n');
    }
    return out.substring(0, out.length() - 1);
  }

  private static String mountInfo(Path mp) throws IOException {
    StringBuilder b = new StringBuilder();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 4 && f[4].equals(mp.toString())) {
        b.append(line).append('\n');
      }
    }
    return b.isEmpty() ? mp + " is not in /proc/self/mountinfo\n" : b.toString();
  }

  /** The command line of the nectar process serving {@code mp} (the one whose arguments name it), or empty. */
  private static List<String> mountProcess(Path mp) {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          byte[] raw = Files.readAllBytes(p.resolve("cmdline"));
          List<String> args = List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
          int i = args.indexOf("mount");
          if (i >= 0 && args.stream().anyMatch(a -> a.contains("nectar")) && args.subList(i, args.size()).stream()
              .anyMatch(a -> !a.isEmpty() && Path.of(a).toAbsolutePath().normalize().equals(mp))) {
            List<String> withPid = new ArrayList<>(List.of("pid " + p.getFileName() + ":"));
            withPid.addAll(args);
            return withPid;
          }
        } catch (IOException | RuntimeException e) {
          // the process ended or is not ours to read
        }
      }
    } catch (IOException e) {
      return List.of();
    }
    return List.of();
  }

  /** The metadata URL the mount publishes in its .config (without secrets), or null. */
  private static String publishedMeta(Path mp) {
    try {
      var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(mp.resolve(".config"))).get("meta");
      return node == null || node.asText().isBlank() ? null : node.asText();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The volume's sessions, read with the META-URL the mount publishes, else the one in the mount's
   * command line (used, never written); credentials come from this process's environment.
   */
  private static String sessions(String published, List<String> cmdline) {
    String url = published != null ? published : cmdline.stream().filter(a -> a.contains("://")).findFirst().orElse(null);
    if (url == null) {
      return "unknown: no META-URL found in the mount's command line\n";
    }
    try (MetaClient m = Volume.openMeta(url, VolumeOptions.defaults().withReadOnly(true).withBackgroundJobs(false))) {
      StringBuilder b = new StringBuilder("volume " + m.format().name() + " on " + Uris.redact(m.engine().describe()) + "\n");
      for (SessionInfo i : m.sessions()) {
        b.append(String.format("%d %s pid %d %s version %s since %s expires %s%n", i.sid(), i.host(), i.pid(), i.mountPoint(), i.version(),
            Instant.ofEpochMilli(i.startMillis()), Instant.ofEpochMilli(i.expireMillis())));
      }
      return b.toString();
    } catch (IOException | RuntimeException e) {
      return "could not list sessions: " + Cli.message(e) + "\n";
    }
  }

  private static String kernel() {
    StringBuilder b = new StringBuilder();
    for (String f : List.of("/proc/version", "/sys/module/fuse/parameters/max_user_bgreq", "/sys/module/fuse/parameters/max_user_congthresh",
        "/proc/sys/fs/fuse/max_pages_limit")) {
      try {
        b.append(f).append(": ").append(Files.readString(Path.of(f)).trim()).append('\n');
      } catch (IOException e) {
        b.append(f).append(": unavailable\n");
      }
    }
    b.append("/dev/fuse: ").append(Files.exists(Path.of("/dev/fuse")) ? "present" : "missing").append('\n');
    try (Stream<Path> c = Files.list(Path.of("/sys/fs/fuse/connections"))) {
      b.append("fuse connections: ").append(c.count()).append('\n');
    } catch (IOException e) {
      b.append("fuse connections: unavailable (fusectl not mounted)\n");
    }
    for (String tool : List.of("/usr/bin/fusermount3", "/bin/fusermount3")) {
      if (Files.exists(Path.of(tool))) {
        b.append("fusermount3: ").append(tool).append('\n');
      }
    }
    return b.toString();
  }

  private static Path defaultLog(Path mp) {
    String home = System.getenv("HOME");
    return Path.of(home == null || home.isBlank() ? System.getProperty("user.home") : home, ".nectar",
        "mount-" + (mp.getFileName() == null ? "" : mp.getFileName()) + ".log");
  }

  private String tail(Path f) {
    try {
      List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
      return redactAll(String.join("\n", lines.subList(Math.max(0, lines.size() - logLines), lines.size()))) + "\n";
    } catch (IOException e) {
      return "no log at " + f + " (" + Cli.message(e) + "); give it with --log\n";
    }
  }
}
