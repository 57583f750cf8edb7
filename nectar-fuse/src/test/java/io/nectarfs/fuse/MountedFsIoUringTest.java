package io.nectarfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every {@link MountedFsTest} case again, with requests served over FUSE-over-io_uring. */
class MountedFsIoUringTest extends MountedFsTest {
  @BeforeAll
  static void mount() throws Exception {
    IoUringParam.set(true);
    m = Mounted.start(MountOptions.builder().volumeName("memvol").ioUring(true).build());
  }

  @AfterAll
  static void unmount() throws Exception {
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
}
