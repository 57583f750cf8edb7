package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.meta.Entry;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #12 traps: quota list showed inode numbers; quota get and quota check disagreed by one inode. */
class QuotaTrapTest {
  @TempDir Path tmp;

  /** /team/a holding 3 files and sub/ with 2 files: 6 inodes below /team/a (sub counts, /team/a itself does not). */
  private String volumeWithTree(boolean quotaFirst) throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    assertThat(CliTest.run("format", meta, "quotas", "--storage", "file://" + tmp.resolve("data"), "--trash-days", "0").code()).isZero();
    long a;
    try (MetaClient m = Volume.openMeta(meta, VolumeOptions.defaults().withBackgroundJobs(false))) {
      Entry team = m.mkdir(Ctx.ROOT, Meta.ROOT, "team", 0755, 0);
      a = m.mkdir(Ctx.ROOT, team.ino(), "a", 0755, 0).ino();
    }
    if (quotaFirst) {
      assertThat(CliTest.run("quota", "set", meta, "--path", "/team/a", "--inodes", "100").code()).isZero();
    }
    try (MetaClient m = Volume.openMeta(meta, VolumeOptions.defaults().withBackgroundJobs(false))) {
      for (int i = 0; i < 3; i++) {
        m.mknod(Ctx.ROOT, a, "f" + i, FileType.FILE, 0644, 0, 0);
      }
      long sub = m.mkdir(Ctx.ROOT, a, "sub", 0755, 0).ino();
      for (int i = 0; i < 2; i++) {
        m.mknod(Ctx.ROOT, sub, "g" + i, FileType.FILE, 0644, 0, 0);
      }
    }
    if (!quotaFirst) {
      assertThat(CliTest.run("quota", "set", meta, "--path", "/team/a", "--inodes", "100").code()).isZero();
    }
    return meta;
  }

  @Test
  void getAndCheck_agree_onATreeOfKnownSize() throws Exception {
    for (boolean quotaFirst : new boolean[] {true, false}) {
      String meta = volumeWithTree(quotaFirst);
      CliTest.Run get = CliTest.run("quota", "get", meta, "--path", "/team/a");
      assertThat(get.out()).as("quota set " + (quotaFirst ? "before" : "after") + " the tree").contains("inodes 6 of 100");
      CliTest.Run check = CliTest.run("quota", "check", meta);
      assertThat(check.code()).as(check.out() + check.err()).isZero();
      assertThat(check.out()).contains("/team/a: recorded 4096 bytes, 6 inodes; scanned 4096 bytes, 6 inodes: ok");
      java.nio.file.Files.delete(tmp.resolve("meta.db"));
      deleteTree(tmp.resolve("data"));
    }
  }

  @Test
  void list_showsPaths() throws Exception {
    String meta = volumeWithTree(true);
    try (MetaClient m = Volume.openMeta(meta, VolumeOptions.defaults().withBackgroundJobs(false))) {
      m.mkdir(Ctx.ROOT, Meta.ROOT, "caf\u00e9 dir", 0755, 0);
    }
    assertThat(CliTest.run("quota", "set", meta, "--path", "/caf\u00e9 dir", "--capacity", "1G").code()).isZero();
    CliTest.Run list = CliTest.run("quota", "list", meta);
    assertThat(list.code()).as(list.err()).isZero();
    assertThat(list.out().lines().toList()).hasSize(3);
    assertThat(list.out()).contains("PATH", "/team/a\n", "/caf\u00e9 dir\n").doesNotContain("INODE ");
  }

  private static void deleteTree(Path p) throws java.io.IOException {
    try (var s = java.nio.file.Files.walk(p)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
    }
  }
}
