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
 * Crash recovery of a mount (issue #17): {@code nectar mount -d} runs a keeper and a worker; a
 * program uses the mount all along (a writer appending checksummed records with an fsync every
 * eight, a reader verifying a large file with its page cache dropped before every pass so its
 * reads reach the server, a held POSIX lock, an open-but-unlinked file) while the worker is
 * SIGKILLed five times. Each time the keeper starts a new worker that recovers the mount and
 * commits what the killed one had acknowledged and not committed (its write journal): the program
 * sees no error at all, every record it wrote is intact (fsynced or not), the lock stays held, the
 * unlinked file stays readable, and fsck is clean. Needs root and /dev/fuse.
 */
class CrashRecoveryTest {
  private static final Pattern RESULT = Pattern.compile("nectar-recovery-result (\\{.*\\})");

  @TempDir Path base;
  private Path mnt;
  private AutoCloseable program;

  @AfterEach
  void cleanUp() throws Exception {
    if (program != null) {
      program.close();
    }
    if (mnt != null) {
      sh("umount " + mnt + " 2>/dev/null || umount -l " + mnt + " 2>/dev/null; true");
    }
  }

  private Map<String, String> env() {
    return Map.of("NECTAR_NO_BUILD", "1", "HOME", base.resolve("home").toString());
  }

  private String nectar(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(GatewayProcess.launcher()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(base.toFile());
    pb.environment().putAll(env());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  private static String sh(String command) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }

  /** {@code nectar mount -d META MNT --cache-dir CACHE --log LOG EXTRA...}: the keeper's pid. */
  private long mountKept(String meta, String cache, Path log, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("mount", "-d", meta, mnt.toString(), "--cache-dir", base.resolve(cache).toString(), "--log",
        log.toString()));
    args.addAll(List.of(extra));
    String mounted = nectar(args.toArray(String[]::new));
    Matcher pid = Pattern.compile("pid (\\d+)").matcher(mounted);
    assertThat(pid.find()).as(mounted).isTrue();
    return Long.parseLong(pid.group(1));
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      return free.getLocalPort();
    }
  }

  /** The keeper's serving worker: its child that runs {@code --keeper-worker} and holds {@code /dev/fuse} (the standby does not). */
  private static long worker(long keeper) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      List<Long> kids = ProcessHandle.of(keeper).orElseThrow().children()
          .filter(c -> c.info().arguments().map(a -> List.of(a).contains("--keeper-worker")).orElse(false)).map(ProcessHandle::pid)
          .filter(MountedVolume::holdsDevFuse).toList();
      if (kids.size() == 1) {
        return kids.getFirst();
      }
      Thread.sleep(50); // polls a condition, with a deadline
    }
    throw new AssertionError("no worker under keeper pid " + keeper);
  }

  private static final Pattern STANDBY_READY = Pattern.compile("keeper: standby worker pid (\\d+) ready");

  /**
   * Whether a standby waits now: one the log says is ready that has not served the mount (a crash's
   * recovery made it the worker) and still runs. An upgrade's successor of the same build keeps the
   * standby, so it is not a new one per event.
   */
  private static boolean standbyReady(Path log, java.util.Set<Long> served) throws IOException {
    Matcher m = STANDBY_READY.matcher(Files.readString(log));
    while (m.find()) {
      long pid = Long.parseLong(m.group(1));
      if (!served.contains(pid) && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        return true;
      }
    }
    return false;
  }

  /** Crash recovery pauses in the log, in milliseconds. */
  private static List<Double> pauses(Path log) throws IOException {
    return results(log, "pause_seconds").stream().map(s -> s * 1000).toList();
  }

  /** A number field of every recovery result in the log. */
  private static List<Double> results(Path log, String field) throws IOException {
    Pattern f = Pattern.compile("\"" + field + "\":([0-9.Ee-]+)");
    List<Double> out = new ArrayList<>();
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      Matcher m = RESULT.matcher(line);
      if (m.find()) {
        Matcher v = f.matcher(m.group(1));
        assertThat(v.find()).as(line).isTrue();
        out.add(Double.parseDouble(v.group(1)));
      }
    }
    return out;
  }

  private static long count(Path log, String text) throws IOException {
    return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.contains(text)).count();
  }

  /**
   * {@link #count} once a worker's line has reached the log, or at the deadline: a worker's
   * standard error reaches the log through the keeper's copying thread, after the worker may
   * already have answered the request it logged about.
   */
  private static long awaitCount(Path log, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    long n;
    while ((n = count(log, text)) == 0 && System.nanoTime() < deadline) {
      Thread.sleep(50); // polls the log, with a deadline
    }
    return n;
  }

  /** The process serving the mount now: it holds {@code /dev/fuse} and is not the keeper (a worker, or an upgrade's successor). */
  private static long server(long keeper, Path mnt) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      List<Long> found = ProcessHandle.allProcesses().filter(p -> p.pid() != keeper)
          .filter(p -> p.info().arguments().map(a -> List.of(a).contains(mnt.toString())).orElse(false))
          .map(ProcessHandle::pid).filter(MountedVolume::holdsDevFuse).toList();
      if (found.size() == 1) {
        return found.getFirst();
      }
      Thread.sleep(50); // polls a condition, with a deadline
    }
    throw new AssertionError("no single server of " + mnt);
  }

  /**
   * fio jobs writing a file and verifying it (CRC32C per block), one after the other until {@code
   * stop} exists; {@code count} holds "jobs failures" after each.
   */
  private static Process fioLoop(Path mnt, Path dir) throws IOException {
    String job = "fio --name=verify --filename=" + mnt.resolve("fio.dat") + " --size=16M --bs=64k --rw=randwrite --ioengine=psync"
        + " --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 --fsync_on_close=1 --output=/dev/null";
    String loop = "n=0; bad=0; while [ ! -e " + dir.resolve("stop") + " ]; do " + job + " >> " + dir.resolve("fio.log")
        + " 2>&1 || bad=$((bad+1)); n=$((n+1)); echo \"$n $bad\" > " + dir.resolve("fio.count") + "; done";
    return new ProcessBuilder("bash", "-c", loop).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("fio.out").toFile())
        .start();
  }

  private static long[] fioCount(Path dir) throws IOException {
    Path c = dir.resolve("fio.count");
    if (!Files.exists(c)) {
      return new long[2];
    }
    String[] f = Files.readString(c).trim().split(" ");
    return f.length == 2 ? new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])} : new long[2];
  }

  /**
   * The acceptance run of issue #17: while a program and fio use the mount, its server is
   * SIGKILLed five times and upgraded five times, in turn (so a killed server is sometimes an
   * upgrade's successor, and an upgrade sometimes takes over from a recovered worker).
   */
  @Test
  void aProgramAndFioUsingTheMount_seeNoError_acrossFiveCrashesAndFiveUpgrades() throws Exception {
    MountedVolume.requireFuse();
    String meta = "sqlite3://" + base.resolve("vol.db");
    nectar("format", meta, "vol", "--storage", "file://" + base.resolve("data"), "--trash-days", "0");
    mnt = Files.createDirectories(base.resolve("mnt"));
    Path log = base.resolve("mount.log");
    // the defaults: a keeper with a standby worker
    long keeper = mountKept(meta, "cache", log);
    byte[] big = new byte[16 << 20];
    new java.util.Random(17).nextBytes(big);
    Files.write(mnt.resolve("big"), big);
    Workload program = Workload.start(base, mnt);
    this.program = program;
    Process fio = fioLoop(mnt, base);
    int kills = Integer.getInteger("nectar.it.crashes", 5);
    List<Double> upgradePauses = new ArrayList<>();
    int killed = 0;
    java.util.Set<Long> served = new java.util.HashSet<>();
    for (int event = 1; event <= 2 * kills; event++) {
      long fioBefore = fioCount(base)[0];
      String before = program.status();
      long w = server(keeper, mnt);
      served.add(w);
      if (event % 2 == 1) {
        long ready = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!standbyReady(log, served) && System.nanoTime() < ready) {
          Thread.sleep(50); // a crash while the standby still prepares takes seconds (docs/takeover.md); measured here: with a standby ready
        }
        assertThat(standbyReady(log, served)).as("a standby ready before event %d; the log:%n%s", event, Files.readString(log)).isTrue();
        killed++;
        ProcessHandle.of(w).orElseThrow().destroyForcibly(); // SIGKILL
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (pauses(log).size() < killed && System.nanoTime() < deadline) {
          Thread.sleep(50); // polls the log for the recovery line, with a deadline
        }
        assertThat(pauses(log)).as("recoveries in the log:%n%s", Files.readString(log)).hasSize(killed);
      } else {
        String out = nectar("upgrade", mnt.toString());
        assertThat(out).contains(mnt + " taken over");
        Matcher m = Pattern.compile("pause ([0-9.]+) ms").matcher(out);
        if (m.find()) {
          upgradePauses.add(Double.parseDouble(m.group(1)));
        }
      }
      assertThat(server(keeper, mnt)).as("a new server after event %d", event).isNotEqualTo(w);
      assertThat(Workload.tryLock(mnt.resolve("locked"))).as("the program's lock after event %d", event).isEqualTo("refused errno 11");
      program.goesOnFrom(before, "event " + event);
      long fioDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (fioCount(base)[0] <= fioBefore && System.nanoTime() < fioDeadline) {
        Thread.sleep(50); // fio finishes a job after the event: it goes on too
      }
      assertThat(fioCount(base)[0]).as("fio jobs go on after event %d", event).isGreaterThan(fioBefore);
    }
    Files.writeString(base.resolve("stop"), "");
    assertThat(fio.waitFor(5, TimeUnit.MINUTES)).isTrue();
    long[] jobs = fioCount(base);
    assertThat(jobs[1]).as("fio jobs that failed (%d run):%n%s", jobs[0], Files.readString(base.resolve("fio.log"))).isZero();
    List<Double> pauses = pauses(log);
    List<Double> sorted = pauses.stream().sorted().toList();
    long resent = count(log, "re-sent by the kernel");
    System.out.println("crash recovery pauses (ms, keeper saw the crash .. new worker serving): " + pauses + "; p50 "
        + sorted.get((sorted.size() - 1) / 2) + " max " + sorted.getLast() + "; requests re-sent by the kernel: " + resent
        + "; upgrade pauses (ms): " + upgradePauses + "; fio jobs verified: " + jobs[0]);
    String done = program.stop();
    System.out.println("the program: " + done);
    Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.contains("after its server crashed"))
        .forEach(l -> System.out.println("recovery steps: " + l.substring(l.indexOf("pause")))); // where each pause went, for the record
    assertThat(Workload.field(done, "lost")).as("fsyncs that reported lost writes").isZero();
    assertThat(Workload.field(done, "missing")).as("records written and not in the file").isZero();
    assertThat(results(log, "lost_writes")).as("files that lost writes, per recovery").containsOnly(0.0);
    assertThat(count(log, "keeper: kept standby worker pid")).as("upgrades by this build that kept the standby (each follows a crash's new one)")
        .isEqualTo(kills);
    assertThat(results(log, "replayed_files").stream().mapToDouble(Double::doubleValue).sum())
        .as("writes committed from the journal (the writer appends all along, so a kill finds some pending)").isPositive();
    assertThat(Workload.tryLock(mnt.resolve("locked"))).as("released with the program").isEqualTo("locked");
    assertThat(sh("umount " + mnt + " && echo unmounted")).contains("unmounted");
    long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (ProcessHandle.of(keeper).map(CrashRecoveryTest::running).orElse(false) && System.nanoTime() < end) {
      Thread.sleep(50); // the keeper ends with the mount
    }
    assertThat(ProcessHandle.of(keeper).map(CrashRecoveryTest::running).orElse(false)).as("the keeper ended").isFalse();
    mnt = null;
    String fsck = nectar("fsck", meta);
    assertThat(fsck).contains("no problems found");
  }

  private static double metric(int port, String name) throws Exception {
    java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    return r.body().lines().filter(l -> l.startsWith(name)).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  /** Whether one of the descriptors in {@code fdDir} (a /proc/PID/fd) is open on {@code file}. */
  private static boolean holds(Path fdDir, Path file) {
    try (java.util.stream.Stream<Path> s = Files.list(fdDir)) {
      return s.anyMatch(fd -> {
        try {
          return Files.readSymbolicLink(fd).equals(file);
        } catch (IOException e) {
          return false; // closed meanwhile
        }
      });
    } catch (IOException e) {
      return false; // not started yet, or ended
    }
  }

  @Test
  void aReadInFlightWhenTheWorkerDies_isResentByTheKernel_andAnswered() throws Exception {
    MountedVolume.requireFuse();
    String meta = "sqlite3://" + base.resolve("vol.db");
    nectar("format", meta, "vol", "--storage", "file://" + base.resolve("data"), "--trash-days", "0");
    mnt = Files.createDirectories(base.resolve("mnt"));
    byte[] data = new byte[1 << 20];
    new java.util.Random(9).nextBytes(data);
    nectar("mount", "-d", meta, mnt.toString(), "--cache-dir", base.resolve("cache1").toString(), "--log", base.resolve("first.log").toString());
    Files.write(mnt.resolve("slow"), data);
    assertThat(sh("umount " + mnt + " && echo unmounted")).contains("unmounted");
    int port = freePort();
    Path log = base.resolve("mount.log");
    // a new, empty cache and a slow store: the first read of the block waits 3 s in the worker
    long keeper = mountKept(meta, "cache2", log, "--standby", "--simulate-store-latency", "3s", "--metrics", "127.0.0.1:" + port);
    long ready = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (count(log, "keeper: standby worker pid") < 1 && System.nanoTime() < ready) {
      Thread.sleep(50); // polls the log, with a deadline
    }
    Process reader = new ProcessBuilder("python3", "-c", "import sys, hashlib; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())",
        mnt.resolve("slow").toString()).redirectErrorStream(true).start();
    program = reader::destroyForcibly;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    // the reader has the file open (its OPEN was answered: what waits next is its READ), and a request waits in the worker
    Path opened = Path.of("/proc", Long.toString(reader.pid()), "fd");
    double inflight = 0;
    while (!(holds(opened, mnt.resolve("slow")) && (inflight = metric(port, "nectar_fuse_inflight_requests")) >= 1) && System.nanoTime() < deadline) {
      Thread.sleep(20); // polls the reader's descriptors and the worker's metrics, with a deadline
    }
    assertThat(inflight).as("a request of the reader, after its open, waits in the worker").isGreaterThanOrEqualTo(1);
    ProcessHandle.of(worker(keeper)).orElseThrow().destroyForcibly(); // SIGKILL with the read unanswered
    assertThat(reader.waitFor(2, TimeUnit.MINUTES)).as("the reader ended: its read was re-sent and answered").isTrue();
    String out = new String(reader.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(out).as("the reader's result").isEqualTo(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data)));
    assertThat(reader.exitValue()).isZero();
    assertThat(metric(port, "nectar_fuse_resent_requests_total")).as("counted by the new worker").isPositive();
    assertThat(awaitCount(log, "re-sent by the kernel")).as("requests the kernel re-sent; the log:%n%s", Files.readString(log)).isPositive();
    assertThat(metric(port, "nectar_fuse_crash_recoveries_total")).isEqualTo(1);
  }

  /**
   * The standby scanned the disk cache when it started; the blocks the worker cached after that
   * are counted by the standby once it has recovered the mount (it re-reads the cache after the
   * pause, not inside it). Otherwise they would be outside the cache size until the next mount.
   */
  @Test
  void theRecoveringStandby_countsTheBlocksTheCrashedWorkerCachedAfterItStarted() throws Exception {
    MountedVolume.requireFuse();
    String meta = "sqlite3://" + base.resolve("vol.db");
    nectar("format", meta, "vol", "--storage", "file://" + base.resolve("data"), "--inline-size", "0");
    mnt = Files.createDirectories(base.resolve("mnt"));
    int port = freePort();
    Path log = base.resolve("mount.log");
    long keeper = mountKept(meta, "cache", log, "--cache-on-write", "--metrics", "127.0.0.1:" + port);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!standbyReady(log, java.util.Set.of()) && System.nanoTime() < deadline) {
      Thread.sleep(50); // polls the log for the standby, with a deadline
    }
    assertThat(standbyReady(log, java.util.Set.of())).as("a standby; the log:%n%s", Files.readString(log)).isTrue();
    for (int i = 0; i < 3; i++) {
      Files.write(mnt.resolve("f" + i), new byte[100_000 + i]); // a block each, cached as written
    }
    while (metric(port, "nectar_chunk_disk_cache_blocks") < 3 && System.nanoTime() < deadline) {
      Thread.sleep(20); // polls the worker's metrics until its cache writes are done, with a deadline
    }
    assertThat(metric(port, "nectar_chunk_disk_cache_blocks")).as("the worker cached the three blocks").isEqualTo(3);
    ProcessHandle.of(worker(keeper)).orElseThrow().destroyForcibly();
    while (count(log, "nectar-recovery-result") < 1 && System.nanoTime() < deadline) {
      Thread.sleep(50); // polls the log for the recovery, with a deadline
    }
    assertThat(count(log, "nectar-recovery-result")).as("recovered; the log:%n%s", Files.readString(log)).isEqualTo(1);
    double blocks = -1;
    while (System.nanoTime() < deadline) {
      try {
        blocks = metric(port, "nectar_chunk_disk_cache_blocks");
      } catch (IOException notYet) {
        blocks = -1; // the recovered worker's endpoint is not up yet
      }
      if (blocks == 3) {
        break;
      }
      Thread.sleep(20); // polls the recovered worker's metrics, with a deadline
    }
    assertThat(blocks).as("blocks the recovered worker counts in its cache").isEqualTo(3);
  }

  /**
   * {@code nectar umount} returns once the mount's processes ended: the keeper, its worker and its
   * standby worker. Before, it returned after the unmount while they still closed the volume, and a
   * standby still starting opened it afterwards (a script that deleted the volume's files next, or a
   * test's cleanup, raced with them).
   */
  @Test
  void umount_returnsAfterTheKeeperItsWorkerAndItsStandbyEnded() throws Exception {
    MountedVolume.requireFuse();
    String meta = "sqlite3://" + base.resolve("vol.db");
    nectar("format", meta, "vol", "--storage", "file://" + base.resolve("data"));
    mnt = Files.createDirectories(base.resolve("mnt"));
    Path log = base.resolve("mount.log");
    ProcessHandle keeper = ProcessHandle.of(mountKept(meta, "cache", log)).orElseThrow();
    long ready = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (count(log, "keeper: standby worker pid") < 1 && System.nanoTime() < ready) {
      Thread.sleep(50); // polls the log for the standby, with a deadline
    }
    List<ProcessHandle> processes = new ArrayList<>(keeper.descendants().toList());
    processes.add(keeper);
    assertThat(processes).as("keeper, worker and standby").hasSizeGreaterThanOrEqualTo(3);
    Files.writeString(mnt.resolve("f"), "data");
    assertThat(nectar("umount", mnt.toString())).contains("unmounted " + mnt).doesNotContain("still ending");
    mnt = null;
    assertThat(processes.stream().filter(CrashRecoveryTest::running).map(ProcessHandle::pid).toList()).as("processes alive when umount returned").isEmpty();
  }

  /**
   * Not yet terminated. A zombie has (its files and descriptors are closed) but counts as alive for
   * {@link ProcessHandle#isAlive}: an orphaned keeper stays one until init reaps it.
   */
  private static boolean running(ProcessHandle p) {
    try {
      String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (java.io.IOException e) {
      return false; // gone
    }
  }
}
