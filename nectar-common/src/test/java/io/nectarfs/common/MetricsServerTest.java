package io.nectarfs.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsServerTest {
  private static HttpResponse<String> get(String url) throws Exception {
    try (HttpClient c = HttpClient.newHttpClient()) {
      return c.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  @Test
  void servesTheRegistryWithItsCommonTags() throws Exception {
    Metrics m = Metrics.create(Map.of("volume", "v1", "mountpoint", "/mnt/x"));
    m.registry().counter("nectar_test_things").increment(3);
    try (MetricsServer s = MetricsServer.start(m, new InetSocketAddress("127.0.0.1", 0))) {
      HttpResponse<String> r = get(s.url());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("nectar_test_things_total{mountpoint=\"/mnt/x\",volume=\"v1\"} 3.0");
      assertThat(get(s.url().replace("/metrics", "/other")).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void takenExplicitPort_isOneLineError_andStartNearTakesTheNextPort() throws Exception {
    Metrics m = Metrics.create();
    try (MetricsServer first = MetricsServer.start(m, new InetSocketAddress("127.0.0.1", 0))) {
      InetSocketAddress taken = first.address();
      assertThatThrownBy(() -> MetricsServer.start(m, taken))
          .isInstanceOf(IOException.class)
          .hasMessage("metrics address 127.0.0.1:" + taken.getPort() + " is already in use (choose another with --metrics HOST:PORT)");
      try (MetricsServer next = MetricsServer.startNear(m, taken, 20)) {
        assertThat(next.address().getPort()).isGreaterThan(taken.getPort());
        assertThat(get(next.url()).statusCode()).isEqualTo(200);
      }
    }
  }

  @Test
  void parsesAddresses() {
    assertThat(MetricsServer.parse("127.0.0.1:9567")).isEqualTo(new InetSocketAddress("127.0.0.1", 9567));
    assertThat(MetricsServer.parse(":9000").getPort()).isEqualTo(9000);
    assertThat(MetricsServer.parse("9001").getPort()).isEqualTo(9001);
    assertThatThrownBy(() -> MetricsServer.parse("host:port")).hasMessage("metrics address must be HOST:PORT, got 'host:port'");
  }

  @Test
  void disabledRegistry_recordsNothing() {
    Metrics m = Metrics.disabled();
    m.latency("nectar_test_op", "x", "op", "a").record(1, java.util.concurrent.TimeUnit.MILLISECONDS);
    assertThat(m.enabled()).isFalse();
    assertThat(m.scrape()).isEmpty();
  }

  @Test
  void timer_isAHistogramInSeconds() {
    Metrics m = Metrics.create();
    m.latency("nectar_test_op", "x", "op", "a").record(2, java.util.concurrent.TimeUnit.MILLISECONDS);
    assertThat(m.scrape()).contains("nectar_test_op_seconds_count{op=\"a\"} 1", "nectar_test_op_seconds_bucket{op=\"a\",le=");
  }
}
