package io.nectarfs.object;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.nectarfs.common.Metrics;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link MeteredStore}: the counts equal the requests made; retries of the layer below are counted; no URL in labels. */
class MeteredStoreTest {
  private final Metrics metrics = Metrics.create();
  private final MeterRegistry r = metrics.registry();

  private long requests(String op) {
    return metrics.findLatency("nectar_object_request", "op", op).orElseThrow().count();
  }

  private double counter(String name, String op) {
    return r.get(name).tag("op", op).counter().count();
  }

  @Test
  void countsRequestsBytesAndErrorsPerOperation() throws IOException {
    ObjectStore s = ObjectStores.metered(MemStore.named(""), metrics);
    s.put("a", new byte[1000]);
    s.put("b", new byte[24]);
    assertThat(s.getBytes("a", 10, 100)).hasSize(100);
    assertThat(s.head("b").size()).isEqualTo(24);
    assertThatThrownBy(() -> s.head("missing")).isInstanceOf(NoSuchFileException.class);
    assertThat(s.listKeys("")).containsExactly("a", "b");
    s.delete("a");

    assertThat(requests("put")).isEqualTo(2);
    assertThat(requests("get")).isEqualTo(1);
    assertThat(requests("head")).isEqualTo(2);
    assertThat(requests("list")).isEqualTo(1);
    assertThat(requests("delete")).isEqualTo(1);
    assertThat(counter("nectar_object_errors", "head")).isEqualTo(1);
    assertThat(counter("nectar_object_errors", "put")).isZero();
    assertThat(r.get("nectar_object_written_bytes").counter().count()).isEqualTo(1024);
    assertThat(r.get("nectar_object_read_bytes").counter().count()).isEqualTo(100);
    assertThat(metrics.scrape()).contains("nectar_object_request_seconds_count{op=\"put\"} 2", "nectar_object_read_bytes_total 100.0");
  }

  @Test
  void countsTheRetriesOfTheRetryLayerBelow() throws IOException {
    AtomicInteger calls = new AtomicInteger();
    ObjectStore flaky = new ForwardingStore(MemStore.named("")) {
      @Override
      public ObjectInfo head(String key) throws IOException {
        if (calls.incrementAndGet() <= 2) {
          throw new TransientStoreException("503 slow down");
        }
        return new ObjectInfo(key, 1, java.time.Instant.EPOCH);
      }
    };
    RetryStore retry = new RetryStore(flaky, new StoreOptions.Retry(5, Duration.ZERO, Duration.ZERO), d -> {});
    ObjectStore s = ObjectStores.metered(retry, metrics);
    s.head("k");
    assertThat(calls).hasValue(3);
    assertThat(counter("nectar_object_retries", "head")).isEqualTo(2);
    assertThat(requests("head")).isEqualTo(1);
    assertThat(counter("nectar_object_errors", "head")).isZero();
  }

  @Test
  void labelsNeverNameTheStore() throws IOException {
    ObjectStore secretive = new ForwardingStore(MemStore.named("")) {
      @Override
      public String describe() {
        return "s3://AKIAEXAMPLE:hunter2@bucket.example.com/data";
      }
    };
    ObjectStore s = ObjectStores.metered(secretive, metrics);
    s.put("x", new byte[1]);
    assertThat(metrics.scrape()).doesNotContain("hunter2", "AKIAEXAMPLE", "bucket.example.com");
  }
}
