package io.nectarfs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.meta.Format;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** {@link Format.Builder}: the defaults of a new volume, and every field survives toBuilder and JSON. */
class FormatBuilderTest {
  @Test
  void builder_defaultsAreANewVolume() {
    Format f = Format.builder("vol", "file:///data").build().validated();
    assertThat(f.uuid()).hasSize(36);
    assertThat(f.blockSize()).isEqualTo(4 << 20);
    assertThat(f.compression()).isEqualTo("none");
    assertThat(f.encryptKeyPem()).isNull();
    assertThat(f.checksum()).isTrue();
    assertThat(f.metaVersion()).isEqualTo(Format.META_VERSION);
    assertThat(f.storageLayout()).isEqualTo(Format.LAYOUT_UUID);
    assertThat(f.enableAcl()).isFalse();
    assertThat(Format.builder("vol", "x").build().uuid()).as("a fresh uuid per builder").isNotEqualTo(f.uuid());
  }

  @Test
  void everyField_survivesToBuilderAndJson() throws IOException {
    Format f = Format.builder("vol", "s3://bucket/p").uuid("u-1").blockSize(1 << 20).compression("zstd").encryption("PEM", "aes256gcm")
        .checksum(false).shards(3).trashDays(2).capacity(10).inodes(20).metaVersion(1).createdMillis(1234).enableAcl(true)
        .storageLayout(Format.LAYOUT_NAME).build();
    assertThat(f).isEqualTo(new Format("vol", "u-1", "s3://bucket/p", 1 << 20, "zstd", "PEM", "aes256gcm", false, 3, 2, 10, 20, 1, 1234, true,
        Format.LAYOUT_NAME));
    assertThat(f.toBuilder().build()).isEqualTo(f);
    assertThat(Format.fromJson(f.toJson())).isEqualTo(f);
    assertThat(f.withTrashDays(5).trashDays()).isEqualTo(5);
    assertThat(f.withTrashDays(5).withTrashDays(2)).isEqualTo(f);
  }
}
