package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Errno;
import io.nectarfs.meta.DirEntry;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.Slice;
import io.nectarfs.meta.Trees;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link Trees}: recursive removal and slice-sharing copies of trees, as the caller. */
public abstract class TreeSuite extends MetaTestBase {
  /** /t with files a (100 bytes in one slice) and b, directory s holding c, symlink l, empty directory e. */
  private long tree() throws IOException {
    long t = mkdir(ROOT, "t");
    long a = file(t, "a");
    meta.write(root, a, 0, new Slice(0, meta.newSliceId(), 100, 0, 100), 1);
    file(t, "b");
    long s = mkdir(t, "s");
    file(s, "c");
    meta.symlink(root, t, "l", "a");
    mkdir(t, "e");
    return t;
  }

  private List<String> names(long dir) throws IOException {
    return meta.readdir(root, dir, "", 100, false).stream().map(DirEntry::name).toList();
  }

  @Test
  void remove_deletesTheWholeTree_countingEveryEntry() throws IOException {
    tree();
    AtomicLong seen = new AtomicLong();
    assertThat(Trees.remove(meta, root, ROOT, "t", seen::addAndGet)).isEqualTo(7);
    assertThat(seen).hasValue(7);
    assertErrno(Errno.ENOENT, () -> meta.lookup(root, ROOT, "t"));
    assertThat(meta.statfs(root, ROOT).usedInodes()).isZero();
  }

  @Test
  void remove_withManyThreads_removesEveryEntryOnce() throws IOException {
    long t = mkdir(ROOT, "t");
    for (int d = 0; d < 5; d++) {
      long dir = mkdir(t, "d" + d);
      for (int f = 0; f < 30; f++) {
        file(dir, "f" + f);
      }
    }
    AtomicLong seen = new AtomicLong();
    assertThat(Trees.remove(meta, root, ROOT, "t", 8, seen::addAndGet)).isEqualTo(1 + 5 + 150);
    assertThat(seen).hasValue(156);
    assertThat(meta.statfs(root, ROOT).usedInodes()).isZero();
  }

  @Test
  void remove_withManyThreads_stopsAtAFailure() throws IOException {
    long t = tree();
    meta.setattr(root, t, SetAttr.chmod(0777));
    long s = meta.lookup(root, t, "s").ino();
    assertErrno(Errno.EACCES, () -> Trees.remove(meta, alice, ROOT, "t", 8, n -> {}));
    assertThat(meta.lookup(root, s, "c").ino()).isPositive();
    assertThat(meta.lookup(root, ROOT, "t").ino()).isEqualTo(t);
  }

  @Test
  void unlinkAll_removesInOneTransaction_allOrNone() throws IOException {
    long d = mkdir(ROOT, "d");
    file(d, "a");
    file(d, "b");
    mkdir(d, "s");
    assertErrno(Errno.EISDIR, () -> meta.unlinkAll(root, d, List.of("a", "s")));
    assertErrno(Errno.ENOENT, () -> meta.unlinkAll(root, d, List.of("a", "nope")));
    assertThat(names(d)).as("a failed batch removes nothing").containsExactly("a", "b", "s");
    long before = meta.statfs(root, ROOT).usedInodes();
    meta.unlinkAll(root, d, List.of("a", "b"));
    assertThat(names(d)).containsExactly("s");
    assertThat(meta.statfs(root, ROOT).usedInodes()).isEqualTo(before - 2);
  }

  @Test
  void remove_ofAFile_andOfAMissingName() throws IOException {
    file(ROOT, "f");
    assertThat(Trees.remove(meta, root, ROOT, "f", n -> {})).isEqualTo(1);
    assertErrno(Errno.ENOENT, () -> Trees.remove(meta, root, ROOT, "f", n -> {}));
  }

  @Test
  void remove_checksPermissionsAsTheCaller() throws IOException {
    long t = tree();
    meta.setattr(root, t, SetAttr.chmod(0777));
    long s = meta.lookup(root, t, "s").ino();
    assertErrno(Errno.EACCES, () -> Trees.remove(meta, alice, ROOT, "t", n -> {}));
    assertThat(meta.lookup(root, s, "c").ino()).as("nothing below a directory alice may not write is removed").isPositive();
  }

  @Test
  void copy_sharesSlices_keepsModes_andIsIndependent() throws IOException {
    long t = tree();
    long a = meta.lookup(root, t, "a").ino();
    meta.setattr(root, a, SetAttr.chmod(0600));
    AtomicLong seen = new AtomicLong();
    assertThat(Trees.copy(meta, root, t, ROOT, "u", false, seen::addAndGet)).isEqualTo(7);
    assertThat(seen).hasValue(7);
    long u = meta.lookup(root, ROOT, "u").ino();
    assertThat(names(u)).containsExactlyElementsOf(names(t));
    long ua = meta.lookup(root, u, "a").ino();
    assertThat(ua).isNotEqualTo(a);
    assertThat(meta.getattr(root, ua).length()).isEqualTo(100);
    assertThat(meta.getattr(root, ua).mode() & 07777).isEqualTo(0600);
    assertThat(meta.read(root, ua, 0)).extracting(Slice::id).isEqualTo(meta.read(root, a, 0).stream().map(Slice::id).toList());
    assertThat(meta.readlink(root, meta.lookup(root, u, "l").ino())).isEqualTo("a");
    assertThat(names(meta.lookup(root, u, "s").ino())).containsExactly("c");
    assertThat(names(ROOT)).as("no temporary name is left").containsExactlyInAnyOrder("t", "u");
    Trees.remove(meta, root, ROOT, "t", n -> {});
    assertThat(meta.getattr(root, ua).length()).isEqualTo(100);
  }

  @Test
  void copy_withPreserve_keepsOwnerTimesAndXattrs() throws IOException {
    long t = tree();
    long a = meta.lookup(root, t, "a").ino();
    meta.setattr(root, a, SetAttr.chown(1000, 1000));
    meta.setxattr(root, a, "user.k", new byte[] {1, 2}, 0);
    meta.setattr(root, a, SetAttr.utimes(1_000_000_000L, 2_000_000_000L));
    meta.setattr(root, t, SetAttr.utimes(3_000_000_000L, 4_000_000_000L));
    Trees.copy(meta, root, t, ROOT, "u", true, n -> {});
    long u = meta.lookup(root, ROOT, "u").ino();
    long ua = meta.lookup(root, u, "a").ino();
    assertThat(meta.getattr(root, ua).uid()).isEqualTo(1000);
    assertThat(meta.getattr(root, ua).mtime()).isEqualTo(2_000_000_000L);
    assertThat(meta.getattr(root, u).mtime()).as("directory times set after its children").isEqualTo(4_000_000_000L);
    assertThat(meta.getxattr(root, ua, "user.k")).containsExactly(1, 2);
  }

  @Test
  void copy_failingHalfway_leavesNothing() throws IOException {
    long t = tree();
    long s = meta.lookup(root, t, "s").ino();
    meta.setattr(root, t, SetAttr.chmod(0755));
    meta.setattr(root, s, SetAttr.chmod(0700)); // alice cannot read s
    long home = meta.mkdir(root, ROOT, "home", 0777, 0).ino();
    assertThatThrownBy(() -> Trees.copy(meta, alice, t, home, "u", false, n -> {})).hasMessageContaining("permission");
    assertThat(names(home)).as("neither the target nor a temporary copy is left").isEmpty();
  }

  @Test
  void copy_ontoAnExistingName_isEexist_andChangesNothing() throws IOException {
    long t = tree();
    file(ROOT, "u");
    assertErrno(Errno.EEXIST, () -> Trees.copy(meta, root, t, ROOT, "u", false, n -> {}));
    assertThat(names(ROOT)).containsExactlyInAnyOrder("t", "u");
    assertThat(meta.getattr(root, meta.lookup(root, ROOT, "u").ino()).type()).isEqualTo(FileType.FILE);
  }

  @Test
  void copy_ofASingleFile() throws IOException {
    long t = tree();
    long a = meta.lookup(root, t, "a").ino();
    assertThat(Trees.copy(meta, root, a, ROOT, "a2", false, n -> {})).isEqualTo(1);
    assertThat(meta.getattr(root, meta.lookup(root, ROOT, "a2").ino()).length()).isEqualTo(100);
    assertThat(meta.statfs(root, Meta.ROOT).usedInodes()).isEqualTo(8);
  }
}
