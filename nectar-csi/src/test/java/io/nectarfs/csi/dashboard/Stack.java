package io.nectarfs.csi.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventListBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import io.nectarfs.csi.pod.MountPods;

/**
 * One running dashboard for a test class: the fabric8 mock API server (CRUD, plus expectations for
 * the mount pods' logs, events and the kubelets' stats summaries ({@link FakeKubelet}), which CRUD
 * mode does not serve) holding the {@link FakeCluster}, a {@link
 * TcpProxy} in front of it that the dashboard's client goes through, two fake mount metrics
 * endpoints, and the dashboard with an actions token and a recording exec. Every response the
 * tests read is kept in {@link #seen}, for the secret scan.
 */
final class Stack implements AutoCloseable {
  static final String TOKEN = "test-actions-token-0123456789";
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CRASH_LOG = """
      2026-12-01T10:00:00Z INFO nectar mount starting: %s -> /var/lib/nectarfs/mounts/nectar-shop
      2026-12-01T10:00:01Z ERROR cannot open volume shop: storage check failed: access denied with secret-key=%s
      2026-12-01T10:00:01Z INFO exiting with status 1
      """.formatted(FakeCluster.META_URL, FakeCluster.STORAGE_KEY);

  static final String HEALTHY_LOG = """
      2026-12-01T09:00:00Z INFO nectar mount starting: %s -> /var/lib/nectarfs/mounts/nectar-shop
      2026-12-01T09:00:02Z INFO mounted volume shop (storage s3://bucket/shop?secret-key=%s)
      """.formatted(FakeCluster.META_URL, FakeCluster.STORAGE_KEY);

  final KubernetesMockServer api;
  final KubernetesClient admin;
  final TcpProxy proxy;
  final KubernetesClient client;
  final HttpServer metrics;
  final HttpServer peerFailing;
  final DashboardServer dashboard;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  final List<String> seen = new CopyOnWriteArrayList<>();
  final List<List<String>> execs = new CopyOnWriteArrayList<>();
  /** The annotations the upgrade action set: namespace, pod, key, value. */
  final List<List<String>> annotations = new CopyOnWriteArrayList<>();

  Stack() throws IOException {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    api = new KubernetesMockServer(new Context(), new MockWebServer(), responses, new KubernetesMixedDispatcher(responses), false);
    api.init();
    admin = api.createClient();
    metrics = metricsServer(0);
    peerFailing = metricsServer(12);
    FakeCluster.populate(admin, metrics.getAddress().getPort(), peerFailing.getAddress().getPort());
    String logPath = "/api/v1/namespaces/" + FakeCluster.NS + "/pods/" + FakeCluster.CRASHING + "/log?container=mount";
    api.expect().get().withPath(logPath + "&tailLines=50&previous=true").andReturn(200, CRASH_LOG).always();
    api.expect().get().withPath(logPath + "&tailLines=1000").andReturn(200, CRASH_LOG).always();
    for (Pod p : admin.pods().inNamespace(FakeCluster.NS).withLabel(MountPods.LABEL_APP, MountPods.APP).list().getItems()) {
      if (!p.getMetadata().getName().equals(FakeCluster.CRASHING)) {
        api.expect().get().withPath("/api/v1/namespaces/" + FakeCluster.NS + "/pods/" + p.getMetadata().getName() + "/log?container=mount&tailLines=1000")
            .andReturn(200, HEALTHY_LOG).always();
      }
    }
    for (Event e : FakeCluster.events()) {
      String selector = URLEncoder.encode("involvedObject.name=" + e.getInvolvedObject().getName(), StandardCharsets.UTF_8);
      api.expect().get().withPath("/api/v1/namespaces/" + e.getMetadata().getNamespace() + "/events?fieldSelector=" + selector)
          .andReturn(200, new EventListBuilder().withItems(e).build()).always();
    }
    for (int n = 1; n <= 6; n++) {
      String path = "/api/v1/nodes/node-" + n + "/proxy/stats/summary";
      if (("node-" + n).equals(FakeKubelet.FAILING_NODE)) {
        api.expect().get().withPath(path).andReturn(500, "Internal error occurred: error trying to reach service: dial tcp 10.0.0.3:10250: i/o timeout")
            .always();
      } else {
        api.expect().get().withPath(path).andReturn(200, FakeKubelet.summary(n)).always();
      }
    }
    proxy = new TcpProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), api.getPort()));
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:" + proxy.port()).withNamespace("default")
        .withWatchReconnectInterval(100).withRequestTimeout(5_000).withConnectionTimeout(2_000).withRequestRetryBackoffLimit(0).build();
    client = new KubernetesClientBuilder().withConfig(config).build();
    dashboard = DashboardServer.start(DashboardConfig.of(new InetSocketAddress("127.0.0.1", 0)).withActionsToken(TOKEN), client,
        (ns, pod, container, command) -> {
          List<String> call = new ArrayList<>(List.of(ns, pod, container));
          call.addAll(command);
          execs.add(call);
          return new Actions.Result(0, "");
        }, (ns, pod, key, value) -> annotations.add(List.of(ns, pod, key, value)));
  }

  /** A fake mount's /metrics: bytes read and written, cache hits and misses, {@code peerErrors} peer errors. */
  private static HttpServer metricsServer(int peerErrors) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    String text = """
        # TYPE nectar_vfs_read_bytes_total counter
        nectar_vfs_read_bytes_total{volume="shop"} 1.073741824E10
        nectar_vfs_write_bytes_total{volume="shop"} 5.36870912E8
        nectar_chunk_cache_hits_total{tier="memory"} 600.0
        nectar_chunk_cache_hits_total{tier="disk"} 300.0
        nectar_chunk_cache_misses_total 100.0
        nectar_cache_group_members 3.0
        nectar_cache_peer_errors_total{peer="10.0.0.7:9567",cause="timeout"} %d.0
        """.formatted(peerErrors);
    s.createContext("/metrics", ex -> {
      byte[] b = text.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(b);
      }
    });
    s.start();
    return s;
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + dashboard.port() + path);
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    seen.add(r.body());
    r.headers().map().forEach((k, v) -> seen.add(k + ": " + String.join(",", v)));
    return r;
  }

  /** GET {@code target} sent as is (the JDK client refuses malformed escapes): status line's code and body. */
  RawResponse rawGet(String target) throws IOException {
    try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), dashboard.port())) {
      s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      seen.add(all);
      int code = Integer.parseInt(all.substring(9, 12));
      return new RawResponse(code, all.substring(all.indexOf("\r\n\r\n") + 4));
    }
  }

  record RawResponse(int code, String body) {}

  HttpResponse<String> post(String path, String contentType, String body, String bearer) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", contentType);
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    seen.add(r.body());
    return r;
  }

  JsonNode json(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = get(path);
    if (r.statusCode() != 200) {
      throw new AssertionError("GET " + path + ": HTTP " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }

  /** Waits (up to 60 s, checking every 50 ms) for {@code condition}; fails with {@code what}. */
  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 60 s: " + what);
      }
      Thread.sleep(50);
    }
  }

  /** Waits until the dashboard's informers have listed the cluster and watch. */
  void awaitSynced() throws InterruptedException {
    await("the dashboard lists " + FakeCluster.APPS + " app pods and is not stale", () -> {
      try {
        JsonNode o = json("/api/overview");
        return !o.path("freshness").path("stale").asBoolean(true) && o.path("pods").size() == FakeCluster.APPS
            && o.path("mountPods").size() > 0;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    });
  }

  @Override
  public void close() throws IOException {
    dashboard.close();
    client.close();
    proxy.close();
    metrics.stop(0);
    peerFailing.stop(0);
    admin.close();
    try {
      api.destroy();
    } catch (IllegalStateException e) {
      // the mock server's shutdown may time out on a busy machine (see pod.MockApi)
    }
  }
}
