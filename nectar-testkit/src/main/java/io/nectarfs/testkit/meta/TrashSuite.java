package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Errno;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.DirEntry;
import io.nectarfs.meta.DirStats;
import io.nectarfs.meta.Meta;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The trash: removed entries wait in /.trash/HOUR/, can be restored, and expire. */
public abstract class TrashSuite extends MetaTestBase {
  @Override
  protected int trashDays() {
    return 1;
  }

  private List<DirEntry> hours() throws IOException {
    return meta.readdir(root, Meta.TRASH, "", 100, false);
  }

  @Test
  void unlink_movesToTrash_andRestoreBringsItBack() throws IOException {
    long d = mkdir(ROOT, "d");
    long f = file(d, "f");
    long sub = mkdir(d, "sub");
    meta.unlink(root, d, "f");
    meta.rmdir(root, d, "sub");
    assertErrno(Errno.ENOENT, () -> meta.lookup(root, d, "f"));
    assertThat(hours()).hasSize(1);
    String hour = hours().getFirst().name();
    List<DirEntry> inTrash = meta.readdir(root, hours().getFirst().ino(), "", 100, false);
    assertThat(inTrash).extracting(DirEntry::name).containsExactlyInAnyOrder(d + "-" + f + "-f", d + "-" + sub + "-sub");
    assertThat(meta.getattr(root, f).nlink()).isEqualTo(1);
    assertThat(meta.restore(root, hour)).isEqualTo(2);
    assertThat(meta.lookup(root, d, "f").ino()).isEqualTo(f);
    assertThat(meta.lookup(root, d, "sub").ino()).isEqualTo(sub);
  }

  /**
   * Every client's removals land in one hour directory: they must not write it (its statistics
   * and times), or concurrent unlinks all conflict on it (Redis, PostgreSQL) and serialize on it.
   */
  @Test
  void removals_leaveTheHourDirectoryUnwritten_andSummaryStillCountsTheTrash() throws IOException {
    long d = mkdir(ROOT, "d");
    file(d, "f");
    file(d, "g");
    mkdir(d, "sub");
    meta.unlink(root, d, "f");
    long hour = hours().getFirst().ino();
    Attr before = meta.getattr(root, hour);
    clock.advance(Duration.ofSeconds(5));
    meta.unlink(root, d, "g");
    meta.rmdir(root, d, "sub");
    Attr after = meta.getattr(root, hour);
    assertThat(after.mtime()).as("mtime of the hour directory").isEqualTo(before.mtime());
    assertThat(after.ctime()).as("ctime of the hour directory").isEqualTo(before.ctime());
    assertThat(after.nlink()).as("nlink follows the subdirectories").isEqualTo(before.nlink() + 1);
    DirStats inTrash = meta.summary(root, hour);
    assertThat(inTrash.inodes()).as("entries counted").isEqualTo(3);
    assertThat(inTrash.dirs()).isEqualTo(1);
    assertThat(meta.summary(root, d).inodes()).isZero();
  }

  @Test
  void renameOverFile_putsTheReplacedFileInTrash() throws IOException {
    file(ROOT, "a");
    long b = file(ROOT, "b");
    meta.rename(root, ROOT, "a", ROOT, "b", 0);
    assertThat(meta.getattr(root, b).nlink()).isEqualTo(1);
    assertThat(meta.readdir(root, hours().getFirst().ino(), "", 10, false)).extracting(DirEntry::ino).containsExactly(b);
  }

  @Test
  void trash_isReadOnlyForUsers_andExpires() throws IOException {
    long f = file(ROOT, "f");
    meta.unlink(root, ROOT, "f");
    assertErrno(Errno.EACCES, () -> meta.mkdir(alice, Meta.TRASH, "x", 0755, 0));
    assertErrno(Errno.EPERM, () -> meta.restore(alice, hours().getFirst().name()));
    clock.advance(Duration.ofHours(30));
    meta.runBackgroundJobs();
    assertThat(hours()).isEmpty();
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, f));
  }
}
