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
    assertThat(f.metaVersion()).as("no inline slices: clients without inlining open it").isEqualTo(Format.META_VERSION_PLAIN);
    assertThat(f.inlineSize()).isZero();
    assertThat(f.requires()).isNull();
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
        Format.LAYOUT_NAME, 0, 0, null));
    assertThat(f.toBuilder().build()).isEqualTo(f);
    assertThat(Format.fromJson(f.toJson())).isEqualTo(f);
    assertThat(f.withTrashDays(5).trashDays()).isEqualTo(5);
    assertThat(f.withTrashDays(5).withTrashDays(2)).isEqualTo(f);
    Format inline = f.withInlineSize(4096);
    assertThat(Format.fromJson(inline.toJson())).isEqualTo(inline);
  }

  @Test
  void inlining_requiresTheFeatureAndTheNewVersion_evenWhenTurnedOffAgain() {
    Format f = Format.builder("vol", "x").inlineSize(16 << 10).build();
    assertThat(f.requires()).containsExactly(Format.FEATURE_INLINE);
    assertThat(f.metaVersion()).as("clients of version 1 refuse it").isEqualTo(Format.META_VERSION);
    Format off = f.withInlineSize(0);
    assertThat(off.requires()).as("inline slices may exist").containsExactly(Format.FEATURE_INLINE);
    assertThat(off.metaVersion()).isEqualTo(Format.META_VERSION);
    assertThat(f.unknownFeatures()).isEmpty();
    assertThat(f.toBuilder().requires(java.util.List.of("inline", "warp-drive")).build().unknownFeatures()).containsExactly("warp-drive");
  }

  @Test
  void checksumSegment_otherThanTheLegacyOne_requiresTheFeature_andAnOldRecordReadsAsLegacy() throws IOException {
    Format legacy = Format.builder("vol", "x").build();
    assertThat(legacy.checksumSegment()).isZero();
    assertThat(legacy.checksumSegmentBytes()).isEqualTo(64 << 10);
    assertThat(legacy.requires()).isNull();
    com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(legacy.toJson());
    tree.remove("checksumSegment");
    String old = tree.toString();
    assertThat(old).doesNotContain("checksumSegment");
    assertThat(Format.fromJson(old).checksumSegmentBytes()).as("a record written before the setting").isEqualTo(64 << 10);
    Format small = legacy.toBuilder().checksumSegment(Format.DEFAULT_CHECKSUM_SEGMENT).build().validated();
    assertThat(small.requires()).as("older clients would misread its objects").containsExactly(Format.FEATURE_CHECKSUM_SEGMENT);
    assertThat(Format.fromJson(small.toJson())).isEqualTo(small);
    assertThat(small.toBuilder().checksumSegment(0).build().requires()).as("the feature follows the segment").isNull();
    assertThat(legacy.toBuilder().checksumSegment(64 << 10).build().requires()).isNull();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> legacy.toBuilder().checksumSegment(3000).build().validated())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checksum segment");
  }
}
