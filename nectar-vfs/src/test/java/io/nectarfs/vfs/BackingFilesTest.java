package io.nectarfs.vfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BackingFiles}: read-only copies in a private directory, bounded, one version per inode. */
class BackingFilesTest {
  @TempDir Path tmp;

  private static BackingFiles.Filler bytes(int n, byte value) {
    return ch -> {
      ByteBuffer b = ByteBuffer.allocate(n);
      while (b.hasRemaining()) {
        b.put(value);
      }
      ch.write(b.flip());
    };
  }

  @Test
  void copies_areReadOnlyInAPrivateDirectory_andLeastRecentlyUsedAreEvictedOverTheLimit() throws IOException {
    Path dir = tmp.resolve("passthrough");
    try (BackingFiles area = new BackingFiles(dir, 10_000)) {
      Path a = area.assemble(1, "v1", 4000, bytes(4000, (byte) 1));
      Path b = area.assemble(2, "v1", 4000, bytes(4000, (byte) 2));
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(a))).isEqualTo("r--------");
      assertThat(area.get(1, "v1")).isEqualTo(a); // a is now the most recently used
      Path c = area.assemble(3, "v1", 4000, bytes(4000, (byte) 3));
      assertThat(area.bytes()).isEqualTo(8000);
      assertThat(Files.exists(b)).as("least recently used, evicted").isFalse();
      assertThat(area.get(2, "v1")).isNull();
      assertThat(Files.readAllBytes(a)).containsOnly((byte) 1);
      assertThat(Files.readAllBytes(c)).containsOnly((byte) 3);
      // a copy held open (as the kernel holds a backing file) stays readable after its eviction
      try (var held = java.nio.channels.FileChannel.open(a)) {
        area.assemble(4, "v1", 4000, bytes(4000, (byte) 4));
        area.assemble(5, "v1", 4000, bytes(4000, (byte) 5));
        assertThat(Files.exists(a)).isFalse();
        ByteBuffer got = ByteBuffer.allocate(4000);
        held.read(got, 0);
        assertThat(got.array()).containsOnly((byte) 1);
      }
    }
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void aNewVersion_replacesTheOldCopy_andInvalidateDropsIt() throws IOException {
    try (BackingFiles area = new BackingFiles(tmp.resolve("p"), 1 << 20)) {
      Path v1 = area.assemble(1, "v1", 10, bytes(10, (byte) 1));
      Path v2 = area.assemble(1, "v2", 20, bytes(20, (byte) 2));
      assertThat(Files.exists(v1)).isFalse();
      assertThat(area.get(1, "v1")).isNull();
      assertThat(area.bytes()).isEqualTo(20);
      area.invalidate(1);
      assertThat(Files.exists(v2)).isFalse();
      assertThat(area.bytes()).isZero();
    }
  }

  @Test
  void aShortAssembly_fails_andLeavesNothing() throws IOException {
    Path dir = tmp.resolve("p");
    try (BackingFiles area = new BackingFiles(dir, 1 << 20)) {
      assertThatThrownBy(() -> area.assemble(1, "v1", 100, bytes(50, (byte) 1))).hasMessageContaining("expected 100");
      assertThat(dir).isEmptyDirectory();
      assertThat(area.get(1, "v1")).isNull();
    }
  }

  @Test
  void copiesOfAnEarlierProcess_areDeletedAtOpen() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("p"));
    Files.writeString(dir.resolve("7-old"), "stale");
    try (BackingFiles area = new BackingFiles(dir, 1 << 20)) {
      assertThat(dir).isEmptyDirectory();
    }
  }

  @Test
  void aLargeCopy_isBuiltOnceInTheBackground() throws Exception {
    try (BackingFiles area = new BackingFiles(tmp.resolve("p"), 1 << 20)) {
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.atomic.AtomicInteger fills = new java.util.concurrent.atomic.AtomicInteger();
      BackingFiles.Filler slow = ch -> {
        fills.incrementAndGet();
        try {
          release.await();
        } catch (InterruptedException e) {
          throw new java.io.InterruptedIOException();
        }
        bytes(1000, (byte) 9).fill(ch);
      };
      area.assembleLater(1, "v1", 1000, slow);
      area.assembleLater(1, "v1", 1000, slow); // already being built: ignored
      assertThat(area.get(1, "v1")).isNull();
      release.countDown();
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
      while (area.get(1, "v1") == null && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(Files.readAllBytes(area.get(1, "v1"))).containsOnly((byte) 9).hasSize(1000);
      assertThat(fills.get()).isEqualTo(1);
      area.assembleLater(1, "v1", 1000, slow); // exists: nothing to do
      assertThat(fills.get()).isEqualTo(1);
    }
  }
}
