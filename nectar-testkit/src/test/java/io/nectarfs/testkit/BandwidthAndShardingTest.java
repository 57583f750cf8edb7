package io.nectarfs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Secrets;
import io.nectarfs.object.CopyCapable;
import io.nectarfs.object.MultipartCapable;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BandwidthAndShardingTest {
  @TempDir Path tmp;
  private final Secrets none = new Secrets(Map.of());

  @Test
  void uploadAndDownload_areLimited() throws IOException {
    long limit = 1 << 20;
    try (ObjectStore s = ObjectStores.registry().open("mem://", StoreOptions.raw().withBandwidth(limit, 2 * limit), none)) {
      byte[] b = new byte[(int) (1.5 * limit)];
      long t0 = System.nanoTime();
      s.put("x", b);
      double up = (System.nanoTime() - t0) / 1e9;
      assertThat(up).as("1.5 MiB at 1 MiB/s").isGreaterThanOrEqualTo(0.7 * 1.5);
      t0 = System.nanoTime();
      assertThat(s.getBytes("x")).hasSize(b.length);
      double down = (System.nanoTime() - t0) / 1e9;
      assertThat(down).as("1.5 MiB at 2 MiB/s").isGreaterThanOrEqualTo(0.7 * 0.75);
    }
  }

  @Test
  void sharding_needsPercentD() {
    assertThatThrownBy(() -> ObjectStores.registry().open("mem://x", StoreOptions.raw().withShards(4), none))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("%d");
  }

  @Test
  void sharding_spreadsKeysByCrc32_andCopiesAcrossShards() throws IOException {
    String name = "mem://shard-" + UUID.randomUUID() + "-";
    try (ObjectStore s = ObjectStores.registry().open(name + "%d", StoreOptions.raw().withShards(3), none)) {
      for (int i = 0; i < 60; i++) {
        s.put("key" + i, new byte[] {(byte) i});
      }
      int total = 0;
      for (int shard = 0; shard < 3; shard++) {
        try (ObjectStore raw = ObjectStores.registry().open(name + shard, StoreOptions.raw(), none)) {
          var keys = raw.listKeys("");
          assertThat(keys).as("shard %d gets some keys", shard).isNotEmpty();
          for (String k : keys) {
            CRC32 c = new CRC32();
            c.update(k.getBytes(StandardCharsets.UTF_8));
            assertThat(c.getValue() % 3).as("persistent placement of %s", k).isEqualTo(shard);
          }
          total += keys.size();
        }
      }
      assertThat(total).isEqualTo(60);
      assertThat(s.capability(MultipartCapable.class)).isPresent();
      for (int i = 0; i < 10; i++) {
        s.capability(CopyCapable.class).orElseThrow().copy("key" + i, "copy" + i);
        assertThat(s.getBytes("copy" + i)).containsExactly((byte) i);
      }
      assertThat(s.listKeys("copy")).hasSize(10);
    }
  }

  @Test
  void describe_namesTheLayers_andTransformsHideMultipart() throws IOException {
    Path key = StoreStacks.key(tmp);
    StoreOptions o = StoreOptions.raw()
        .withCompression(StoreOptions.Compression.ZSTD)
        .withEncryption(new StoreOptions.Encryption(key, StoreOptions.Encryption.Cipher.AES256GCM))
        .withChecksum(true);
    try (ObjectStore s = ObjectStores.registry().open("file://" + tmp.resolve("d"), o, StoreStacks.secrets())) {
      assertThat(s.describe()).contains("(zstd, aes256gcm, checksum)").doesNotContain(StoreStacks.PASSPHRASE);
      assertThat(s.capability(CopyCapable.class)).isPresent();
      assertThat(s.capability(MultipartCapable.class)).as("transforms hide multipart").isEmpty();
    }
    try (ObjectStore s = ObjectStores.registry().open("file://" + tmp.resolve("e"), StoreOptions.raw().withPrefix("p/"), none)) {
      assertThat(s.capability(CopyCapable.class)).isPresent();
      assertThat(s.capability(MultipartCapable.class)).isPresent();
      s.put("a", new byte[1]);
      assertThat(s.listKeys("")).containsExactly("a");
    }
  }
}
