package io.nectarfs.vfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.meta.Meta;
import java.nio.file.Path;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubdirVfsTest {
  @TempDir Path tmp;

  @Test
  void subdirIsTheRoot_andNothingAboveIsReachable() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (var c = h.client()) {
      FileSystem whole = new FileSystem(c.vfs());
      whole.mkdirs(Ctx.ROOT, "/tenants/a", 0755);
      whole.writeAll(Ctx.ROOT, "/tenants/a/file", "A".getBytes());
      whole.writeAll(Ctx.ROOT, "/secret", "S".getBytes());
      assertThat(whole.stat(Ctx.ROOT, "/secret").attr().length()).as("the secret exists outside the subdir").isEqualTo(1);

      Vfs sub = Vfses.subdir(c.vfs(), "/tenants/a");
      FileSystem fs = new FileSystem(sub);
      assertThat(new String(fs.readAll(Ctx.ROOT, "/file"))).isEqualTo("A");
      assertThat(fs.list(Ctx.ROOT, "/")).extracting(FileSystem.Child::name).containsExactly("file");
      assertThat(sub.lookup(Ctx.ROOT, Meta.ROOT, "..").ino()).as("the subdir root's parent is itself").isEqualTo(Meta.ROOT);
      assertErrno(Errno.ENOENT, () -> sub.lookup(Ctx.ROOT, Meta.ROOT, "secret"));
      assertErrno(Errno.ENOENT, () -> fs.stat(Ctx.ROOT, "/../../secret", true));
      assertErrno(Errno.ENOENT, () -> fs.stat(Ctx.ROOT, "/../tenants/a/file", true));
    }
  }

  @Test
  void subdirOfAMissingPathOrAFile_isRefused() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (var c = h.client()) {
      new FileSystem(c.vfs()).writeAll(Ctx.ROOT, "/plain", "x".getBytes());
      assertErrno(Errno.ENOENT, () -> Vfses.subdir(c.vfs(), "/missing"));
      assertErrno(Errno.ENOTDIR, () -> Vfses.subdir(c.vfs(), "/plain"));
    }
  }

  private static void assertErrno(Errno expected, ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOf(FsException.class).extracting(e -> ((FsException) e).errno()).isEqualTo(expected);
  }
}
