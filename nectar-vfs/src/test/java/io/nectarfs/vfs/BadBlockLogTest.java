package io.nectarfs.vfs;

import static io.nectarfs.common.OpenFlags.O_RDONLY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.nectarfs.chunk.ChunkConfig;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.testkit.StoreStacks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A missing or corrupt block gives EIO and one log line per block naming its key and inode, without secrets. */
class BadBlockLogTest {
  private static final int BS = 64 << 10;
  @TempDir Path tmp;

  @Test
  void badBlocks_areLoggedOncePerBlock_withKeyAndInode_andNoSecret() throws Exception {
    Path store = Files.createDirectories(tmp.resolve("store"));
    StoreStacks.Stack enc = StoreStacks.get("aes256gcm", "file://" + store, Files.createDirectories(tmp.resolve("keys")));
    VfsHarness h = new VfsHarness(tmp, "mem://bad-" + UUID.randomUUID(), enc.url(), enc.options().withPrefix("vol/").withChecksum(true),
        enc.secrets(), BS);
    byte[] data = new byte[4 * BS];
    new Random(7).nextBytes(data);
    long ino;
    try (var c = h.client()) {
      FileSystem fs = new FileSystem(c.vfs());
      fs.writeAll(Ctx.ROOT, "/f", data);
      ino = fs.stat(Ctx.ROOT, "/f").ino();
    }
    List<Path> blocks;
    try (Stream<Path> s = Files.walk(store.resolve("vol/chunks"))) {
      blocks = s.filter(Files::isRegularFile).sorted().toList();
    }
    assertThat(blocks).hasSize(4);
    Path corrupt = blocks.get(1);
    byte[] b = Files.readAllBytes(corrupt);
    b[b.length / 2] ^= 0x55;
    Files.write(corrupt, b);
    Path missing = blocks.get(2);
    Files.delete(missing);
    String corruptKey = store.resolve("vol").relativize(corrupt).toString();
    String missingKey = store.resolve("vol").relativize(missing).toString();

    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (var c = h.client(ChunkConfig.inMemory(BS), VfsConfig.defaults())) {
      long fh = c.vfs().open(Ctx.ROOT, ino, O_RDONLY);
      for (int round = 0; round < 3; round++) {
        for (int block : new int[] {1, 2}) {
          Throwable t = catchThrowable(() -> c.vfs().read(Ctx.ROOT, ino, fh, (long) block * BS + 100, ByteBuffer.allocate(4096)));
          assertThat(t).isInstanceOf(FsException.class);
          assertThat(((FsException) t).errno()).isEqualTo(Errno.EIO);
        }
      }
      ByteBuffer good = ByteBuffer.allocate(4096);
      assertThat(c.vfs().read(Ctx.ROOT, ino, fh, 3L * BS, good)).isEqualTo(4096);
      c.vfs().release(Ctx.ROOT, ino, fh);
    } finally {
      System.setErr(err);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    err.print(log);
    List<String> lines = log.lines().filter(l -> l.contains("logged once per block")).toList();
    assertThat(lines).as(log).hasSize(2);
    assertThat(lines).filteredOn(l -> l.contains(corruptKey) && l.contains("inode " + ino) && l.contains("corrupt")).hasSize(1);
    assertThat(lines).filteredOn(l -> l.contains(missingKey) && l.contains("inode " + ino) && l.contains("missing")).hasSize(1);
    assertThat(log).doesNotContain(StoreStacks.PASSPHRASE).doesNotContain("PRIVATE KEY");
  }
}
