package io.nectarfs.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Metrics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Warm-up, check and eviction across members; a member done with its share takes over queued work of a busy one. */
class GroupBlocksTest {
  static final int LEN = 64 << 10;
  final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing.reversed()) {
      c.close();
    }
  }

  record Node(MemProvider provider, NettyPeerServer server, Member member) {}

  Node node(String name, double weight, List<PeerClient.Key> keys, List<byte[]> data) throws IOException {
    MemProvider p = new MemProvider();
    for (int i = 0; i < keys.size(); i++) {
      p.store.put(keys.get(i).key(), data.get(i)); // the shared object store, as each member sees it
    }
    NettyPeerServer s = NettyPeerServer.start(PeerProtocolTest.ANY, PeerProtocolTest.KEY, p, Metrics.create());
    closing.add(s);
    return new Node(p, s, new Member(name + ":" + s.port(), "127.0.0.1", s.port(), weight, 0));
  }

  GroupBlocks blocks(Node... nodes) {
    GroupSource source = new GroupSource(Duration.ofSeconds(60), io.nectarfs.common.Clock.SYSTEM, Metrics.create());
    closing.add(source::close);
    source.update(java.util.Arrays.stream(nodes).map(Node::member).toList(), null, PeerProtocolTest.KEY);
    return new GroupBlocks("g", source, PeerProtocolTest.KEY, Metrics.create());
  }

  @Test
  void anIdleMemberFetchesQueuedBlocksOfABusyOwner_whichKeepsThem() throws Exception {
    int n = 40;
    List<PeerClient.Key> keys = new ArrayList<>();
    List<byte[]> data = new ArrayList<>();
    Random r = new Random(9);
    for (int i = 0; i < n; i++) {
      keys.add(new PeerClient.Key("vol/chunks/0/0/" + i + "_0_" + LEN, LEN));
      byte[] b = new byte[LEN];
      r.nextBytes(b);
      data.add(b);
    }
    Node busy = node("busy", 1e6, keys, data); // owns every block
    Node idle = node("idle", 1e-6, keys, data);
    busy.provider().warmGate = new CountDownLatch(1); // its own fetches hang until released
    GroupBlocks g = blocks(busy, idle);
    AtomicLong reported = new AtomicLong();
    CompletableFuture<GroupBlocks.Result> warm = CompletableFuture.supplyAsync(() -> {
      try {
        return g.warm(Ctx.ROOT, keys, (blocks, bytes, failed) -> reported.addAndGet(blocks));
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    int ownInFlight = GroupBlocks.IN_FLIGHT * GroupBlocks.BATCH;
    // The busy member's workers hold at most their own batches; everything else is taken by the idle one.
    PeerProtocolTest.waitFor(() -> busy.provider().kept.size() >= n - ownInFlight, "the idle member fetched the rest of the busy one's share");
    busy.provider().warmGate.countDown();
    GroupBlocks.Result result = warm.get(60, TimeUnit.SECONDS);
    assertThat(result.ok()).isEqualTo(n);
    assertThat(result.failed()).isZero();
    assertThat(result.members()).containsOnlyKeys(busy.member().id());
    assertThat(reported.get()).isEqualTo(n);
    assertThat(busy.provider().cached).hasSize(n);
    for (int i = 0; i < n; i++) {
      byte[] kept = busy.provider().kept.get(keys.get(i).key());
      if (kept != null) {
        assertThat(kept).as("block %d as the idle member read it", i).isEqualTo(data.get(i));
      }
    }
    assertThat(g.check(Ctx.ROOT, keys, (b, bytes, f) -> {}).ok()).isEqualTo(n);
    assertThat(g.evict(Ctx.ROOT, keys, (b, bytes, f) -> {}).ok()).isEqualTo(n);
    assertThat(g.check(Ctx.ROOT, keys, (b, bytes, f) -> {}).ok()).isZero();
  }

  @Test
  void aMemberThatIsDown_failsItsShare_theOthersAreWarmed() throws Exception {
    List<PeerClient.Key> keys = new ArrayList<>();
    List<byte[]> data = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      keys.add(new PeerClient.Key("vol/chunks/0/0/" + i + "_0_" + LEN, LEN));
      data.add(new byte[LEN]);
    }
    Node up = node("up", 1, keys, data);
    Node down = node("down", 1, keys, data);
    down.server().kill();
    GroupBlocks.Result r = blocks(up, down).warm(Ctx.ROOT, keys, (b, bytes, f) -> {});
    GroupBlocks.Share mine = r.members().get(up.member().id());
    GroupBlocks.Share theirs = r.members().get(down.member().id());
    assertThat(mine.ok()).isEqualTo(mine.blocks()).isPositive();
    assertThat(theirs.ok()).isZero();
    assertThat(theirs.failed()).isEqualTo(theirs.blocks()).isPositive();
    assertThat(theirs.error()).isNotBlank();
    assertThat(r.ok() + r.failed()).isEqualTo(keys.size());
  }
}
