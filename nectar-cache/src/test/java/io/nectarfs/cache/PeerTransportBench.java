package io.nectarfs.cache;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Metrics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The measurement behind the peer protocol's library (docs/decisions.md): Netty (this module's
 * {@link PeerServer}/{@link PeerClient}, handshake and CRC32C included) against grpc-java (a bare
 * unary byte[] service on grpc-netty-shaded, as nectar-csi uses), both serving 4 MiB blocks from
 * memory on 127.0.0.1: throughput of whole-block fetches at 1 and 16 concurrent streams, and the
 * latency of 4 KiB range fetches. Not run by CI:
 *
 * <pre>mvn -B -o test -pl nectar-cache -Dtest=PeerTransportBench -Dnectar.bench=true</pre>
 */
@Tag("bench")
@EnabledIfSystemProperty(named = "nectar.bench", matches = "true")
class PeerTransportBench {
  static final int BLOCK = 4 << 20;
  static final int BLOCKS = 16;
  static final long SECONDS = Long.getLong("nectar.bench.seconds", 4);
  static final byte[][] DATA = new byte[BLOCKS][];

  static {
    Random r = new Random(1);
    for (int i = 0; i < BLOCKS; i++) {
      DATA[i] = new byte[BLOCK];
      r.nextBytes(DATA[i]);
    }
  }

  /** Fetches {@code len} bytes at {@code off} of block {@code i}. */
  interface Fetcher {
    byte[] get(int i, int off, int len) throws IOException;
  }

  @Test
  void compare() throws Exception {
    System.out.printf("transport comparison: %d s per phase, 4 MiB blocks, netty transport %s, %d cores%n", SECONDS, Transport.name(),
        Runtime.getRuntime().availableProcessors());
    for (int round = 1; round <= 2; round++) {
      try (NettyTarget n = new NettyTarget()) {
        report("netty round " + round, n.fetcher);
      }
      try (GrpcTarget g = new GrpcTarget()) {
        report("grpc  round " + round, g::get);
      }
    }
  }

  private static void report(String name, Fetcher f) throws Exception {
    throughput(f, 1, 1); // warm-up
    latency(f, 500);
    double one = throughput(f, 1, SECONDS);
    double sixteen = throughput(f, 16, SECONDS);
    long[] lat = latency(f, 3000);
    System.out.printf("%s: 1 stream %.0f MiB/s, 16 streams %.0f MiB/s, 4 KiB range p50 %d us, p99 %d us%n", name, one, sixteen, lat[0] / 1000, lat[1] / 1000);
  }

  /** MiB/s of whole-block fetches by {@code streams} threads for {@code seconds}. */
  private static double throughput(Fetcher f, int streams, long seconds) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    AtomicInteger blocks = new AtomicInteger();
    long t0 = System.nanoTime();
    try (ExecutorService ex = Executors.newFixedThreadPool(streams)) {
      List<Future<?>> all = new ArrayList<>();
      for (int s = 0; s < streams; s++) {
        int seed = s;
        all.add(ex.submit(() -> {
          int i = seed;
          while (System.nanoTime() < end) {
            byte[] b = f.get(i % BLOCKS, 0, BLOCK);
            if (b.length != BLOCK) {
              throw new IllegalStateException("short block");
            }
            blocks.incrementAndGet();
            i++;
          }
          return null;
        }));
      }
      for (Future<?> x : all) {
        x.get();
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    return blocks.get() * (double) BLOCK / (1 << 20) / secs;
  }

  /** p50 and p99 in nanoseconds of {@code n} sequential 4 KiB range fetches. */
  private static long[] latency(Fetcher f, int n) throws IOException {
    long[] t = new long[n];
    Random r = new Random(2);
    for (int k = 0; k < n; k++) {
      int i = r.nextInt(BLOCKS);
      int off = r.nextInt(BLOCK / 4096) * 4096;
      long t0 = System.nanoTime();
      byte[] b = f.get(i, off, 4096);
      t[k] = System.nanoTime() - t0;
      if (!Arrays.equals(b, 0, 4096, DATA[i], off, off + 4096)) {
        throw new IllegalStateException("wrong bytes");
      }
    }
    Arrays.sort(t);
    return new long[] {t[n / 2], t[n * 99 / 100]};
  }

  /** Our PeerServer and PeerClient. */
  static final class NettyTarget implements AutoCloseable {
    final PeerServer server;
    final PeerClient client;
    final Fetcher fetcher;

    NettyTarget() throws IOException {
      GroupKey key = GroupKeyTest.key(GroupKeyTest.VOLUME, "bench", "token");
      server = PeerServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), key, new BlockProvider() {
        @Override
        public byte[] read(Ctx ctx, String k, int blockLen, int off, int len) {
          byte[] b = DATA[Integer.parseInt(k)];
          return off == 0 && len == b.length ? b : Arrays.copyOfRange(b, off, off + len);
        }

        @Override
        public boolean has(String k, int blockLen) {
          return true;
        }

        @Override
        public void warm(Ctx ctx, String k, int blockLen) {}

        @Override
        public void keep(Ctx ctx, String k, int blockLen, byte[] block) {}

        @Override
        public boolean evict(String k, int blockLen) {
          return false;
        }

        @Override
        public Stats stats() {
          return new Stats(BLOCKS, (long) BLOCKS * BLOCK, 0);
        }
      }, Metrics.create());
      client = PeerClient.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), key, PeerClient.Options.DEFAULT, Metrics.create());
      fetcher = (i, off, len) -> client.get(Ctx.ROOT, Integer.toString(i), BLOCK, off, len);
    }

    @Override
    public void close() {
      client.close();
      server.close();
    }
  }

  /** grpc-java with a byte[] marshaller: request = block, off, len (12 bytes), answer = the bytes. */
  static final class GrpcTarget implements AutoCloseable {
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
      }

      @Override
      public byte[] parse(InputStream stream) {
        try {
          return stream.readAllBytes();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
    static final MethodDescriptor<byte[], byte[]> GET = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("nectar.bench.Peer/Get")
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();

    final Server server;
    final ManagedChannel[] channels = new ManagedChannel[2];
    final AtomicInteger next = new AtomicInteger();

    GrpcTarget() throws IOException {
      ServerServiceDefinition svc = ServerServiceDefinition.builder("nectar.bench.Peer")
          .addMethod(GET, ServerCalls.asyncUnaryCall((req, out) -> {
            ByteBuffer b = ByteBuffer.wrap(req);
            byte[] d = DATA[b.getInt()];
            int off = b.getInt();
            int len = b.getInt();
            out.onNext(off == 0 && len == d.length ? d : Arrays.copyOfRange(d, off, off + len));
            out.onCompleted();
          }))
          .build();
      server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .addService(svc)
          .flowControlWindow(8 << 20)
          .maxInboundMessageSize(16 << 20)
          .build()
          .start();
      for (int i = 0; i < channels.length; i++) {
        channels[i] = NettyChannelBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort()))
            .usePlaintext()
            .flowControlWindow(8 << 20)
            .maxInboundMessageSize(16 << 20)
            .build();
      }
    }

    byte[] get(int i, int off, int len) {
      byte[] req = ByteBuffer.allocate(12).putInt(i).putInt(off).putInt(len).array();
      ManagedChannel ch = channels[Math.floorMod(next.getAndIncrement(), channels.length)];
      return ClientCalls.blockingUnaryCall(ch, GET, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), req);
    }

    @Override
    public void close() throws InterruptedException {
      for (ManagedChannel c : channels) {
        c.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
