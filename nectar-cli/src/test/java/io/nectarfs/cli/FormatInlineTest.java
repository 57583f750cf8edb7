package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.meta.Format;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nectar format --inline-size: on for new volumes, kept by a re-format, off until asked for on old ones. */
class FormatInlineTest {
  @TempDir Path tmp;

  private int inlineSize(String meta) throws Exception {
    return JsonCommandsTest.json("status", meta, "--json").at("/volume/inline_size").asInt();
  }

  @Test
  void newVolume_inlinesSmallFiles_andAReformatKeepsTheSetting() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    CliTest.Run f = CliTest.run("format", meta, "ivol", "--storage", "file://" + tmp.resolve("data"));
    assertThat(f.code()).as(f.err()).isZero();
    assertThat(f.out()).contains("inline size:", "16.0 KiB");
    assertThat(inlineSize(meta)).isEqualTo(Format.DEFAULT_INLINE);
    try (Volume v = Volume.open(meta, VolumeOptions.defaults().withCache(CacheOptions.memoryOnly(64L << 20)))) {
      v.fileSystem().writeAll(Ctx.ROOT, "/small", new byte[5000]);
    }
    CliTest.Run info = CliTest.run("info", meta, "/small");
    assertThat(info.out()).contains("inline in the metadata", "objects: 0");
    assertThat(CliTest.run("format", meta, "ivol").code()).isZero();
    assertThat(inlineSize(meta)).as("a re-format without the option keeps it").isEqualTo(Format.DEFAULT_INLINE);
    CliTest.Run off = CliTest.run("format", meta, "ivol", "--inline-size", "0");
    assertThat(off.code()).as(off.err()).isZero();
    assertThat(off.out()).contains("inline size 16.0 KiB → off");
    assertThat(inlineSize(meta)).isZero();
    assertThat(CliTest.run("fsck", meta).code()).isZero();
    CliTest.Run bad = CliTest.run("format", meta, "ivol", "--inline-size", "1M");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--inline-size 1M is not allowed");
  }

  @Test
  void aVolumeFormattedWithoutInlining_staysSoUntilAsked() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    assertThat(CliTest.run("format", meta, "ovol", "--storage", "file://" + tmp.resolve("data"), "--inline-size", "0").code()).isZero();
    assertThat(CliTest.run("format", meta, "ovol").code()).isZero();
    assertThat(inlineSize(meta)).isZero();
    assertThat(CliTest.run("format", meta, "ovol", "--inline-size", "8K").code()).isZero();
    assertThat(inlineSize(meta)).isEqualTo(8192);
  }
}
