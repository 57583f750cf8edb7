package io.nectarfs.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.testkit.TestServices;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cache groups as users run them (issue #16): members, cache nodes and readers are separate
 * {@code nectar} processes on loopback, each with its own port and cache directory, over the local
 * S3 server slowed by a simulated remote store's latency and bandwidth cap
 * ({@code --simulate-store-latency}, {@code --download-limit}). One volume and dataset for the
 * class; each test has a group of its own. Needs root, /dev/fuse and the S3 service.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CacheGroupProcessTest {
  static final int FILE = 20 << 20; // 5 blocks of 4 MiB
  static final String[] SLOW = {"--simulate-store-latency", "20ms", "--download-limit", "64M"};
  static final Pattern BACKGROUND_PID = Pattern.compile("in the background \\(pid (\\d+)");

  @TempDir static Path tmp;
  String meta;
  Map<String, String> env;
  final List<byte[]> files = new ArrayList<>();
  final List<Process> processes = new ArrayList<>();
  final List<Path> mounts = new ArrayList<>();
  final List<Long> mountPids = new ArrayList<>();

  @BeforeAll
  void formatAndWriteTheDataset() throws Exception {
    MountedVolume.requireFuse();
    URI s3 = URI.create(TestServices.require(TestServices.S3));
    String[] creds = s3.getUserInfo().split(":", 2);
    Path token = tmp.resolve("token");
    Files.createFile(token, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(token, "group-token-" + System.nanoTime() + "\n");
    env = Map.of("NECTAR_NO_BUILD", "1", "NECTAR_S3_ACCESS_KEY", creds[0], "NECTAR_S3_SECRET_KEY", creds[1],
        "NECTAR_CACHE_GROUP_TOKEN_FILE", token.toString());
    meta = "sqlite3://" + tmp.resolve("meta.db");
    String storage = s3.getScheme() + "://" + s3.getHost() + ":" + s3.getPort() + s3.getPath();
    run(0, "format", meta, "cachegroup-" + Long.toString(System.nanoTime(), 36), "--storage", storage, "--trash-days", "0");
    Path writer = mount("writer", "--cache-dir", "memory");
    for (int i = 0; i < 3; i++) {
      byte[] b = new byte[FILE];
      new Random(100 + i).nextBytes(b);
      files.add(b);
      Files.write(writer.resolve("f" + i), b);
    }
    unmount(writer);
  }

  @AfterEach
  void stopEverything() throws Exception {
    for (Path m : mounts) {
      new ProcessBuilder("bash", "-c", "umount " + m + " 2>/dev/null || umount -l " + m + " 2>/dev/null").start().waitFor(60, TimeUnit.SECONDS);
    }
    mounts.clear();
    for (long pid : mountPids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    mountPids.clear();
    for (Process p : processes) {
      p.destroy();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    processes.clear();
  }

  @AfterAll
  void done() throws Exception {
    stopEverything();
  }

  @Test
  void threeMembersAndACacheNode_warmUpTheDataset_andEveryMemberReadsItFromTheGroup() throws Exception {
    Node node = cacheNode("trio", "node", SLOW);
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      members.add(member("trio", "m" + i, "--simulate-store-latency", "20ms", "--download-limit", "64M", "--peer-timeout", "300s"));
    }
    for (Member m : members) {
      waitFor(() -> metric(m.metricsPort, "nectar_cache_group_members") == 4, "member " + m.mnt + " sees 4 members");
    }
    waitFor(() -> metric(node.metricsPort, "nectar_cache_group_members") == 4, "the node sees 4 members");
    String warm = run(0, "warmup", meta, "/f0", "/f1", "/f2", "--cache-group", "trio", "--json");
    assertThat(warm).contains("\"blocks\":15").contains("\"ok\":15").contains("\"failed\":0");
    assertThat(run(0, "warmup", meta, "/f0", "/f1", "/f2", "--cache-group", "trio", "--check", "--json")).contains("\"cached_fraction\":1.0");
    // Every member reads every file without the object store: from peers, or from its own cache
    // (its share, and the blocks it fetched for a busier owner during the warm-up, which can be all
    // of them when it was the fastest). Each block is held by its owner and at most one helper, so
    // some member always reads from peers.
    double fromPeers = 0;
    for (Member m : members) {
      double warmed = metric(m.metricsPort, "nectar_chunk_read_bytes_total", "source=\"object\""); // its share, fetched by the warm-up
      for (int i = 0; i < 3; i++) {
        assertThat(Files.readAllBytes(m.mnt.resolve("f" + i))).as("f%d through %s", i, m.mnt).isEqualTo(files.get(i));
      }
      assertThat(metric(m.metricsPort, "nectar_chunk_read_bytes_total", "source=\"object\"")).as("object bytes read by %s; its log:%n%s", m.mnt,
          log(m.mnt)).isEqualTo(warmed);
      fromPeers += metric(m.metricsPort, "nectar_chunk_read_bytes_total", "source=\"peer\"");
    }
    assertThat(fromPeers).as("bytes the members read from peers").isPositive();
    assertThat(metric(node.metricsPort, "nectar_cache_server_bytes_served_total")).as("the cache node served").isPositive();
    assertThat(run(0, "warmup", meta, "/f0", "/f1", "/f2", "--cache-group", "trio", "--evict", "--json")).contains("\"ok\":15");
    assertThat(run(1, "warmup", meta, "/f0", "--cache-group", "trio", "--check", "--json")).contains("\"cached_fraction\":0.0");
  }

  @Test
  void aMemberKilledMidRead_theReaderFallsBackToTheStore_noErrorNoWrongByte() throws Exception {
    Node node = cacheNode("kill", "killed", "--simulate-store-latency", "3s");
    Member reader = consumer("kill", "reader", "--peer-timeout", "300s");
    waitFor(() -> metric(reader.metricsPort, "nectar_cache_group_members") == 1, "the reader sees the node");
    CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
      try {
        return Files.readAllBytes(reader.mnt.resolve("f0"));
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    waitFor(() -> metric(node.metricsPort, "nectar_cache_server_requests_total", "op=\"get\"") >= 1, "the node is asked for a block");
    node.process.destroyForcibly(); // SIGKILL while it waits on the store
    assertThat(read.get(5, TimeUnit.MINUTES)).isEqualTo(files.get(0));
    assertThat(metric(reader.metricsPort, "nectar_chunk_peer_fallbacks_total", "reason=\"error\"")).as("fallbacks on the lost peer").isPositive();
    assertThat(metric(reader.metricsPort, "nectar_chunk_read_bytes_total", "source=\"object\"")).isPositive();
  }

  @Test
  void aCorruptedBlockOnAPeer_isDetectedAndNotServed() throws Exception {
    int port = freePort();
    String[] listen = {"--cache-group-listen", "127.0.0.1:" + port};
    Node node = cacheNode("corrupt", "damaged", listen);
    Member reader = consumer("corrupt", "reader", "--peer-timeout", "300s");
    waitFor(() -> metric(reader.metricsPort, "nectar_cache_group_members") == 1, "the reader sees the node");
    assertThat(run(0, "warmup", meta, "/f1", "--cache-group", "corrupt", "--json")).contains("\"ok\":5");
    // The node restarts on its cache directory (its memory holds nothing), whose files were damaged meanwhile.
    node.process.destroy();
    assertThat(node.process.waitFor(2, TimeUnit.MINUTES)).isTrue();
    waitFor(() -> metric(reader.metricsPort, "nectar_cache_group_members") == 0, "the reader sees the node leave");
    List<Path> cached;
    try (Stream<Path> s = Files.walk(tmp.resolve("cache-damaged"))) {
      cached = s.filter(Files::isRegularFile).filter(p -> {
        try {
          return Files.size(p) > (1 << 20);
        } catch (IOException e) {
          return false;
        }
      }).toList();
    }
    assertThat(cached).hasSize(5);
    for (Path p : cached) {
      try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
        long at = f.length() / 2;
        f.seek(at);
        int b = f.read();
        f.seek(at);
        f.write(b ^ 0x55);
      }
    }
    Node again = cacheNode("corrupt", "damaged", listen);
    waitFor(() -> metric(reader.metricsPort, "nectar_cache_group_members") == 1, "the reader sees the node back");
    assertThat(Files.readAllBytes(reader.mnt.resolve("f1"))).isEqualTo(files.get(1));
    assertThat(metric(reader.metricsPort, "nectar_chunk_read_bytes_total", "source=\"peer\"")).as("still served by the node").isPositive();
    assertThat(metric(again.metricsPort, "nectar_object_read_bytes_total")).as("the node fetched the damaged blocks again").isGreaterThanOrEqualTo(FILE);
    assertThat(again.output()).contains("dropping cached block");
  }

  @Test
  void badInput_wrongSecret_unknownGroup_takenPort_allRefusedWithOneLine() throws Exception {
    Node node = cacheNode("guarded", "guard");
    waitFor(() -> metric(node.metricsPort, "nectar_cache_group_members") == 1, "the node sees itself");
    Path wrong = tmp.resolve("wrong-token");
    Files.createFile(wrong, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(wrong, "not-the-token\n");
    String refused = runWith(Map.of("NECTAR_CACHE_GROUP_TOKEN_FILE", wrong.toString()), 1, "warmup", meta, "/f0", "--cache-group", "guarded");
    assertThat(refused).contains("wrong group key").doesNotContain("\tat ").doesNotContain("not-the-token");
    assertThat(metric(node.metricsPort, "nectar_cache_server_refused_total", "reason=\"auth\"")).isPositive();
    assertThat(metric(node.metricsPort, "nectar_cache_server_blocks_served_total")).isZero();

    String unknown = run(1, "warmup", meta, "/f0", "--cache-group", "nosuch");
    assertThat(unknown).contains("cache group nosuch has no live member").doesNotContain("\tat ");

    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String busy = run(1, "cache-node", meta, "--cache-group", "guarded", "--cache-dir", tmp.resolve("cache-busy").toString(),
          "--cache-group-listen", "127.0.0.1:" + taken.getLocalPort(), "--no-metrics");
      assertThat(busy).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()).contains("in use").doesNotContain("\tat ");
    }
    assertThat(run(2, "mount", meta, tmp.resolve("nowhere").toString(), "--cache-group", "guarded", "--cache-dir", "memory"))
        .contains("keeps the blocks it serves on disk");
  }

  @Test
  void aMemberWhoseCacheIsFull_servesWhatItHas_fetchesNothingNew_andSaysSo() throws Exception {
    Node node = cacheNode("full", "full", "--free-space-ratio", "0.999999");
    Member reader = consumer("full", "reader");
    waitFor(() -> metric(reader.metricsPort, "nectar_cache_group_members") == 1, "the reader sees the node");
    assertThat(Files.readAllBytes(reader.mnt.resolve("f2"))).isEqualTo(files.get(2));
    assertThat(metric(node.metricsPort, "nectar_chunk_peer_refused_total", "reason=\"cache_full\"")).isPositive();
    assertThat(metric(node.metricsPort, "nectar_object_read_bytes_total")).as("the full node fetched nothing").isZero();
    assertThat(node.output()).contains("takes no new blocks");
    assertThat(run(1, "warmup", meta, "/f2", "--cache-group", "full")).contains("failed");
  }

  // --- processes

  record Node(Process process, StringBuffer out, int metricsPort) {
    String output() {
      return out.toString();
    }
  }

  record Member(Path mnt, int metricsPort) {}

  private Node cacheNode(String group, String name, String... extra) throws Exception {
    int metrics = freePort();
    List<String> args = new ArrayList<>(List.of("cache-node", meta, "--cache-group", group, "--cache-dir", tmp.resolve("cache-" + name).toString(),
        "--metrics", "127.0.0.1:" + metrics));
    args.addAll(List.of(extra));
    if (!args.contains("--cache-group-listen")) {
      args.addAll(List.of("--cache-group-listen", "127.0.0.1:0"));
    }
    ProcessBuilder pb = new ProcessBuilder(command(args)).redirectErrorStream(true).directory(tmp.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    processes.add(p);
    StringBuffer out = new StringBuffer();
    CompletableFuture<Void> up = new CompletableFuture<>();
    Thread.ofPlatform().daemon().start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          out.append(line).append('\n');
          if (line.startsWith("cache node ")) {
            up.complete(null);
          }
        }
      } catch (IOException e) {
        // the process ended
      }
      up.completeExceptionally(new AssertionError("cache node " + name + " ended:\n" + out));
    });
    up.get(3, TimeUnit.MINUTES);
    return new Node(p, out, metrics);
  }

  private Member member(String group, String name, String... extra) throws Exception {
    int metrics = freePort();
    List<String> args = new ArrayList<>(List.of("--cache-dir", tmp.resolve("cache-" + name).toString(), "--cache-group", group,
        "--cache-group-listen", "127.0.0.1:0", "--metrics", "127.0.0.1:" + metrics));
    args.addAll(List.of(extra));
    return new Member(mount(name, args.toArray(String[]::new)), metrics);
  }

  private Member consumer(String group, String name, String... extra) throws Exception {
    int metrics = freePort();
    List<String> args = new ArrayList<>(List.of("--cache-dir", "memory", "--cache-group", group, "--no-sharing", "--metrics", "127.0.0.1:" + metrics));
    args.addAll(List.of(extra));
    return new Member(mount(name, args.toArray(String[]::new)), metrics);
  }

  private Path mount(String name, String... extra) throws Exception {
    Path mnt = Files.createDirectories(tmp.resolve("mnt-" + name + "-" + System.nanoTime()));
    // no standby workers: four idle JVMs more on a 2-core runner, and crash recovery is not what this tests
    List<String> args = new ArrayList<>(List.of("mount", "-d", meta, mnt.toString(), "--log", tmp.resolve("mount-" + name + ".log").toString(),
        "--no-standby"));
    args.addAll(List.of(extra));
    String out = run(0, args.toArray(String[]::new));
    mounts.add(mnt);
    Matcher m = BACKGROUND_PID.matcher(out);
    if (m.find()) {
      mountPids.add(Long.parseLong(m.group(1)));
    }
    return mnt;
  }

  /** The warnings in the log of the mount at {@code mnt}. */
  private static String log(Path mnt) throws IOException {
    String name = mnt.getFileName().toString().replaceFirst("^mnt-", "").replaceFirst("-\\d+$", "");
    Path f = tmp.resolve("mount-" + name + ".log");
    return Files.exists(f) ? String.join("\n", Files.readAllLines(f).stream().filter(l -> l.contains("WARN")).toList()) : "(no log)";
  }

  private void unmount(Path mnt) throws Exception {
    run(0, "umount", mnt.toString());
    mounts.remove(mnt);
  }

  private List<String> command(List<String> args) {
    List<String> c = new ArrayList<>();
    c.add(GatewayProcess.launcher());
    c.addAll(args);
    return c;
  }

  private String run(int expected, String... args) throws Exception {
    return runWith(Map.of(), expected, args);
  }

  /** Runs the launcher with {@code args} (no shell), the class's environment plus {@code more}; checks the exit status. */
  private String runWith(Map<String, String> more, int expected, String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command(List.of(args))).redirectErrorStream(true).directory(tmp.toFile());
    pb.environment().putAll(env);
    pb.environment().putAll(more);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as("exit status of nectar %s:%n%s", String.join(" ", args), out).isEqualTo(expected);
    return out;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** The sum of the samples of {@code name} whose labels contain {@code labelPart} (all when empty); 0 when absent or unreachable. */
  static double metric(int port, String name, String... labelPart) {
    String body;
    try {
      body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
    double sum = 0;
    for (String line : body.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        boolean match = true;
        for (String part : labelPart) {
          match &= line.contains(part);
        }
        if (match) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
    }
    return sum;
  }

  static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("gave up waiting (3 min) until " + what);
      }
      Thread.sleep(100);
    }
  }
}
