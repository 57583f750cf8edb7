package io.nectarfs.object.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import io.nectarfs.common.Secrets;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.TransientStoreException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How answers a real S3 server rarely gives on demand (throttling, 5xx, silence) are classified.
 * The "servers" here are tiny real HTTP servers on 127.0.0.1, not mocks of the client.
 */
class S3ErrorClassificationTest {
  private static final Secrets NO_ENV = new Secrets(Map.of());

  private static ObjectStore open(int port, String query) throws IOException {
    return new S3StoreProvider().open("http://AK:SECRETKEY1234@127.0.0.1:" + port + "/bucket" + query, NO_ENV);
  }

  /** Serves every request with the given status and S3 error code. */
  private static HttpServer answering(int status, String code) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>try\nlater</Message>"
          + "<RequestId>1</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/xml");
      if (ex.getRequestMethod().equals("HEAD")) {
        ex.sendResponseHeaders(status, -1);
      } else {
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
      }
      ex.close();
    });
    server.start();
    return server;
  }

  @Test
  void throttlingAnd5xx_areTransientOneLiners() throws IOException {
    for (var c : List.of(Map.entry(503, "SlowDown"), Map.entry(500, "InternalError"), Map.entry(502, "BadGateway"), Map.entry(504, "GatewayTimeout"))) {
      HttpServer server = answering(c.getKey(), c.getValue());
      try (ObjectStore s = open(server.getAddress().getPort(), "")) {
        for (Throwable t : List.of(catchThrowable(() -> s.put("k", new byte[5])), catchThrowable(() -> s.getBytes("k")), catchThrowable(() -> s.list("", "", "", 5)))) {
          assertThat(t).as("%s", c).isInstanceOf(TransientStoreException.class).hasMessageContaining(c.getValue())
              .hasMessageNotContaining("\n").hasMessageNotContaining("SECRETKEY1234");
        }
      } finally {
        server.stop(0);
      }
    }
  }

  /** A full store or an exceeded quota is ENOSPC for the writer, and the retry layer does not retry it. */
  @Test
  void storageFullAndQuota_areEnospc_andNotRetried() throws IOException {
    for (var c : List.of(Map.entry(507, "InsufficientStorage"), Map.entry(403, "QuotaExceeded"), Map.entry(400, "EntityTooLarge"),
        Map.entry(507, "XMinioStorageFull"))) {
      java.util.concurrent.atomic.AtomicInteger puts = new java.util.concurrent.atomic.AtomicInteger();
      HttpServer server = answering(c.getKey(), c.getValue());
      server.createContext("/bucket/vol/", ex -> {
        puts.incrementAndGet();
        ex.getRequestBody().readAllBytes();
        byte[] body = ("<Error><Code>" + c.getValue() + "</Code><Message>full</Message></Error>").getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(c.getKey(), body.length);
        ex.getResponseBody().write(body);
        ex.close();
      });
      String url = "http://AK:SECRETKEY1234@127.0.0.1:" + server.getAddress().getPort() + "/bucket";
      try (ObjectStore s = io.nectarfs.object.ObjectStores.registry().open(url,
          io.nectarfs.object.StoreOptions.defaults().withPrefix("vol/"), NO_ENV)) {
        Throwable t = catchThrowable(() -> s.put("k", new byte[5]));
        assertThat(t).as("%s", c).isInstanceOf(io.nectarfs.common.FsException.class).hasMessageContaining(c.getValue())
            .hasMessageNotContaining("\n").hasMessageNotContaining("SECRETKEY1234");
        assertThat(io.nectarfs.common.Errno.of(t)).isEqualTo(io.nectarfs.common.Errno.ENOSPC);
        assertThat(puts.get()).as("attempts for %s", c).isEqualTo(1);
      } finally {
        server.stop(0);
      }
    }
  }

  @Test
  void notFoundWithoutCode_isNoSuchFile_butOther4xxArePermanent() throws IOException {
    HttpServer notFound = answering(404, "NoSuchKey");
    HttpServer badRequest = answering(400, "InvalidArgument");
    try (ObjectStore a = open(notFound.getAddress().getPort(), ""); ObjectStore b = open(badRequest.getAddress().getPort(), "")) {
      assertThat(catchThrowable(() -> a.head("dir/k"))).isInstanceOf(NoSuchFileException.class).hasMessage("dir/k");
      Throwable t = catchThrowable(() -> b.put("k", new byte[1]));
      assertThat(t).isInstanceOf(IOException.class).isNotInstanceOf(TransientStoreException.class).hasMessageContaining("InvalidArgument");
    } finally {
      notFound.stop(0);
      badRequest.stop(0);
    }
  }

  @Test
  void silentServer_timesOutAsTransient() throws Exception {
    List<Socket> accepted = new ArrayList<>();
    try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = Thread.ofVirtual().start(() -> {
        try {
          while (true) {
            Socket sock = ss.accept(); // accept, read nothing, answer nothing
            synchronized (accepted) {
              accepted.add(sock);
            }
          }
        } catch (IOException closed) {
          // test over
        }
      });
      try (ObjectStore s = open(ss.getLocalPort(), "?request-timeout=1s")) {
        long t0 = System.nanoTime();
        Throwable t = catchThrowable(() -> s.getBytes("k"));
        assertThat(t).isInstanceOf(TransientStoreException.class).hasMessageContaining("timed out").hasMessageNotContaining("\n");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(15_000);
      } finally {
        ss.close();
        acceptor.join();
        synchronized (accepted) {
          for (Socket sock : accepted) {
            sock.close();
          }
        }
      }
    }
  }
}
