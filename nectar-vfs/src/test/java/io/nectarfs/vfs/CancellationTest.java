package io.nectarfs.vfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Cancellation;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.Meta;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cancelled caller's reads and writes stop at their check points and change nothing. */
class CancellationTest {
  @TempDir Path tmp;

  private static void assertErrno(Errno errno, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(errno));
  }

  @Test
  void cancelledReadAndWrite_failWithEintr_andTheFileIsUnchanged() throws Exception {
    try (var c = VfsHarness.memory(tmp).client()) {
      Vfs vfs = c.vfs();
      Ctx root = Ctx.ROOT;
      Vfs.Opened f = vfs.create(root, Meta.ROOT, "f", 0644, 0, 2);
      long ino = f.entry().ino();
      vfs.write(root, ino, f.fh(), 0, ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
      vfs.flush(root, ino, f.fh(), 0);

      Cancellation token = Cancellation.create();
      token.cancel();
      Ctx cancelled = root.withCancellation(token);
      ByteBuffer dst = ByteBuffer.allocate(16);
      assertErrno(Errno.EINTR, () -> vfs.read(cancelled, ino, f.fh(), 0, dst));
      assertThat(dst.position()).isZero();
      ByteBuffer src = ByteBuffer.wrap("XXXXXXXX".getBytes(StandardCharsets.UTF_8));
      assertErrno(Errno.EINTR, () -> vfs.write(cancelled, ino, f.fh(), 0, src));
      assertThat(src.position()).isZero();
      vfs.flush(root, ino, f.fh(), 0);

      assertThat(vfs.getattr(root, ino).length()).isEqualTo(5);
      ByteBuffer all = ByteBuffer.allocate(16);
      int n = vfs.read(root, ino, f.fh(), 0, all);
      assertThat(new String(all.array(), 0, n, StandardCharsets.UTF_8)).isEqualTo("hello");
      vfs.release(root, ino, f.fh());
    }
  }
}
