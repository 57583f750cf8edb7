package io.nectarfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.fuse.wire.Opcode;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every {@link MountedFsTest} case again, with requests served over FUSE-over-io_uring. The
 * superclass's {@code @BeforeAll} runs first and mounts over /dev/fuse; this one replaces that mount.
 */
class MountedFsIoUringTest extends MountedFsTest {
  @BeforeAll
  static void mountOverIoUring() throws Exception {
    if (m != null) {
      m.close();
      m = null;
    }
    IoUringParam.set(true);
    m = Mounted.start(MountOptions.builder().volumeName("memvol").ioUring(true).build());
  }

  @AfterAll
  static void unmountOverIoUring() throws Exception {
    try {
      if (m != null) {
        m.close();
        m = null;
      }
    } finally {
      IoUringParam.restore();
    }
  }

  @Test
  void requestsTakeTheRing() throws Exception {
    assertThat(m.server.transport()).isEqualTo("io-uring");
    long before = m.server.requestsOverIoUring();
    java.nio.file.Files.writeString(m.path("ring"), "x");
    assertThat(java.nio.file.Files.readString(m.path("ring"))).isEqualTo("x");
    java.nio.file.Files.delete(m.path("ring"));
    assertThat(m.server.requestsOverIoUring() - before).isGreaterThanOrEqualTo(4); // lookup, create, write, unlink at least
  }

  @Test
  void forgets_stillArriveOnDevFuse() throws Exception {
    long before = m.server.requests(Opcode.FORGET) + m.server.requests(Opcode.BATCH_FORGET);
    Files.createDirectory(m.path("forget"));
    for (int i = 0; i < 50; i++) {
      Files.writeString(m.path("forget/f" + i), "x");
      Files.delete(m.path("forget/f" + i)); // an unlinked, closed inode is evicted: the kernel forgets it
    }
    Files.delete(m.path("forget"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (m.server.requests(Opcode.FORGET) + m.server.requests(Opcode.BATCH_FORGET) == before) {
      assertThat(System.nanoTime()).as("a FORGET within 60 s").isLessThan(deadline);
      Thread.sleep(10);
    }
    assertThat(m.server.transport()).isEqualTo("io-uring");
  }
}
