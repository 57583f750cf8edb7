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
  private static final String WORKLOAD = """
      import fcntl, os, sys, threading, zlib, hashlib, signal
      signal.alarm(600)
      mnt = sys.argv[1]
      errors, stop, lock = [], threading.Event(), threading.Lock()
      counts = {'records': 0, 'reads': 0}
      def say(s): print(s, flush=True)
      big = open(os.path.join(mnt, 'big'), 'rb').read()
      want = hashlib.sha256(big).hexdigest()
      l = os.open(os.path.join(mnt, 'locked'), os.O_RDWR | os.O_CREAT, 0o644)
      fcntl.lockf(l, fcntl.LOCK_EX | fcntl.LOCK_NB)
      u = os.open(os.path.join(mnt, 'unlinked'), os.O_RDWR | os.O_CREAT, 0o644)
      os.write(u, b'kept by the open descriptor' * 100); os.fsync(u)
      os.unlink(os.path.join(mnt, 'unlinked'))
      w = os.open(os.path.join(mnt, 'records'), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
      def writer():
          seq = 0
          try:
              while not stop.is_set():
                  body = seq.to_bytes(8, 'big') + os.urandom(52)
                  os.write(w, body + zlib.crc32(body).to_bytes(4, 'big'))
                  seq += 1
                  if seq % 8 == 0: os.fsync(w)
                  with lock: counts['records'] = seq
              os.fsync(w)
          except OSError as e: errors.append('writer: %r' % e)
      def reader():
          try:
              while not stop.is_set():
                  with open(os.path.join(mnt, 'big'), 'rb') as f: got = f.read()
                  if hashlib.sha256(got).hexdigest() != want: errors.append('reader: big file differs'); return
                  os.lseek(u, 0, os.SEEK_SET)
                  if os.read(u, 4096) != b'kept by the open descriptor' * 100: errors.append('unlinked file differs'); return
                  with lock: counts['reads'] += 1
          except OSError as e: errors.append('reader: %r' % e)
      ts = [threading.Thread(target=writer), threading.Thread(target=reader)]
      for t in ts: t.start()
      say('ready')
      for line in sys.stdin:
          cmd = line.strip()
          if cmd == 'status':
              with lock: say('records %d reads %d errors %d' % (counts['records'], counts['reads'], len(errors)))
          elif cmd == 'stop':
              break
      stop.set()
      for t in ts: t.join()
      os.close(w)
      data = open(os.path.join(mnt, 'records'), 'rb').read()
      n = counts['records']
      if len(data) != 64 * n: errors.append('records file: %d bytes for %d records' % (len(data), n))
      for i in range(len(data) // 64):
          r = data[64 * i:64 * i + 64]
          if int.from_bytes(r[:8], 'big') != i or zlib.crc32(r[:60]).to_bytes(4, 'big') != r[60:]:
              errors.append('record %d damaged' % i); break
      if os.fstat(u).st_nlink != 0: errors.append('unlinked file has links')
      say('done records %d reads %d errors %s' % (n, counts['reads'], errors))
      sys.exit(1 if errors else 0)
      """;

  @TempDir Path base;
  private final List<Path> mounts = new ArrayList<>();
  private final List<Process> programs = new ArrayList<>();

  @AfterEach
  void unmountAll() throws Exception {
    for (Process p : programs) {
      p.destroyForcibly();
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
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(base.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    return new Result(p.exitValue(), out);
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

  private Path mount(String meta, String name, Map<String, String> env) throws Exception {
    Path mnt = Files.createDirectories(base.resolve("mnt-" + name));
    Result r = nectar(env, List.of(), "mount", "-d", meta, mnt.toString(), "--cache-dir", base.resolve("cache-" + name).toString(),
        "--log", base.resolve("mount-" + name + ".log").toString());
    assertThat(r.status()).as(r.out()).isZero();
    mounts.add(mnt);
    return mnt;
  }

  private static String tryLock(Path file) throws Exception {
    Process p = new ProcessBuilder("python3", "-c", TakeoverMountTest.TRY_LOCK, file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  private static String line(BufferedReader r, Process p) throws IOException {
    String l = r.readLine();
    if (l == null) {
      throw new AssertionError("the program ended early: " + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }
    return l;
  }

  private static long field(String status, String name) {
    Matcher m = Pattern.compile(name + " (\\d+)").matcher(status);
    assertThat(m.find()).as(status).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void aProgramUsingTheMount_seesNoError_acrossThreeUpgrades() throws Exception {
    MountedVolume.requireFuse();
    String meta = format("vol");
    Path mnt = mount(meta, "vol", env());
    byte[] big = new byte[8 << 20];
    new java.util.Random(17).nextBytes(big);
    Files.write(mnt.resolve("big"), big);
    Path script = Files.writeString(base.resolve("workload.py"), WORKLOAD);
    Process w = new ProcessBuilder("python3", script.toString(), mnt.toString()).start();
    programs.add(w);
    BufferedReader out = new BufferedReader(new InputStreamReader(w.getInputStream(), StandardCharsets.UTF_8));
    Writer in = new java.io.OutputStreamWriter(w.getOutputStream(), StandardCharsets.UTF_8);
    assertThat(line(out, w)).isEqualTo("ready");
    List<Double> pauses = new ArrayList<>();
    int rounds = Integer.getInteger("nectar.it.upgrades", 3); // -Dnectar.it.upgrades=10 to measure the pause
    for (int round = 1; round <= rounds; round++) {
      long before = records(in, out, w);
      Result r = nectar("upgrade", mnt.toString());
      assertThat(r.status()).as(r.out()).isZero();
      assertThat(r.out()).contains(mnt + " taken over");
      Matcher m = PAUSE.matcher(r.out());
      assertThat(m.find()).as(r.out()).isTrue();
      pauses.add(Double.parseDouble(m.group(1)));
      assertThat(tryLock(mnt.resolve("locked"))).as("the program's lock after upgrade %d", round).isEqualTo("refused errno 11");
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      long after = records(in, out, w);
      while (after < before + 100 && System.nanoTime() < deadline) { // the writer goes on through the new process
        after = records(in, out, w);
      }
      assertThat(after).as("records written after upgrade %d", round).isGreaterThanOrEqualTo(before + 100);
    }
    List<Double> sorted = pauses.stream().sorted().toList();
    System.out.println("nectar upgrade pauses (ms, stop-reading .. serving): " + pauses + "; p50 " + sorted.get((sorted.size() - 1) / 2)
        + " max " + sorted.getLast());
    in.write("stop\n");
    in.flush();
    String done = line(out, w);
    assertThat(w.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(done).contains("errors []");
    assertThat(w.exitValue()).as(done).isZero();
    assertThat(tryLock(mnt.resolve("locked"))).as("released with the program").isEqualTo("locked");
    assertThat(sh("umount " + mnt + " && echo unmounted")).contains("unmounted");
    mounts.remove(mnt);
    Result fsck = nectar("fsck", meta);
    assertThat(fsck.status()).as(fsck.out()).isZero();
    assertThat(fsck.out()).contains("no problems found");
  }

  private static long records(Writer in, BufferedReader out, Process w) throws IOException {
    in.write("status\n");
    in.flush();
    String s = line(out, w);
    assertThat(field(s, "errors")).as(s).isZero();
    return field(s, "records");
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

    Result crash = nectar(env("NECTAR_TEST_TAKEOVER_FAIL", "crash-after-state"), List.of(), "upgrade", mnt.toString());
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
    Map<String, String> newer = env("NECTAR_JAVA_OPTS", "-Dnectar.handover.testVersion=2");

    Result up = nectar(newer, List.of(), "upgrade", "--json", mnt.toString());
    assertThat(up.status()).as("a build reading up to version 2 takes over from one writing 1: %s", up.out()).isZero();
    assertThat(up.out()).contains("\"ok\":true").contains("\"pause_seconds\":");

    Result down = nectar("upgrade", mnt.toString());
    assertThat(down.status()).isEqualTo(1);
    assertThat(down.out()).contains("writes handover state version 2 and this build reads up to 1").hasLineCount(1);
    assertThat(Files.readString(mnt.resolve("file"))).isEqualTo("v1");

    Result again = nectar(newer, List.of(), "upgrade", mnt.toString());
    assertThat(again.status()).as(again.out()).isZero();
    assertThat(Files.readString(mnt.resolve("file"))).isEqualTo("v1");
  }
}
