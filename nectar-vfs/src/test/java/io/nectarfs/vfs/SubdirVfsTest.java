package io.nectarfs.vfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.meta.Meta;
import java.nio.file.Path;
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
      Vfs sub = Vfses.subdir(c.vfs(), "/tenants/a");
      FileSystem fs = new FileSystem(sub);
      assertThat(new String(fs.readAll(Ctx.ROOT, "/file"))).isEqualTo("A");
      assertThat(fs.list(Ctx.ROOT, "/")).extracting(FileSystem.Child::name).containsExactly("file");
      assertThat(sub.lookup(Ctx.ROOT, Meta.ROOT, "..").ino()).isEqualTo(Meta.ROOT);
      assertThat(fs.stat(Ctx.ROOT, "/../../secret", true)).isNull();
    } catch (io.nectarfs.common.FsException e) {
      assertThat(e.errno()).isEqualTo(io.nectarfs.common.Errno.ENOENT);
    }
  }
}
