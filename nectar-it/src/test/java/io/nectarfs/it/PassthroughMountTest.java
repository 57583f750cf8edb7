package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.fuse.MountOptions;
import io.nectarfs.fuse.wire.Opcode;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FUSE passthrough on a real mount: a read-only open of a file entirely in the local cache is read
 * by the kernel from a local copy (no READ reaches the daemon) and returns exactly the file; a
 * writer waits for such opens and then gets ETXTBSY; changes (local writes, truncate, another
 * client) give later opens a new copy while open descriptors keep theirs. The mounts keep no page
 * cache across opens, so a READ count of 0 means passthrough and not the kernel's page cache. Files
 * are at least 1 MiB (smaller ones never pass through) and at most 64 MiB (copied at the open).
 */
class PassthroughMountTest {
  @TempDir Path tmp;

  private static MountOptions.Builder opts(boolean passthrough) {
    return MountOptions.builder().allowOther(true).defaultPermissions(true).keepCache(false).passthrough(passthrough);
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static String sha(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /** Reads the whole file through one read-only open; returns the READ requests it cost. */
  private static long readCounting(MountedVolume m, Path f, byte[] expect) throws Exception {
    long before = m.server.requests(Opcode.READ);
    byte[] got = Files.readAllBytes(f);
    long reads = m.server.requests(Opcode.READ) - before;
    assertThat(sha(got)).isEqualTo(sha(expect));
    return reads;
  }

  @Test
  void warmedFile_isReadWithoutReadRequests_andChangesGiveLaterOpensTheNewContent() throws Exception {
    try (MountedVolume m = MountedVolume.mount(tmp.resolve("vol"), 0, opts(true))) {
      Path f = m.mnt.resolve("f");
      byte[] v1 = random(9 << 20, 1);
      Files.write(f, v1);
      readCounting(m, f, v1); // warms the cache (and may already pass through if written blocks were cached)
      assertThat(readCounting(m, f, v1)).as("READs of a passthrough open").isZero();

      // random reads through a passthrough open
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
        long before = m.server.requests(Opcode.READ);
        ByteBuffer b = ByteBuffer.allocate(4096);
        Random r = new Random(7);
        for (int i = 0; i < 200; i++) {
          int off = r.nextInt(v1.length - 4096);
          b.clear();
          ch.read(b, off);
          assertThat(b.array()).isEqualTo(java.util.Arrays.copyOfRange(v1, off, off + 4096));
        }
        assertThat(m.server.requests(Opcode.READ) - before).isZero();

        // a writer while the passthrough open lives: ETXTBSY after the wait
        assertThatThrownBy(() -> Files.write(f, new byte[] {1}, StandardOpenOption.WRITE))
            .isInstanceOf(FileSystemException.class).hasMessageContaining("busy");
        // truncate(2) by path (no open) changes the file; the open descriptor keeps its copy
        sh(m.mnt, "python3 -c \"import os; os.truncate('f', 2097152)\"");
        b.clear();
        ch.read(b, 8 << 20);
        assertThat(b.array()).isEqualTo(java.util.Arrays.copyOfRange(v1, 8 << 20, (8 << 20) + 4096));
      }
      assertThat(Files.size(f)).isEqualTo(2 << 20);
      byte[] v2 = java.util.Arrays.copyOf(v1, 2 << 20);
      readCounting(m, f, v2);
      assertThat(readCounting(m, f, v2)).isZero();

      // a local write after the last passthrough close: the next open reads the new content
      byte[] v3 = random(3 << 20, 3);
      Files.write(f, v3);
      readCounting(m, f, v3);
      assertThat(readCounting(m, f, v3)).isZero();
    }
  }

  @Test
  void anotherClientsChange_isSeenAtTheNextOpen() throws Exception {
    Path base = tmp.resolve("vol");
    try (MountedVolume a = MountedVolume.mount(base, 0, opts(true));
        MountedVolume b = MountedVolume.secondClient(base, "mnt-b")) {
      byte[] v1 = random(2 << 20, 11);
      Files.write(a.mnt.resolve("f"), v1);
      readCounting(a, a.mnt.resolve("f"), v1);
      assertThat(readCounting(a, a.mnt.resolve("f"), v1)).isZero();
      byte[] v2 = random(2 << 20, 12);
      Files.write(b.mnt.resolve("f"), v2);
      Thread.sleep(1200); // a's attribute and entry cache time (1 s), as in TwoClientsTest
      readCounting(a, a.mnt.resolve("f"), v2);
      assertThat(readCounting(a, a.mnt.resolve("f"), v2)).isZero();
    }
  }

  @Test
  void disabled_readsGoThroughTheDaemon() throws Exception {
    try (MountedVolume m = MountedVolume.mount(tmp.resolve("vol"), 0, opts(false))) {
      Path f = m.mnt.resolve("f");
      byte[] v1 = random(1 << 20, 5);
      Files.write(f, v1);
      readCounting(m, f, v1);
      assertThat(readCounting(m, f, v1)).isPositive();
    }
  }
}
