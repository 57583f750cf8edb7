package io.nectarfs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Secrets;
import io.nectarfs.object.CorruptObjectException;
import io.nectarfs.object.FaultInjector;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import io.nectarfs.object.TransientStoreException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaultsTest {
  @TempDir Path tmp;

  private static ObjectStore open(StoreOptions o) throws IOException {
    return ObjectStores.registry().open("mem://faults-" + UUID.randomUUID(), o, StoreStacks.secrets());
  }

  private static StoreOptions faulty(double errorRate, double tornRate, int attempts) {
    return StoreOptions.raw().withRetry(StoreStacks.instantRetry(attempts)).withFaults(new StoreOptions.Faults(errorRate, Duration.ZERO, tornRate, 1));
  }

  @Test
  void halfOfAllCallsFailing_isInvisibleWithTenAttempts() throws IOException {
    try (ObjectStore s = open(faulty(0.5, 0, 10))) {
      FaultInjector fi = ObjectStores.faultInjector(s).orElseThrow();
      Random r = new Random(3);
      for (int i = 0; i < 50; i++) {
        byte[] b = new byte[r.nextInt(5000)];
        r.nextBytes(b);
        s.put("k" + i, b);
        assertThat(s.getBytes("k" + i)).isEqualTo(b);
        assertThat(s.head("k" + i).size()).isEqualTo(b.length);
      }
      assertThat(s.listKeys("")).hasSize(50);
      for (int i = 0; i < 50; i++) {
        s.delete("k" + i);
      }
      assertThat(s.listKeys("")).isEmpty();
      assertThat(fi.injectedErrors()).as("faults were really injected").isGreaterThan(50);
    }
  }

  @Test
  void alwaysFailing_givesUpAfterExactlyMaxAttempts() throws IOException {
    try (ObjectStore s = open(faulty(0, 0, 4))) {
      FaultInjector fi = ObjectStores.faultInjector(s).orElseThrow();
      s.put("chunks/1_0_4096", new byte[10]);
      fi.setErrorRate(1.0);
      assertThatThrownBy(() -> s.put("chunks/1_0_4096", new byte[4096]))
          .isInstanceOf(TransientStoreException.class)
          .hasMessageStartingWith("put chunks/1_0_4096 failed after 4 attempts: injected fault");
      assertThat(fi.injectedErrors()).isEqualTo(4);
      assertThatThrownBy(() -> s.getBytes("chunks/1_0_4096")).hasMessageContaining("after 4 attempts");
      assertThat(fi.injectedErrors()).isEqualTo(8);
      fi.setErrorRate(0);
      assertThat(s.getBytes("chunks/1_0_4096")).hasSize(10);
    }
  }

  @Test
  void permanentErrors_areNotRetried() throws IOException {
    try (ObjectStore s = open(faulty(0, 0, 10))) {
      FaultInjector fi = ObjectStores.faultInjector(s).orElseThrow();
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> s.getBytes("missing")).isInstanceOf(NoSuchFileException.class).hasMessage("missing");
      assertThatThrownBy(() -> s.put("", new byte[1])).isInstanceOf(IllegalArgumentException.class);
      assertThat(fi.injectedErrors()).isZero();
      assertThat(System.nanoTime() - t0).isLessThan(5_000_000_000L);
    }
  }

  @Test
  void tornWrites_areDetectedByEveryVerifyingStack() throws IOException {
    Path key = StoreStacks.key(tmp);
    List<StoreOptions> verifying = List.of(
        StoreOptions.raw().withChecksum(true),
        StoreOptions.raw().withEncryption(new StoreOptions.Encryption(key, StoreOptions.Encryption.Cipher.AES256GCM)),
        StoreOptions.raw().withCompression(StoreOptions.Compression.ZSTD),
        StoreOptions.raw().withCompression(StoreOptions.Compression.LZ4));
    for (StoreOptions base : verifying) {
      try (ObjectStore s = open(base.withFaults(new StoreOptions.Faults(0, Duration.ZERO, 1.0, 5)))) {
        FaultInjector fi = ObjectStores.faultInjector(s).orElseThrow();
        Random r = new Random(11);
        for (int i = 0; i < 10; i++) {
          byte[] b = new byte[1000 + r.nextInt(200_000)];
          r.nextBytes(b);
          s.put("torn" + i, b);
          String k = "torn" + i;
          assertThatThrownBy(() -> s.getBytes(k)).as("%s: %s", s.describe(), k).isInstanceOf(CorruptObjectException.class).hasMessageContaining(k);
        }
        assertThat(fi.tornWrites()).isEqualTo(10);
      }
    }
  }

  @Test
  void faultRates_areValidated() throws IOException {
    try (ObjectStore s = open(faulty(0, 0, 2))) {
      assertThatThrownBy(() -> ObjectStores.faultInjector(s).orElseThrow().setErrorRate(1.5)).isInstanceOf(IllegalArgumentException.class);
    }
    try (ObjectStore s = ObjectStores.registry().open("mem://", StoreOptions.defaults(), new Secrets(Map.of()))) {
      assertThat(ObjectStores.faultInjector(s)).isEmpty();
    }
  }
}
