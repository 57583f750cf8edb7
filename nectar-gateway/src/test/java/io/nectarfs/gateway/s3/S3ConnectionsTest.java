package io.nectarfs.gateway.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** Connections: keep-alive, the idle timeout mid-upload, a client gone mid-upload, many idle clients. */
class S3ConnectionsTest {
  private static void await(BooleanSupplier cond, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!cond.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  private static String partialPut(int port, String key) {
    return "PUT /bkt/" + key + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: " + GatewayFixture.AUTH_RW
        + "\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(1000);
  }

  @Test
  void aStalledUploadIsCutByTheIdleTimeoutAndLeavesNothing() throws Exception {
    try (GatewayFixture f = new GatewayFixture(500)) {
      assertThat(f.send("PUT", "/bkt", null).statusCode()).isEqualTo(200);
      try (Socket s = new Socket("127.0.0.1", f.gateway.port())) {
        s.setSoTimeout(60_000);
        OutputStream o = s.getOutputStream();
        o.write(partialPut(f.gateway.port(), "stalled").getBytes(StandardCharsets.UTF_8));
        o.flush();
        // the client sends nothing more: the gateway must close the connection (an answer, if any, then EOF)
        InputStream in = s.getInputStream();
        in.readAllBytes();
      }
      await(() -> f.store.failedPuts.get() == 1, "the stalled PUT failed");
      assertThat(f.send("HEAD", "/bkt/stalled", null).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void aSlowOperationIsNotCutByTheIdleTimeout() throws Exception {
    // a complete of many parts may take longer than the idle timeout while nothing moves on the wire
    try (GatewayFixture f = new GatewayFixture(300)) {
      assertThat(f.send("PUT", "/bkt", null).statusCode()).isEqualTo(200);
      String id = GatewayFixture.text(f.send("POST", "/bkt/slow?uploads", null)).replaceAll("(?s).*<UploadId>(.*)</UploadId>.*", "$1");
      String e1 = f.send("PUT", "/bkt/slow?partNumber=1&uploadId=" + id, "abc".getBytes()).headers().firstValue("ETag").orElseThrow();
      f.store.completeDelayMillis = 1500;
      String done = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + e1 + "</ETag></Part></CompleteMultipartUpload>";
      HttpResponse<byte[]> r = f.send("POST", "/bkt/slow?uploadId=" + id, done.getBytes());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(GatewayFixture.text(r)).contains("<CompleteMultipartUploadResult");
    }
  }

  @Test
  void aClientGoneMidUploadLeavesNothing() throws Exception {
    try (GatewayFixture f = new GatewayFixture()) {
      assertThat(f.send("PUT", "/bkt", null).statusCode()).isEqualTo(200);
      try (Socket s = new Socket("127.0.0.1", f.gateway.port())) {
        s.getOutputStream().write(partialPut(f.gateway.port(), "gone").getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        await(() -> f.metrics.latencies("nectar_s3_request").size() >= 1, "the bucket request was recorded");
      }
      await(() -> f.store.failedPuts.get() == 1, "the broken PUT failed");
      assertThat(f.send("HEAD", "/bkt/gone", null).statusCode()).isEqualTo(404);
      assertThat(f.send("GET", "/bkt?list-type=2", null).body()).asString(StandardCharsets.UTF_8).contains("<KeyCount>0</KeyCount>");
    }
  }

  /** The head of the next answer on {@code in} (through the empty line), or what came before EOF. */
  private static String head(InputStream in) throws java.io.IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }

  @Test
  void anErrorBeforeTheBodyWasRead_eitherSaysCloseOrAnswersTheNextRequest() throws Exception {
    int body = 8 << 20; // more than the socket buffers hold: the gateway must read or drop it to go on
    try (GatewayFixture f = new GatewayFixture(); Socket s = new Socket("127.0.0.1", f.gateway.port())) {
      s.setSoTimeout(60_000);
      int port = f.gateway.port();
      String put = "PUT /nobucket/k HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: " + GatewayFixture.AUTH_RW
          + "\r\nContent-Length: " + body + "\r\n\r\n" + "x".repeat(body);
      OutputStream o = s.getOutputStream();
      Thread writer = Thread.ofVirtual().start(() -> {
        try {
          o.write(put.getBytes(StandardCharsets.UTF_8));
          o.flush();
        } catch (java.io.IOException e) {
          // the gateway closed its side: allowed when its answer said so
        }
      });
      InputStream in = s.getInputStream();
      String first = head(in);
      assertThat(first).startsWith("HTTP/1.1 404");
      in.readNBytes(Integer.parseInt(first.replaceAll("(?is).*\r\ncontent-length: *([0-9]+).*", "$1")));
      writer.join();
      if (first.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close")) {
        return; // told: the client opens a new connection
      }
      o.write(("HEAD / HTTP/1.1\r\nHost: x\r\nAuthorization: " + GatewayFixture.AUTH_RW + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      o.flush();
      assertThat(head(in)).as("the answer to the next request on the kept connection").startsWith("HTTP/1.1 ");
    }
  }

  @Test
  void keepAliveServesManyRequestsOnOneConnection() throws Exception {
    try (GatewayFixture f = new GatewayFixture(); Socket s = new Socket("127.0.0.1", f.gateway.port())) {
      s.setSoTimeout(60_000);
      String req = "HEAD / HTTP/1.1\r\nHost: x\r\nAuthorization: " + GatewayFixture.AUTH_RW + "\r\n\r\n";
      OutputStream o = s.getOutputStream();
      InputStream in = s.getInputStream();
      for (int i = 0; i < 20; i++) {
        o.write(req.getBytes(StandardCharsets.UTF_8));
        o.flush();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
          int b = in.read();
          assertThat(b).isNotNegative();
          head.append((char) b);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 405");
      }
    }
  }

  /**
   * Thousands of idle connections cost no thread each: the gateway's platform threads stay within its pool's bound and a new
   * request is served at once. (4000 here: the test holds both ends within one process's file
   * limit; the RSS with 10,000 connections from another process is measured by hand, see the report.)
   */
  @Test
  void idleConnectionsCostNoThreads() throws Exception {
    int n = 4000;
    List<Socket> sockets = new ArrayList<>(n);
    try (GatewayFixture f = new GatewayFixture()) {
      assertThat(f.send("PUT", "/bkt", null).statusCode()).isEqualTo(200);
      int before = ManagementFactory.getThreadMXBean().getThreadCount();
      try {
        for (int i = 0; i < n; i++) {
          sockets.add(new Socket("127.0.0.1", f.gateway.port()));
        }
        HttpResponse<byte[]> r = f.send("GET", "/bkt?list-type=2", null);
        assertThat(r.statusCode()).isEqualTo(200);
        int during = ManagementFactory.getThreadMXBean().getThreadCount();
        String names = Thread.getAllStackTraces().keySet().stream().map(t -> t.getName().replaceAll("[0-9]+", "N"))
            .collect(java.util.stream.Collectors.groupingBy(x -> x, java.util.stream.Collectors.counting())).toString();
        assertThat(during - before).as("platform threads added by %d idle connections: %s", n, names).isLessThanOrEqualTo(S3Gateway.MAX_PLATFORM_THREADS);
      } finally {
        for (Socket s : sockets) {
          s.close();
        }
      }
    }
  }
}
