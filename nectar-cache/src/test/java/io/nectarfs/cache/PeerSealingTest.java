package io.nectarfs.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Metrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Frames after the handshake are encrypted and authenticated: seen through a relay that records and alters the stream. */
class PeerSealingTest {
  static final int BLOCK = 1 << 20;
  /** HELLO (4 + 5 + 4 + 32) and AUTH_OK (4 + 5 + 32): what the server sends before sealing. */
  static final int HANDSHAKE_FROM_SERVER = 45 + 41;

  final MemProvider provider = new MemProvider();
  final byte[] block = new byte[BLOCK];
  NettyPeerServer server;
  Relay relay;

  @BeforeEach
  void setUp() throws IOException {
    new Random(7).nextBytes(block);
    provider.store.put(PeerProtocolTest.key(), block);
    server = NettyPeerServer.start(PeerProtocolTest.ANY, PeerProtocolTest.KEY, provider, Metrics.create());
    relay = new Relay(server.port());
  }

  @AfterEach
  void tearDown() throws IOException {
    relay.close();
    server.close();
  }

  PeerClient client() {
    return PeerClient.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), relay.port()), PeerProtocolTest.KEY,
        PeerClient.Options.DEFAULT.withTimeout(Duration.ofSeconds(60)).withConnections(1), Metrics.create());
  }

  @Test
  void blocksNeverCrossTheWireInClear() throws Exception {
    try (PeerClient c = client()) {
      assertThat(c.get(Ctx.ROOT, PeerProtocolTest.key(), BLOCK, 0, BLOCK)).isEqualTo(block);
      assertThat(c.get(Ctx.ROOT, PeerProtocolTest.key(), BLOCK, 4096, 4096)).isEqualTo(Arrays.copyOfRange(block, 4096, 8192));
    }
    byte[] seen = relay.fromServer();
    assertThat(seen.length).as("the answers went through the relay").isGreaterThan(BLOCK);
    for (int at : new int[] {0, 4096, BLOCK / 2, BLOCK - 64}) {
      assertThat(indexOf(seen, Arrays.copyOfRange(block, at, at + 32))).as("32 bytes of the block at %d in the stream", at).isEqualTo(-1);
    }
    assertThat(indexOf(relay.fromClient(), PeerProtocolTest.key().getBytes())).as("the block key in the requests").isEqualTo(-1);
  }

  @Test
  void anAlteredAnswerFailsTheCallNeverReturnsWrongBytes_andTheNextConnectionServes() throws Exception {
    relay.flipServerByteAt = HANDSHAKE_FROM_SERVER + 1000; // inside the first DATA frame
    try (PeerClient c = client()) {
      assertThatThrownBy(() -> c.get(Ctx.ROOT, PeerProtocolTest.key(), BLOCK, 0, BLOCK))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isIn(Errno.EIO, Errno.EPROTO));
      assertThat(c.get(Ctx.ROOT, PeerProtocolTest.key(), BLOCK, 0, BLOCK)).isEqualTo(block);
    }
    assertThat(relay.connections.get()).isEqualTo(2);
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** A TCP relay to the server that records both directions and can flip one byte of the first connection's answers. */
  static final class Relay implements AutoCloseable {
    private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final int target;
    private final ByteArrayOutputStream toClient = new ByteArrayOutputStream();
    private final ByteArrayOutputStream toServer = new ByteArrayOutputStream();
    final AtomicInteger connections = new AtomicInteger();
    volatile long flipServerByteAt = -1;

    Relay(int target) throws IOException {
      this.target = target;
      Thread.ofVirtual().start(this::accept);
    }

    int port() {
      return listener.getLocalPort();
    }

    synchronized byte[] fromServer() {
      return toClient.toByteArray();
    }

    synchronized byte[] fromClient() {
      return toServer.toByteArray();
    }

    private void accept() {
      try {
        while (true) {
          Socket in = listener.accept();
          Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
          boolean first = connections.incrementAndGet() == 1;
          Thread.ofVirtual().start(() -> pump(in, out, toServer, -1));
          Thread.ofVirtual().start(() -> pump(out, in, toClient, first ? flipServerByteAt : -1));
        }
      } catch (IOException e) {
        // closed
      }
    }

    private void pump(Socket from, Socket to, ByteArrayOutputStream record, long flipAt) {
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        byte[] buf = new byte[64 << 10];
        long pos = 0;
        for (int n; (n = in.read(buf)) > 0; pos += n) {
          if (flipAt >= pos && flipAt < pos + n) {
            buf[(int) (flipAt - pos)] ^= 0x01;
          }
          synchronized (this) {
            record.write(buf, 0, n);
          }
          out.write(buf, 0, n);
        }
      } catch (IOException e) {
        // one side closed
      } finally {
        try {
          from.close();
          to.close();
        } catch (IOException e) {
          // closing
        }
      }
    }

    @Override
    public void close() throws IOException {
      listener.close();
    }
  }
}
