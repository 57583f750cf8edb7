package io.nectarfs.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Metrics;
import io.nectarfs.object.CorruptObjectException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The peer protocol over real sockets on 127.0.0.1. */
class PeerProtocolTest {
  static final int BLOCK = 4 << 20;
  static final InetSocketAddress ANY = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  static final GroupKey KEY = GroupKeyTest.key(GroupKeyTest.VOLUME, "gpu", "s3cret-token");
  /** Generous: a call on a busy machine must not time out unless the test wants it to. */
  static final PeerClient.Options OPTIONS = PeerClient.Options.DEFAULT.withTimeout(Duration.ofSeconds(60));

  final MemProvider provider = new MemProvider();
  final Metrics serverMetrics = Metrics.create();
  final Metrics clientMetrics = Metrics.create();
  final List<AutoCloseable> closing = new ArrayList<>();
  byte[] block;
  NettyPeerServer server;

  @BeforeEach
  void setUp() throws IOException {
    block = new byte[BLOCK];
    new Random(42).nextBytes(block);
    provider.store.put("vol/chunks/0/0/1_0_" + BLOCK, block);
    server = NettyPeerServer.start(ANY, KEY, provider, serverMetrics);
    closing.add(server);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing.reversed()) {
      c.close();
    }
  }

  PeerClient client(GroupKey key, PeerClient.Options options) {
    PeerClient c = PeerClient.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), key, options, clientMetrics);
    closing.add(c);
    return c;
  }

  static String key() {
    return "vol/chunks/0/0/1_0_" + BLOCK;
  }

  static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("gave up waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  static double counter(Metrics m, String name, String... tags) {
    var c = m.registry().find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void wholeAndRangeFetchesReturnTheExactBytes() throws IOException {
    PeerClient c = client(KEY, OPTIONS);
    assertThat(c.get(Ctx.ROOT, key(), BLOCK, 0, BLOCK)).isEqualTo(block);
    int[][] ranges = {{0, 4096}, {4096, 4096}, {BLOCK - 4096, 4096}, {12345, 1}, {777, 1 << 20}, {BLOCK, 0}};
    for (int[] r : ranges) {
      assertThat(c.get(Ctx.ROOT, key(), BLOCK, r[0], r[1])).as("range %d+%d", r[0], r[1]).isEqualTo(Arrays.copyOfRange(block, r[0], r[0] + r[1]));
    }
    assertThat(counter(serverMetrics, "nectar_cache_server_blocks_served")).isEqualTo(1 + ranges.length);
    assertThat(counter(clientMetrics, "nectar_cache_peer_received_bytes")).isEqualTo(BLOCK + 4096 * 3 + 1 + (1 << 20));
  }

  @Test
  void hasWarmAndStatsAnswerForBatches() throws IOException {
    for (int i = 0; i < 5000; i++) {
      provider.store.put("k" + i, new byte[] {(byte) i});
    }
    PeerClient c = client(KEY, OPTIONS);
    List<PeerClient.Key> keys = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      keys.add(new PeerClient.Key("k" + i, 1));
    }
    keys.add(new PeerClient.Key("missing", 1));
    assertThat(c.has(Ctx.ROOT, keys).cardinality()).isZero();
    PeerClient.Warmed w = c.warm(Ctx.ROOT, keys.subList(0, 10).reversed().stream().toList());
    assertThat(w).isEqualTo(new PeerClient.Warmed(10, 0));
    assertThat(c.warm(Ctx.ROOT, List.of(keys.get(4500), keys.getLast()))).isEqualTo(new PeerClient.Warmed(1, 1));
    BitSet has = c.has(Ctx.ROOT, keys); // two frames: more than one batch
    BitSet expected = new BitSet();
    expected.set(0, 10);
    expected.set(4500);
    assertThat(has).isEqualTo(expected);
    assertThat(c.stats(Ctx.ROOT)).isEqualTo(new BlockProvider.Stats(11, 11, 1L << 30));
    assertThat(c.evict(Ctx.ROOT, keys)).as("evicts the cached ones, across batches").isEqualTo(11);
    assertThat(c.has(Ctx.ROOT, keys).cardinality()).isZero();
    assertThat(c.evict(Ctx.ROOT, keys.subList(0, 3))).isZero();
  }

  @Test
  void aMissingBlockIsTheProvidersErrno() {
    PeerClient c = client(KEY, OPTIONS);
    assertThatThrownBy(() -> c.get(Ctx.ROOT, "vol/none", 10, 0, 10))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT))
        .hasMessageContaining("vol/none");
    assertThat(counter(clientMetrics, "nectar_cache_peer_errors", "cause", "remote")).isEqualTo(1);
  }

  @Test
  void sixteenConcurrentClientsGetTheirBytes() throws Exception {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    closing.add(threads);
    for (int t = 0; t < 16; t++) {
      PeerClient c = client(KEY, OPTIONS);
      int seed = t;
      all.add(CompletableFuture.runAsync(() -> {
        Random r = new Random(seed);
        try {
          for (int i = 0; i < 20; i++) {
            int off = r.nextInt(BLOCK);
            int len = i % 5 == 0 ? BLOCK - off : Math.min(BLOCK - off, r.nextInt(256 << 10));
            assertThat(c.get(Ctx.ROOT, key(), BLOCK, off, len)).isEqualTo(Arrays.copyOfRange(block, off, off + len));
          }
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      }, threads));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    assertThat(counter(serverMetrics, "nectar_cache_server_blocks_served")).isEqualTo(16 * 20);
  }

  @Test
  void aWrongKeyIsRefusedAndTheRightOneStillWorks() throws IOException {
    PeerClient intruder = client(GroupKeyTest.key(GroupKeyTest.VOLUME, "gpu", "guessed"), OPTIONS);
    assertThatThrownBy(() -> intruder.get(Ctx.ROOT, key(), BLOCK, 0, 10))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES))
        .hasMessageContaining("wrong group key")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> intruder.stats(Ctx.ROOT)).hasMessageContaining("wrong group key");
    assertThat(counter(serverMetrics, "nectar_cache_server_refused", "reason", "auth")).isEqualTo(2);
    assertThat(counter(clientMetrics, "nectar_cache_peer_errors", "cause", "auth")).isEqualTo(2);
    assertThat(counter(serverMetrics, "nectar_cache_server_blocks_served")).isZero();
    assertThat(client(KEY, OPTIONS).get(Ctx.ROOT, key(), BLOCK, 0, 10)).isEqualTo(Arrays.copyOf(block, 10));
  }

  @Test
  void aCorruptedPayloadIsDetectedAndTheConnectionStaysUsable() throws IOException {
    PeerClient c = client(KEY, PeerClient.Options.DEFAULT.withTimeout(Duration.ofSeconds(60)).withConnections(1));
    server.afterChecksum = b -> b[b.length / 2] ^= 0x40;
    assertThatThrownBy(() -> c.get(Ctx.ROOT, key(), BLOCK, 0, BLOCK))
        .isInstanceOf(CorruptObjectException.class)
        .hasMessageContaining(key())
        .hasMessageContaining("CRC32C");
    assertThat(counter(clientMetrics, "nectar_cache_peer_errors", "cause", "corrupt")).isEqualTo(1);
    server.afterChecksum = null;
    assertThat(c.get(Ctx.ROOT, key(), BLOCK, 0, BLOCK)).isEqualTo(block);
  }

  @Test
  void aPeerThatNeverAnswersFailsTheCallAtItsDeadline() throws Exception {
    ManualClock clock = new ManualClock();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      PeerClient c = PeerClient.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()), KEY,
          PeerClient.Options.DEFAULT.withTimeout(Duration.ofSeconds(30)).withClock(clock), clientMetrics);
      closing.add(c);
      CompletableFuture<byte[]> get = new CompletableFuture<>();
      Thread.ofVirtual().start(() -> {
        try {
          get.complete(c.get(Ctx.ROOT, key(), BLOCK, 0, 10));
        } catch (Throwable e) {
          get.completeExceptionally(e);
        }
      });
      try (Socket accepted = silent.accept()) { // the client connected; the server says nothing
        clock.advance(Duration.ofSeconds(31));
        assertThatThrownBy(() -> get.get(60, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause()
            .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ETIMEDOUT))
            .hasMessageContaining("no answer");
      }
      assertThat(counter(clientMetrics, "nectar_cache_peer_errors", "cause", "timeout")).isEqualTo(1);
    }
  }

  @Test
  void aCallDeadlineFromCtxEndsAWaitForASlowProvider() throws Exception {
    ManualClock clock = new ManualClock();
    PeerClient c = client(KEY, OPTIONS.withClock(clock));
    c.stats(Ctx.ROOT); // connected
    provider.entered = new CountDownLatch(1);
    provider.gate = new CountDownLatch(1);
    Ctx ctx = Ctx.ROOT.withTimeout(clock, Duration.ofSeconds(2));
    CompletableFuture<byte[]> get = CompletableFuture.supplyAsync(() -> {
      try {
        return c.get(ctx, key(), BLOCK, 0, 10);
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    assertThat(provider.entered.await(60, TimeUnit.SECONDS)).isTrue();
    clock.advance(Duration.ofSeconds(3));
    assertThatThrownBy(() -> get.get(60, TimeUnit.SECONDS)).cause().cause()
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ETIMEDOUT));
    provider.gate.countDown();
    // the late answer is dropped; the connection carries the next call
    assertThat(c.get(Ctx.ROOT, key(), BLOCK, 5, 5)).isEqualTo(Arrays.copyOfRange(block, 5, 10));
  }

  @Test
  void aKilledPeerFailsCallsAndARestartedOneOnTheSamePortServesAgain() throws IOException {
    PeerClient c = client(KEY, OPTIONS);
    assertThat(c.get(Ctx.ROOT, key(), BLOCK, 0, 100)).isEqualTo(Arrays.copyOf(block, 100));
    int port = server.port();
    server.kill();
    assertThatThrownBy(() -> c.get(Ctx.ROOT, key(), BLOCK, 0, 100)).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> c.get(Ctx.ROOT, key(), BLOCK, 0, 100))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isIn(Errno.ECONNREFUSED, Errno.EIO));
    server = NettyPeerServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), KEY, provider, serverMetrics);
    closing.add(server);
    for (int i = 0; i < 4; i++) { // every pooled connection is replaced
      assertThat(c.get(Ctx.ROOT, key(), BLOCK, 100, 100)).isEqualTo(Arrays.copyOfRange(block, 100, 200));
    }
  }

  @Test
  void aTakenPortIsAClearError() {
    InetSocketAddress taken = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port());
    assertThatThrownBy(() -> PeerServer.start(taken, KEY, provider, serverMetrics))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("127.0.0.1:" + server.port())
        .hasMessageContaining("in use");
  }

  @Test
  void closeFinishesTheRequestsInFlight() throws Exception {
    PeerClient c = client(KEY, OPTIONS);
    c.stats(Ctx.ROOT);
    provider.entered = new CountDownLatch(1);
    provider.gate = new CountDownLatch(1);
    CompletableFuture<byte[]> get = CompletableFuture.supplyAsync(() -> {
      try {
        return c.get(Ctx.ROOT, key(), BLOCK, 0, BLOCK);
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    assertThat(provider.entered.await(60, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> closed = CompletableFuture.runAsync(server::close);
    int port = server.port();
    waitFor(() -> !accepts(port), "the server to stop accepting");
    assertThat(closed).isNotDone(); // it waits for the request in flight
    provider.gate.countDown();
    assertThat(get.get(60, TimeUnit.SECONDS)).isEqualTo(block);
    closed.get(60, TimeUnit.SECONDS);
  }

  @Test
  void metricsNameThePeerButNoKeyOrSecret() throws IOException {
    PeerClient c = client(KEY, OPTIONS);
    c.get(Ctx.ROOT, key(), BLOCK, 0, 10);
    String scrape = clientMetrics.scrape() + serverMetrics.scrape();
    assertThat(scrape).contains("nectar_cache_peer_requests_total{op=\"get\",peer=\"127.0.0.1:" + server.port() + "\"} 1.0");
    assertThat(scrape).contains("nectar_cache_peer_request_seconds_count{op=\"get\",peer=\"127.0.0.1:" + server.port() + "\"} 1");
    assertThat(scrape).contains("nectar_cache_server_bytes_served_total 10.0");
    assertThat(scrape).doesNotContain("vol/chunks").doesNotContain("s3cret");
  }

  @Test
  void aRequestBeforeAuthenticationIsRefusedAndClosed() throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      s.setSoTimeout(60_000);
      var in = new java.io.DataInputStream(s.getInputStream());
      int helloLen = in.readInt();
      in.skipNBytes(helloLen);
      var out = new java.io.DataOutputStream(s.getOutputStream());
      out.writeInt(5 + 2 + 1 + 12); // a GET for key "k" without AUTH
      out.writeByte(Wire.GET);
      out.writeInt(1);
      out.writeShort(1);
      out.writeByte('k');
      out.writeInt(10);
      out.writeInt(0);
      out.writeInt(10);
      out.flush();
      int len = in.readInt();
      assertThat(in.readByte()).isEqualTo(Wire.ERROR);
      in.skipNBytes(len - 1);
      assertThat(in.read()).as("the server closed the connection").isEqualTo(-1);
    }
    assertThat(counter(serverMetrics, "nectar_cache_server_refused", "reason", "protocol")).isEqualTo(1);
    assertThat(provider.cached).isEmpty();
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A clock the test moves. */
  static final class ManualClock implements Clock {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long nowNanos() {
      return nanos.get();
    }

    void advance(Duration d) {
      nanos.addAndGet(d.toNanos());
    }
  }
}
