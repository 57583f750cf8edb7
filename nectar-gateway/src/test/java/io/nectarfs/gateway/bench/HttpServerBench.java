package io.nectarfs.gateway.bench;

import io.helidon.webserver.WebServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The measurement that chose the HTTP server library of nectar-gateway (docs/decisions.md): the
 * same three endpoints on Jetty 12 core handlers and on Helidon SE 4 (both on virtual threads,
 * both with blocking streams in 64 KiB pieces, as the gateway's handlers work), driven by the
 * JDK HTTP client over keep-alive connections: 4 MiB GET, 4 MiB PUT, and a tiny GET.
 *
 * <p>Run: {@code java -cp <test classpath> io.nectarfs.gateway.bench.HttpServerBench [seconds]
 * [threads]}. Not a test: it asserts nothing and prints one line per cell.
 */
public final class HttpServerBench {
  private static final int BIG = 4 << 20;
  private static final int PIECE = 64 << 10;
  private static final byte[] DATA = new byte[BIG];

  private HttpServerBench() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    new java.util.Random(1).nextBytes(DATA);
    for (String lib : List.of("jetty", "helidon", "jetty", "helidon")) {
      AutoCloseable server;
      int port;
      if (lib.equals("jetty")) {
        Server s = jetty();
        server = s::stop;
        port = ((ServerConnector) s.getConnectors()[0]).getLocalPort();
      } else {
        WebServer s = helidon();
        server = s::stop;
        port = s.port();
      }
      try {
        run(lib, port, seconds, threads);
      } finally {
        server.close();
      }
    }
  }

  private static void run(String lib, int port, int seconds, int threads) throws Exception {
    String base = "http://127.0.0.1:" + port;
    double get = cell(threads, seconds, c -> {
      HttpResponse<InputStream> r = c.send(HttpRequest.newBuilder(URI.create(base + "/big")).build(), HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = r.body()) {
        return in.transferTo(OutputStream.nullOutputStream());
      }
    });
    double put = cell(threads, seconds, c -> {
      c.send(HttpRequest.newBuilder(URI.create(base + "/big")).PUT(HttpRequest.BodyPublishers.ofByteArray(DATA)).build(),
          HttpResponse.BodyHandlers.discarding());
      return BIG;
    });
    double small = cell(threads, seconds, c -> {
      c.send(HttpRequest.newBuilder(URI.create(base + "/small")).build(), HttpResponse.BodyHandlers.ofByteArray());
      return 1;
    });
    System.out.printf("%-8s threads=%d  GET 4MiB %.0f MiB/s  PUT 4MiB %.0f MiB/s  small GET %.0f req/s%n",
        lib, threads, get / (1 << 20), put / (1 << 20), small);
  }

  interface Call {
    long run(HttpClient c) throws Exception;
  }

  /** Units per second over {@code seconds} after one second of warm-up, {@code threads} clients. */
  private static double cell(int threads, int seconds, Call call) throws Exception {
    AtomicLong units = new AtomicLong();
    List<Thread> ts = new ArrayList<>();
    long warm = System.nanoTime() + Duration.ofSeconds(1).toNanos();
    long end = warm + Duration.ofSeconds(seconds).toNanos();
    for (int i = 0; i < threads; i++) {
      Thread t = Thread.ofPlatform().start(() -> {
        try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Executors.newSingleThreadExecutor()).build()) {
          while (true) {
            long now = System.nanoTime();
            if (now >= end) {
              break;
            }
            long u = call.run(c);
            if (now >= warm) {
              units.addAndGet(u);
            }
          }
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      ts.add(t);
    }
    for (Thread t : ts) {
      t.join();
    }
    return units.get() / (double) seconds;
  }

  private static Server jetty() throws Exception {
    QueuedThreadPool pool = new QueuedThreadPool();
    pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
    Server server = new Server(pool);
    ServerConnector conn = new ServerConnector(server);
    conn.setHost("127.0.0.1");
    conn.setPort(0);
    server.addConnector(conn);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        if (path.equals("/big") && request.getMethod().equals("GET")) {
          response.getHeaders().put("Content-Length", BIG);
          try (OutputStream out = Content.Sink.asOutputStream(response)) {
            for (int off = 0; off < BIG; off += PIECE) {
              out.write(DATA, off, PIECE);
            }
          }
        } else if (path.equals("/big")) {
          try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] b = new byte[PIECE];
            while (in.read(b) >= 0) {
              // discard
            }
          }
          response.setStatus(204);
        } else {
          response.getHeaders().put("Content-Length", 2);
          try (OutputStream out = Content.Sink.asOutputStream(response)) {
            out.write("ok".getBytes());
          }
        }
        callback.succeeded();
        return true;
      }
    });
    server.start();
    return server;
  }

  private static WebServer helidon() {
    return WebServer.builder().host("127.0.0.1").port(0).routing(r -> r
        .get("/big", (req, res) -> {
          res.header("Content-Length", Integer.toString(BIG));
          try (OutputStream out = res.outputStream()) {
            for (int off = 0; off < BIG; off += PIECE) {
              out.write(DATA, off, PIECE);
            }
          }
        })
        .put("/big", (req, res) -> {
          try (InputStream in = req.content().inputStream()) {
            byte[] b = new byte[PIECE];
            while (in.read(b) >= 0) {
              // discard
            }
          }
          res.status(204).send();
        })
        .get("/small", (req, res) -> res.send("ok")))
        .build().start();
  }
}
