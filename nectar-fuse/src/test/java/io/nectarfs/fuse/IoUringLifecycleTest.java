package io.nectarfs.fuse;

import static io.nectarfs.fuse.Mounted.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The io_uring transport's life: it is taken when asked and offered, refused with a fallback to
 * /dev/fuse when the kernel does not offer it, and a mount served over it stops cleanly when
 * closed or unmounted from outside, idle or busy, and survives parallel checksummed traffic.
 */
class IoUringLifecycleTest {
  private static MountOptions uring() {
    return MountOptions.builder().volumeName("ringvol").ioUring(true).build();
  }

  @AfterEach
  void restoreParam() throws Exception {
    IoUringParam.restore();
  }

  @Test
  void paramOff_fallsBackToDevFuse_andServes() throws Exception {
    Mounted.requireFuse();
    IoUringParam.set(false);
    try (Mounted m = Mounted.start(uring())) {
      Files.writeString(m.path("a"), "over /dev/fuse");
      assertThat(Files.readString(m.path("a"))).isEqualTo("over /dev/fuse");
      assertThat(m.server.transport()).isEqualTo("dev-fuse");
      assertThat(m.server.requestsOverIoUring()).isZero();
      assertThat(m.server.initState().has(io.nectarfs.fuse.wire.Proto.OVER_IO_URING)).isFalse();
    }
  }

  @Test
  void paramOn_butNotAsked_staysOnDevFuse() throws Exception {
    Mounted.requireFuse();
    IoUringParam.set(true);
    try (Mounted m = Mounted.start(MountOptions.builder().volumeName("ringvol").build())) {
      Files.writeString(m.path("a"), "x");
      assertThat(m.server.transport()).isEqualTo("dev-fuse");
      assertThat(m.server.requestsOverIoUring()).isZero();
    }
  }

  @Test
  void parallelReadersAndWriters_checksumsMatch() throws Exception {
    Mounted.requireFuse();
    IoUringParam.set(true);
    try (Mounted m = Mounted.start(uring())) {
      assertThat(m.server.transport()).isEqualTo("io-uring");
      String script = "set -e; cd " + m.dir + "; head -c 33554433 /dev/urandom > /tmp/nectar-uring-src.$$;"
          + " for i in 1 2 3 4; do cp /tmp/nectar-uring-src.$$ f$i & done; wait;"
          + " for i in 1 2 3 4; do sha256sum f$i | cut -d' ' -f1 & done | sort -u | wc -l;"
          + " sha256sum < /tmp/nectar-uring-src.$$ | cut -d' ' -f1; sha256sum < f3 | cut -d' ' -f1; rm -f /tmp/nectar-uring-src.$$";
      String[] out = sh(script).ok().out().strip().split("\n");
      assertThat(out[0].strip()).as("the four copies read back identical").isEqualTo("1");
      assertThat(out[2]).as("and equal to the source").isEqualTo(out[1]);
      assertThat(m.server.requestsOverIoUring()).isGreaterThan(100);
    }
  }

  @Test
  void close_whileIdle_stops() throws Exception {
    Mounted.requireFuse();
    IoUringParam.set(true);
    Mounted m = Mounted.start(uring());
    try {
      Files.writeString(m.path("a"), "a");
      assertThat(m.server.transport()).isEqualTo("io-uring");
      m.server.close();
      assertThat(FuseMount.isMounted(m.dir)).isFalse();
      assertThat(m.server.isStopped()).isTrue();
      assertThat(m.vfs.closed.get()).isEqualTo(1);
      assertThat(ringThreads()).isZero();
    } finally {
      m.close();
    }
  }

  @Test
  void umountFromOutside_whileIdle_stopsServer() throws Exception {
    Mounted.requireFuse();
    IoUringParam.set(true);
    Mounted m = Mounted.start(uring());
    try {
      Files.writeString(m.path("a"), "a");
      assertThat(m.server.transport()).isEqualTo("io-uring");
      sh("umount " + m.dir).ok();
      assertThat(m.server.awaitStop(Duration.ofSeconds(60))).isTrue();
      assertThat(m.vfs.closed.get()).isEqualTo(1);
      waitUntil(() -> ringThreads() == 0);
    } finally {
      m.close();
    }
  }

  @Test
  void close_whileBusy_stops() throws Exception {
    Mounted.requireFuse();
    IoUringParam.set(true);
    Mounted m = Mounted.start(uring());
    Process busy = null;
    try {
      busy = busyOverRings(m);
      m.server.close();
      assertThat(m.server.isStopped()).isTrue();
      assertThat(FuseMount.isMounted(m.dir)).isFalse();
      waitUntil(() -> ringThreads() == 0);
    } finally {
      stop(busy);
      m.close();
    }
  }

  @Test
  void lazyUmountFromOutside_whileBusy_stopsWhenTheLastUserLeaves() throws Exception {
    Mounted.requireFuse();
    IoUringParam.set(true);
    Mounted m = Mounted.start(uring());
    Process busy = null;
    try {
      busy = busyOverRings(m);
      sh("umount -l " + m.dir).ok();
      stop(busy);
      assertThat(m.server.awaitStop(Duration.ofSeconds(60))).isTrue();
      waitUntil(() -> ringThreads() == 0);
    } finally {
      stop(busy);
      m.close();
    }
  }

  @Test
  void detach_isRefusedOverIoUring() throws Exception {
    Mounted.requireFuse();
    IoUringParam.set(true);
    try (Mounted m = Mounted.start(uring())) {
      assertThat(m.server.transport()).isEqualTo("io-uring");
      assertThatThrownBy(m.server::detach).isInstanceOf(IllegalStateException.class).hasMessageContaining("io_uring");
      Files.writeString(m.path("still"), "serving");
      assertThat(Files.readString(m.path("still"))).isEqualTo("serving");
    }
  }

  /** A shell in the mount writing, reading and stat'ing small files until killed. */
  /** Starts {@link #busyLoop} on an io_uring mount and returns once 200 more requests came over its rings. */
  private static Process busyOverRings(Mounted m) throws Exception {
    assertThat(m.server.transport()).isEqualTo("io-uring");
    Process busy = busyLoop(m);
    long seen = m.server.requestsOverIoUring();
    try {
      waitUntil(() -> m.server.requestsOverIoUring() > seen + 200);
    } catch (Exception | AssertionError e) {
      stop(busy);
      throw e;
    }
    return busy;
  }

  private static Process busyLoop(Mounted m) throws Exception {
    String loop = "cd " + m.dir + " && while true; do for i in 1 2 3 4 5 6 7 8; do echo $i > b$i; cat b$i > /dev/null; stat b$i > /dev/null; done; done";
    return new ProcessBuilder(List.of("bash", "-c", loop)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
  }

  private static void stop(Process p) throws InterruptedException {
    if (p != null) {
      p.destroyForcibly();
      p.waitFor(60, TimeUnit.SECONDS);
    }
  }

  private static long ringThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("nectar-fuse-uring-") && t.isAlive()).count();
  }

  private static void waitUntil(BooleanSupplier cond) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 60 s");
      }
      Thread.sleep(10);
    }
  }
}
