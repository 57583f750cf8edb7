package io.nectarfs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nectar upgrade} between processes (issue #17, second slice), as users run it: a {@code
 * nectar mount -d} through the launcher, a program using the mount all along (a writer appending
 * checksummed records with fsync, a reader verifying a file, a held POSIX lock, an open-but-unlinked
 * file), three upgrades in a row; then the refusals, each leaving the running mount untouched, a
 * successor that dies before serving, and state versions of two builds. Needs root and /dev/fuse.
 */
class UpgradeProcessTest {
  private static final Pattern PAUSE = Pattern.compile("pause ([0-9.]+) ms");

  @TempDir Path base;
  private final List<Path> mounts = new ArrayList<>();
  private final List<Workload> programs = new ArrayList<>();

  @AfterEach
  void unmountAll() throws Exception {
    for (Workload p : programs) {
      p.close();
    }
    for (Path m : mounts) {
      sh("umount " + m + " 2>/dev/null || umount -l " + m + " 2>/dev/null; true");
    }
  }

  private Map<String, String> env(String... more) {
    Map<String, String> e = new java.util.HashMap<>(Map.of("NECTAR_NO_BUILD", "1", "HOME", base.resolve("home").toString()));
    for (int i = 0; i < more.length; i += 2) {
      e.put(more[i], more[i + 1]);
    }
    return e;
  }

  /** Runs {@code nectar args} (through {@code prefix}, e.g. setpriv); returns exit status and output. */
  private Result nectar(Map<String, String> env, List<String> prefix, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(GatewayProcess.launcher());
    return run(cmd, env, args);
  }

  private Result nectar(String... args) throws Exception {
    return nectar(env(), List.of(), args);
  }

  private record Result(int status, String out) {}

  private String sh(String command) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }

  private String format(String name) throws Exception {
    String meta = "sqlite3://" + base.resolve(name + ".db");
    // no trash: an unlinked file lives only through the open descriptor (and the session that sustains it)
    Result r = nectar("format", meta, name, "--storage", "file://" + base.resolve("data-" + name), "--trash-days", "0");
    assertThat(r.status()).as(r.out()).isZero();
    return meta;
  }

  private Path mount(String meta, String name, Map<String, String> env, String... extra) throws Exception {
    Path mnt = Files.createDirectories(base.resolve("mnt-" + name));
    List<String> args = new ArrayList<>(List.of("mount", "-d", meta, mnt.toString(), "--cache-dir", base.resolve("cache-" + name).toString(),
        "--log", base.resolve("mount-" + name + ".log").toString()));
    args.addAll(List.of(extra));
    Result r = nectar(env, List.of(), args.toArray(String[]::new));
    assertThat(r.status()).as(r.out()).isZero();
    mounts.add(mnt);
    return mnt;
  }

  @Test
  void aProgramUsingTheMount_seesNoError_acrossThreeUpgrades() throws Exception {
    MountedVolume.requireFuse();
    String meta = format("vol");
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Path mnt = mount(meta, "vol", env(), "--metrics", "127.0.0.1:" + port); // a fixed port: each successor binds it once it serves
    byte[] big = new byte[8 << 20];
    new java.util.Random(17).nextBytes(big);
    Files.write(mnt.resolve("big"), big);
    Workload w = Workload.start(base, mnt);
    programs.add(w);
    List<Double> pauses = new ArrayList<>();
    int rounds = Integer.getInteger("nectar.it.upgrades", 3); // -Dnectar.it.upgrades=10 to measure the pause
    for (int round = 1; round <= rounds; round++) {
      String before = w.status();
      Result r = nectar("upgrade", mnt.toString());
      assertThat(r.status()).as(r.out()).isZero();
      assertThat(r.out()).contains(mnt + " taken over");
      Matcher m = PAUSE.matcher(r.out());
      assertThat(m.find()).as(r.out()).isTrue();
      pauses.add(Double.parseDouble(m.group(1)));
      assertThat(Workload.tryLock(mnt.resolve("locked"))).as("the program's lock after upgrade %d", round).isEqualTo("refused errno 11");
      w.goesOnFrom(before, "upgrade " + round);
    }
    String scraped = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    assertThat(scraped).as("the last successor serves the mount's metrics port")
        .containsPattern("(?m)^nectar_fuse_takeovers_total(\\{[^}]*\\})? 1\\.0$");
    List<Double> sorted = pauses.stream().sorted().toList();
    System.out.println("nectar upgrade pauses (ms, stop-reading .. serving): " + pauses + "; p50 " + sorted.get((sorted.size() - 1) / 2)
        + " max " + sorted.getLast());
    String done = w.stop();
    assertThat(Workload.field(done, "lost")).as("fsyncs that failed: a planned upgrade loses nothing").isZero();
    assertThat(Workload.field(done, "missing")).as("records missing: a planned upgrade loses nothing, fsynced or not").isZero();
    assertThat(Workload.tryLock(mnt.resolve("locked"))).as("released with the program").isEqualTo("locked");
    // The successor of an upgrade is an orphan (its parent is init or a subreaper, not the keeper):
    // nectar umount waits for the mount's own processes only, and all of them end.
    Result um = nectar("umount", mnt.toString());
    assertThat(um.status()).as(um.out()).isZero();
    assertThat(um.out().strip()).isEqualTo("unmounted " + mnt);
    mounts.remove(mnt);
    Result fsck = nectar("fsck", meta);
    assertThat(fsck.status()).as(fsck.out()).isZero();
    assertThat(fsck.out()).contains("no problems found");
  }

  @Test
  void refusals_leaveTheRunningMountUntouched() throws Exception {
    MountedVolume.requireFuse();
    String meta = format("one");
    String other = format("two");
    Path mnt = mount(meta, "one", env());
    Files.writeString(mnt.resolve("file"), "still here");

    Result notMount = nectar("upgrade", base.toString());
    assertThat(notMount.status()).isEqualTo(1);
    assertThat(notMount.out()).contains(base + " is not a NectarFS mount").hasLineCount(1);

    Result otherVolume = nectar("upgrade", mnt.toString(), other);
    assertThat(otherVolume.status()).isEqualTo(1);
    assertThat(otherVolume.out()).contains("is a mount of volume one").contains("not of the volume at").hasLineCount(1);

    Result sameVolume = nectar("mount", "--takeover", mnt.toString(), meta, "-d");
    assertThat(sameVolume.status()).as(sameVolume.out()).isZero();

    Result otherUser = nectar(env(), List.of("setpriv", "--reuid=4321", "--regid=4321", "--clear-groups"), "upgrade", mnt.toString());
    assertThat(otherUser.status()).isEqualTo(1);
    assertThat(otherUser.out()).contains("permission denied").contains("mounted by uid 0").hasLineCount(1);

    // a faulty build: its successor dies (exit status 3) right after it received the mount's state
    List<String> faulty = build("faulty", "nectar-cli/src/main/java/io/nectarfs/cli/MountCommand.java",
        source -> source.replace("      received = System.nanoTime();\n", "      received = System.nanoTime();\n      Runtime.getRuntime().halt(3);\n"));
    Result crash = run(faulty, env(), "upgrade", mnt.toString());
    assertThat(crash.status()).isEqualTo(1);
    assertThat(crash.out()).contains("failed, the running mount serves on").contains("ended with status 3");

    assertThat(Files.readString(mnt.resolve("file"))).as("served after the successor died").isEqualTo("still here");
    Files.writeString(mnt.resolve("file2"), "written after");
    assertThat(Files.readString(mnt.resolve("file2"))).isEqualTo("written after");
  }

  @Test
  void stateVersions_aNewerBuildTakesOver_anOlderOneIsRefused() throws Exception {
    MountedVolume.requireFuse();
    String meta = format("ver");
    Path mnt = mount(meta, "ver", env());
    Files.writeString(mnt.resolve("file"), "v1");
    List<String> newer = newerBuild();

    Result up = run(newer, env(), "upgrade", "--json", mnt.toString());
    assertThat(up.status()).as("a build reading up to version 2 takes over from one writing 1: %s", up.out()).isZero();
    assertThat(up.out()).contains("\"ok\":true").contains("\"pause_seconds\":");

    // a crash now is recovered by the newer build: the keeper starts workers of its last successor's build
    long successor = serverOf(mnt, "--takeover-child");
    ProcessHandle killed = ProcessHandle.of(successor).orElseThrow();
    killed.destroyForcibly(); // SIGKILL
    killed.onExit().get(2, TimeUnit.MINUTES); // until it is gone it still holds /dev/fuse, and its arguments match below too
    long recovered = serverOf(mnt, "--keeper-worker");
    assertThat(ProcessHandle.of(recovered).orElseThrow().info().arguments().map(List::of).orElseThrow())
        .as("the recovering worker's command line").anyMatch(a -> a.contains("newer-build"));
    assertThat(Files.readString(mnt.resolve("file"))).isEqualTo("v1");

    Result down = nectar("upgrade", mnt.toString());
    assertThat(down.status()).isEqualTo(1);
    assertThat(down.out()).contains("writes handover state version 2 and this build reads up to 1").hasLineCount(1);
    assertThat(Files.readString(mnt.resolve("file"))).isEqualTo("v1");

    Result again = run(newer, env(), "upgrade", mnt.toString());
    assertThat(again.status()).as(again.out()).isZero();
    assertThat(Files.readString(mnt.resolve("file"))).isEqualTo("v1");
  }

  /**
   * The one process serving {@code mnt} whose command line has {@code flag} (a keeper's worker or an
   * upgrade's successor) and that holds {@code /dev/fuse} (a standby does not), once there is one.
   */
  private static long serverOf(Path mnt, String flag) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      List<Long> found = ProcessHandle.allProcesses()
          .filter(p -> p.info().arguments().map(List::of).map(a -> a.contains(mnt.toString()) && a.contains(flag)).orElse(false))
          .map(ProcessHandle::pid).filter(MountedVolume::holdsDevFuse).toList();
      if (found.size() == 1) {
        return found.getFirst();
      }
      Thread.sleep(50); // polls a condition, with a deadline
    }
    throw new AssertionError("no single process with " + flag + " serves " + mnt);
  }

  /**
   * A second build of {@code nectar}: this one with {@code HandoverState} compiled from its source
   * with the state version raised to 2. Returns the command that runs it.
   */
  private List<String> newerBuild() throws Exception {
    return build("newer", "nectar-fuse/src/main/java/io/nectarfs/fuse/HandoverState.java",
        source -> source.replace("public static final int VERSION = 1;", "public static final int VERSION = 2;"));
  }

  /**
   * Another build of {@code nectar}: the class in {@code sourceFile} (relative to the repository)
   * compiled from its source as {@code change} edits it, ahead of this build's jar on the class
   * path (the processes it starts, a successor among them, inherit that class path, so they are
   * that build too). Returns the command that runs it.
   */
  private List<String> build(String name, String sourceFile, java.util.function.UnaryOperator<String> change) throws Exception {
    Path root = Path.of(System.getProperty("user.dir")).getParent();
    Path original = root.resolve(sourceFile);
    String source = Files.readString(original);
    String changed = change.apply(source);
    assertThat(changed).as("the %s build's change applies to %s", name, sourceFile).isNotEqualTo(source);
    Path src = base.resolve(name + "-build/src").resolve(original.getFileName());
    Files.createDirectories(src.getParent());
    Files.writeString(src, changed);
    Path classes = Files.createDirectories(base.resolve(name + "-build/classes"));
    javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
    java.io.ByteArrayOutputStream diagnostics = new java.io.ByteArrayOutputStream();
    Path jar = root.resolve("nectar-cli/target/nectar-cli.jar");
    // compiled against what the jar runs with: itself and the libraries its manifest names (lib/)
    List<String> cp = new ArrayList<>(List.of(jar.toString()));
    try (var libs = Files.list(jar.resolveSibling("lib"))) {
      libs.map(Path::toString).sorted().forEach(cp::add);
    }
    int rc = javac.run(null, diagnostics, diagnostics, "--release", "25", "-proc:none", "-cp", String.join(java.io.File.pathSeparator, cp),
        "-d", classes.toString(), src.toString());
    assertThat(rc).as("compiling the %s build: %s", name, diagnostics).isZero();
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseZGC",
        "-cp", classes + java.io.File.pathSeparator + jar, "io.nectarfs.cli.Nectar");
  }

  /** Runs {@code command args} (a build's {@code nectar}) with {@code env}; returns exit status and output. */
  private Result run(List<String> command, Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(command);
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(base.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    return new Result(p.exitValue(), out);
  }

}
