package io.nectarfs.vfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Cancellation;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.Meta;
import io.nectarfs.chunk.ChunkConfig;
import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.chunk.ChunkStores;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.object.ObjectStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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

  @Test
  void writeWaitingForBufferMemory_wakesWithEintr_andTheFileStaysConsistent() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    GateStore store = new GateStore(h.openStore());
    int bs = h.blockSize;
    // buffer memory for four blocks: a write waits while earlier blocks are still uploading
    ChunkStore chunks = ChunkStores.open(store, new ChunkConfig(bs, 4L * bs, 4, 2, List.of(), 0, 0, false, 0, false, 0, Duration.ZERO));
    MetaClient meta = MetaClient.open(MetaEngines.registry().open(h.metaUrl, h.secrets), MetaConfig.defaults().withBackground(false));
    Vfs vfs = Vfses.open(meta, chunks, VfsConfig.defaults());
    try {
      Ctx root = Ctx.ROOT;
      Vfs.Opened f = vfs.create(root, Meta.ROOT, "f", 0644, 0, 2);
      long ino = f.entry().ino();
      byte[] first = new byte[4 * bs];
      new Random(5).nextBytes(first);
      store.closeGate();
      assertThat(vfs.write(root, ino, f.fh(), 0, ByteBuffer.wrap(first))).isEqualTo(first.length); // its blocks now upload (held)

      Cancellation token = Cancellation.create();
      AtomicReference<Throwable> outcome = new AtomicReference<>();
      ByteBuffer more = ByteBuffer.wrap(new byte[2 * bs]);
      Thread w = Thread.ofPlatform().start(() -> {
        try {
          vfs.write(root.withCancellation(token), ino, f.fh(), first.length, more);
        } catch (Throwable t) {
          outcome.set(t);
        }
      });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (w.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
        Thread.sleep(5); // until the writer waits for buffer memory
      }
      token.cancel();
      assertThat(w.join(Duration.ofSeconds(60))).as("the waiting write returned").isTrue();
      assertThat(outcome.get()).isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINTR));

      store.openGate();
      vfs.flush(root, ino, f.fh(), 0);
      assertThat(vfs.getattr(root, ino).length()).isEqualTo(first.length);
      ByteBuffer back = ByteBuffer.allocate(first.length + 10);
      while (back.hasRemaining() && vfs.read(root, ino, f.fh(), back.position(), back) > 0) {
        // read to the end
      }
      assertThat(Arrays.copyOf(back.array(), back.position())).isEqualTo(first);
      vfs.release(root, ino, f.fh());
    } finally {
      store.openGate(); // before closing: closing flushes, which waits for the uploads
      vfs.close();
      meta.close();
    }
  }
}
