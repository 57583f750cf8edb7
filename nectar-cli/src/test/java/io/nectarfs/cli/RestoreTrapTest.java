package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #12 trap: {@code nectar restore META-URL} without an hour printed a NullPointerException text. */
class RestoreTrapTest {
  @TempDir Path tmp;

  @Test
  void restoreWithoutHour_listsTheHours_andTheCountIsPrintedOnce() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    assertThat(CliTest.run("format", meta, "trashy", "--storage", "file://" + tmp.resolve("data")).code()).isZero();
    CliTest.Run empty = CliTest.run("restore", meta);
    assertThat(empty.code()).as(empty.err()).isZero();
    assertThat(empty.out()).contains("the trash is empty");
    try (MetaClient m = Volume.openMeta(meta, VolumeOptions.defaults().withBackgroundJobs(false))) {
      for (int i = 0; i < 3; i++) {
        m.mknod(Ctx.ROOT, Meta.ROOT, "f" + i, FileType.FILE, 0644, 0, 0);
        m.unlink(Ctx.ROOT, Meta.ROOT, "f" + i);
      }
    }
    CliTest.Run list = CliTest.run("restore", meta);
    assertThat(list.code()).as(list.err()).isZero();
    assertThat(list.err()).isEmpty();
    assertThat(list.out()).matches("(?s)\\d{4}-\\d\\d-\\d\\d-\\d\\d  3 entries\\n.*");
    String hour = list.out().substring(0, 13);
    CliTest.Run r = CliTest.run("restore", meta, hour);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo(hour + ": 3 entries restored\n");
    assertThat(CliTest.run("restore", meta).out()).contains(hour + "  0 entries");
  }
}
