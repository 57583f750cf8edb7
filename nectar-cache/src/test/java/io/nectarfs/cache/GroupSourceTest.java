package io.nectarfs.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Metrics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reader's side of the group: which member it asks, and when it stops asking one. */
class GroupSourceTest {
  static final String KEY = PeerProtocolTest.key();
  static final int LEN = PeerProtocolTest.BLOCK;

  final MemProvider provider = new MemProvider();
  final PeerProtocolTest.ManualClock clock = new PeerProtocolTest.ManualClock();
  final Metrics metrics = Metrics.create();
  final byte[] block = new byte[LEN];
  NettyPeerServer server;
  GroupSource source;
  Member peer;

  @BeforeEach
  void setUp() throws IOException {
    new Random(3).nextBytes(block);
    provider.store.put(KEY, block);
    server = NettyPeerServer.start(PeerProtocolTest.ANY, PeerProtocolTest.KEY, provider, Metrics.create());
    peer = new Member("127.0.0.1:" + server.port(), "127.0.0.1", server.port(), 1, 0);
    source = new GroupSource(Duration.ofSeconds(60), clock, metrics);
  }

  @AfterEach
  void tearDown() {
    source.close();
    server.close();
  }

  @Test
  void beforeTheGroupIsKnown_andForItsOwnBlocks_theSourceAnswersNothing() throws IOException {
    assertThat(source.fetch(Ctx.ROOT, KEY, LEN, 0, LEN)).as("not started").isNull();
    source.update(List.of(peer), peer.id(), PeerProtocolTest.KEY);
    assertThat(source.fetch(Ctx.ROOT, KEY, LEN, 0, LEN)).as("this member owns every block").isNull();
    assertThat(provider.cached).isEmpty();
    source.update(List.of(peer), null, PeerProtocolTest.KEY);
    assertThat(source.fetch(Ctx.ROOT, KEY, LEN, 10, 100)).isEqualTo(java.util.Arrays.copyOfRange(block, 10, 110));
  }

  @Test
  void aMemberThatCannotBeReached_isLeftAloneForAWhile_thenAskedAgain() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dead = s.getLocalPort(); // closed: connections are refused
    }
    Member gone = new Member("127.0.0.1:" + dead, "127.0.0.1", dead, 1, 0);
    source.update(List.of(gone), null, PeerProtocolTest.KEY);
    assertThatThrownBy(() -> source.fetch(Ctx.ROOT, KEY, LEN, 0, LEN))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ECONNREFUSED));
    assertThat(source.suspect(gone.id())).isTrue();
    assertThat(source.fetch(Ctx.ROOT, KEY, LEN, 0, LEN)).as("suspect: not asked").isNull();
    assertThat(metrics.registry().get("nectar_cache_peer_suspect_skips").tag("peer", gone.id()).counter().count()).isEqualTo(1);
    clock.advance(GroupSource.SUSPECT.plusSeconds(1));
    assertThat(source.suspect(gone.id())).isFalse();
    assertThatThrownBy(() -> source.fetch(Ctx.ROOT, KEY, LEN, 0, LEN)).as("asked again").isInstanceOf(FsException.class);
  }

  @Test
  void anAnswerAboutTheBlock_leavesTheMemberTrusted() throws IOException {
    source.update(List.of(peer), null, PeerProtocolTest.KEY);
    String missing = "vol/chunks/0/0/9_0_" + LEN;
    assertThatThrownBy(() -> source.fetch(Ctx.ROOT, missing, LEN, 0, LEN))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
    assertThat(source.suspect(peer.id())).isFalse();
    assertThat(source.fetch(Ctx.ROOT, KEY, LEN, 0, 4)).isEqualTo(java.util.Arrays.copyOf(block, 4));
  }

  @Test
  void aMemberThatLeaves_isNoLongerAsked_andItsClientIsClosed() throws IOException {
    source.update(List.of(peer), null, PeerProtocolTest.KEY);
    PeerClient c = source.client(peer);
    assertThat(source.fetch(Ctx.ROOT, KEY, LEN, 0, 4)).isNotNull();
    source.update(List.of(), null, PeerProtocolTest.KEY);
    assertThat(source.fetch(Ctx.ROOT, KEY, LEN, 0, 4)).isNull();
    assertThatThrownBy(() -> c.get(Ctx.ROOT, KEY, LEN, 0, 4)).isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
  }
}
