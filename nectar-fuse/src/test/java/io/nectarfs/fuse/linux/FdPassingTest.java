package io.nectarfs.fuse.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.fuse.FuseSession;
import io.nectarfs.fuse.wire.InitState;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FdPassingTest {
  static int openFile(Path p) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      return (int) LibC.check(LibC.open(box, a.allocateFrom(p.toString()), LibC.O_RDONLY | LibC.O_CLOEXEC, 0), box, "open");
    }
  }

  static String readAll(int fd) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      MemorySegment buf = a.allocate(4096);
      long n = LibC.read(box, fd, buf, 4096);
      return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }
  }

  @Test
  void sendAndReceive_descriptorsWithPayload(@TempDir Path tmp) throws Exception {
    Path f1 = Files.writeString(tmp.resolve("one"), "first file");
    Path f2 = Files.writeString(tmp.resolve("two"), "second file");
    int[] sv = FdPassing.socketPair();
    int a = openFile(f1);
    int b = openFile(f2);
    try {
      FdPassing.send(sv[0], new int[] {a, b}, "state".getBytes(StandardCharsets.UTF_8));
      FdPassing.Received r = FdPassing.receive(sv[1], 4, 64);
      assertThat(new String(r.payload(), StandardCharsets.UTF_8)).isEqualTo("state");
      assertThat(r.fds()).hasSize(2).doesNotContain(a, b);
      FdPassing.closeQuietly(a); // the received descriptors stay valid on their own
      FdPassing.closeQuietly(b);
      assertThat(readAll(r.fds()[0])).isEqualTo("first file");
      assertThat(readAll(r.fds()[1])).isEqualTo("second file");
      for (int fd : r.fds()) {
        FdPassing.closeQuietly(fd);
      }
    } finally {
      FdPassing.closeQuietly(sv[0]);
      FdPassing.closeQuietly(sv[1]);
    }
  }

  @Test
  void closedPeer_givesNothing() throws Exception {
    int[] sv = FdPassing.socketPair();
    FdPassing.closeQuietly(sv[0]);
    FdPassing.Received r = FdPassing.receive(sv[1], 1, 16);
    assertThat(r.fds()).isEmpty();
    assertThat(r.payload()).isEmpty();
    FdPassing.closeQuietly(sv[1]);
  }

  @Test
  void fuseSession_travelsWithItsDescriptors(@TempDir Path tmp) throws Exception {
    Path f = Files.writeString(tmp.resolve("dev"), "pretend /dev/fuse");
    InitState init = new InitState(7, 38, 45, 0x44743bL, 0x73fffffbL, 1 << 20, 131072, 256, 64, 48, 1);
    int fd = openFile(f);
    int[] sv = FdPassing.socketPair();
    try {
      new FuseSession("/mnt/vol", new int[] {fd}, init).sendTo(sv[0]);
      FuseSession got = FuseSession.receiveFrom(sv[1]);
      assertThat(got.mountpoint()).isEqualTo("/mnt/vol");
      assertThat(got.init()).isEqualTo(init);
      assertThat(readAll(got.fds()[0])).isEqualTo("pretend /dev/fuse");
      FdPassing.closeQuietly(got.fds()[0]);
    } finally {
      FdPassing.closeQuietly(fd);
      FdPassing.closeQuietly(sv[0]);
      FdPassing.closeQuietly(sv[1]);
    }
  }
}
