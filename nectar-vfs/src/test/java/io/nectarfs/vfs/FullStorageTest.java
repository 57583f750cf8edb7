package io.nectarfs.vfs;

import static io.nectarfs.common.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.nectarfs.chunk.BlockKeys;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Secrets;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.StoreOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Object storage on a really full file system (a 2 MiB tmpfs, so the test needs root): the writer
 * gets ENOSPC, at the write and at close, and the failed file's uploaded blocks are deleted at
 * once; data committed before stays readable.
 */
class FullStorageTest {
  @TempDir Path tmp;
  private Path mounted;

  private static int run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }

  @AfterEach
  void unmount() throws Exception {
    if (mounted != null) {
      run("umount", "-l", mounted.toString());
    }
  }

  private List<String> blocks(ObjectStore s) throws IOException {
    return s.listKeys("chunks/").stream().filter(k -> BlockKeys.parse(k) != null).toList();
  }

  @Test
  void writingIntoAFullStore_isEnospc_andLeavesNoOrphanBlocks() throws Exception {
    assumeThat(System.getProperty("user.name")).as("mounting a tmpfs needs root").isEqualTo("root");
    Path store = Files.createDirectories(tmp.resolve("store"));
    assumeThat(run("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", store.toString())).as("mount tmpfs").isZero();
    mounted = store;
    String name = "full-" + UUID.randomUUID();
    VfsHarness h = new VfsHarness(tmp, "mem://" + name, "file://" + store, StoreOptions.defaults(), new Secrets(Map.of()), 64 << 10);
    byte[] kept = new byte[300_000];
    new Random(1).nextBytes(kept);
    try (var c = h.client()) {
      FileSystem fs = new FileSystem(c.vfs());
      fs.writeAll(Ctx.ROOT, "/kept", kept);
      List<String> keptBlocks = blocks(c.store());
      assertThat(keptBlocks).isNotEmpty();

      Vfs.Opened o = c.vfs().create(Ctx.ROOT, 1, "big", 0644, 022, O_WRONLY);
      long ino = o.entry().ino();
      byte[] chunk = new byte[64 << 10];
      new Random(2).nextBytes(chunk);
      // Uploads run behind the writes, so the failure may surface at a later write or at fsync;
      // either way it is ENOSPC, and it sticks: the next write and the close report it too.
      FsException first = null;
      long off = 0;
      long synced = 0;
      for (int i = 0; first == null && off < (64 << 20); i++) {
        try {
          off += c.vfs().write(Ctx.ROOT, ino, o.fh(), off, ByteBuffer.wrap(chunk));
          if (i % 16 == 15) {
            c.vfs().fsync(Ctx.ROOT, ino, o.fh(), false);
            synced = off;
          }
        } catch (FsException e) {
          first = e;
        }
      }
      assertThat(first).as("writing 64 MiB into a 2 MiB store fails").isNotNull();
      assertThat(first.errno()).isEqualTo(Errno.ENOSPC);
      assertThat(first.getMessage()).contains("full");
      long at = off;
      Throwable again = org.assertj.core.api.Assertions.catchThrowable(() -> c.vfs().write(Ctx.ROOT, ino, o.fh(), at, ByteBuffer.wrap(chunk)));
      assertThat(again).isInstanceOf(FsException.class);
      assertThat(((FsException) again).errno()).isEqualTo(Errno.ENOSPC);
      FsException atClose = null;
      try {
        c.vfs().release(Ctx.ROOT, ino, o.fh());
      } catch (FsException e) {
        atClose = e;
      }
      assertThat(atClose).as("close reports the lost data too").isNotNull();
      assertThat(atClose.errno()).isEqualTo(Errno.ENOSPC);

      Gc.Report leaks = Gc.run(c.meta(), c.store(), java.time.Duration.ZERO, false, n -> {});
      assertThat(leaks.leakedObjects()).as("no block of the failed slices remains: %s", leaks.samples()).isZero();
      assertThat(blocks(c.store())).containsAll(keptBlocks);
      try (Stream<Path> s = Files.list(store.resolve(".nectar-tmp"))) {
        assertThat(s.toList()).as("no temporary files left").isEmpty();
      }
      assertThat(fs.readAll(Ctx.ROOT, "/kept")).isEqualTo(kept);
      assertThat(fs.stat(Ctx.ROOT, "/big").attr().length()).as("what fsync acknowledged stays").isEqualTo(synced);
      MetaClient m = c.meta();
      assertThat(m.check()).isEmpty();
    }
  }
}
