package io.nectarfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nectarfs.common.Names;
import io.nectarfs.fuse.wire.InitState;
import io.nectarfs.vfs.HandleTable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The encoding contract of {@link HandoverState}: everything round-trips, versions are checked. */
class HandoverStateTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A name that is not UTF-8 (byte 0xff), as {@link Names} carries it. */
  private static final String RAW_NAME = Names.decode(new byte[] {'n', (byte) 0xff, 'x'});

  static HandoverState sample() {
    InitState init = new InitState(7, 41, 45, 0x1_0000_0000L | 0x8000_0000L | 1, -1L, 1 << 20, 1 << 20, 256, 64, 48, 1);
    MountOptions opts = MountOptions.builder().volumeName("vol-a").allowOther(true).maxBackground(32).congestionThreshold(24)
        .attrTimeout(Duration.ofMillis(1500)).negativeTimeout(Duration.ofSeconds(3)).locks(true).writebackCache(true).build();
    HandleTable t = new HandleTable(42, 9, List.of(
        new HandleTable.File(1, 100, 02 | 02000),
        new HandleTable.Dir(2, 1, List.of(new HandleTable.Entry(".", 1, 4), new HandleTable.Entry("..", 1, 4),
            new HandleTable.Entry(RAW_NAME, 101, 8)), false, RAW_NAME),
        new HandleTable.Internal(5, 0x7fff_ffff_0000_0001L, "stats\n".getBytes(StandardCharsets.UTF_8)),
        new HandleTable.Control(8, "rmr /a".getBytes(StandardCharsets.UTF_8), new byte[] {0, 1, 2}, 17)));
    return new HandoverState("/mnt/" + RAW_NAME, init, opts, t);
  }

  /** Records with arrays compare by identity: compare the encodings of the parts instead. */
  private static void assertSame(HandoverState a, HandoverState b) {
    assertThat(b.mountpoint()).isEqualTo(a.mountpoint());
    assertThat(b.init()).isEqualTo(a.init());
    assertThat(b.options()).isEqualTo(a.options());
    assertThat(b.handles().sessionId()).isEqualTo(a.handles().sessionId());
    assertThat(b.handles().nextFh()).isEqualTo(a.handles().nextFh());
    assertThat(b.handles().handles()).usingRecursiveFieldByFieldElementComparator().isEqualTo(a.handles().handles());
  }

  @Test
  void everyPart_roundTrips_namesThatAreNotUtf8_included() throws IOException {
    HandoverState s = sample();
    HandoverState back = HandoverState.decode(s.encode());
    assertSame(s, back);
    assertThat(((HandleTable.Dir) back.handles().handles().get(1)).lastName()).isEqualTo(RAW_NAME);
    assertThat(back.session(new int[] {7, 8}).fds()).containsExactly(7, 8);
  }

  @Test
  void aNewerVersion_isRefusedWithAClearError() {
    assertThatThrownBy(() -> HandoverState.decode(sample().encode(HandoverState.VERSION + 1))).isInstanceOf(IOException.class)
        .hasMessage("handover state version " + (HandoverState.VERSION + 1) + " is newer than this build reads (up to "
            + HandoverState.VERSION + "): a takeover must go to the same or a newer build");
  }

  @Test
  void whatIsNotAState_isRefused() throws IOException {
    assertThatThrownBy(() -> HandoverState.decode("{not json".getBytes(StandardCharsets.UTF_8))).hasMessageStartingWith("not a NectarFS handover state");
    assertThatThrownBy(() -> HandoverState.decode("{\"format\":\"other\",\"version\":1}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageStartingWith("not a NectarFS handover state");
    ObjectNode o = (ObjectNode) JSON.readTree(sample().encode());
    ((ObjectNode) o.get("handles").get(0)).put("kind", "socket");
    assertThatThrownBy(() -> HandoverState.decode(JSON.writeValueAsBytes(o))).hasMessageContaining("unknown kind 'socket'");
    ObjectNode noSession = (ObjectNode) JSON.readTree(sample().encode());
    noSession.remove("session");
    assertThatThrownBy(() -> HandoverState.decode(JSON.writeValueAsBytes(noSession))).hasMessageContaining("no \"session\"");
    ObjectNode bad = (ObjectNode) JSON.readTree(sample().encode());
    ((ObjectNode) bad.get("options")).put("maxWrite", 1);
    assertThatThrownBy(() -> HandoverState.decode(JSON.writeValueAsBytes(bad))).hasMessageStartingWith("handover state has invalid mount options");
  }

  @Test
  void anOptionAnOlderBuildDidNotWrite_takesItsDefault() throws IOException {
    ObjectNode o = (ObjectNode) JSON.readTree(sample().encode());
    ((ObjectNode) o.get("options")).remove(List.of("passthrough", "negativeTimeoutNanos"));
    HandoverState back = HandoverState.decode(JSON.writeValueAsBytes(o));
    assertThat(back.options().negativeTimeout()).isEqualTo(MountOptions.defaults().negativeTimeout());
    assertThat(back.options().attrTimeout()).isEqualTo(Duration.ofMillis(1500));
  }

  /**
   * A version-1 document as this build wrote it, kept as a file: every later build must read it
   * (version N+1 takes over from N). Never regenerate it; add a file per new version.
   */
  @Test
  void theVersion1Document_staysReadable() throws IOException {
    byte[] v1;
    try (InputStream in = getClass().getResourceAsStream("/handover-state-v1.json")) {
      assertThat(in).as("test resource handover-state-v1.json").isNotNull();
      v1 = in.readAllBytes();
    }
    assertSame(sample(), HandoverState.decode(v1));
  }
}
