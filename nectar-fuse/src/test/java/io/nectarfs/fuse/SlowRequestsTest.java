package io.nectarfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.vfs.Vfs;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A handover waits, still serving, for the syncs in flight ({@link FuseServer#awaitNoSlowRequests}). */
class SlowRequestsTest {
  private static final Duration GENEROUS = Duration.ofSeconds(60);

  @Test
  void awaitNoSlowRequests_waitsForAnFsyncInFlight_whileTheMountServes() throws Exception {
    Mounted.requireFuse();
    MemVfs mem = new MemVfs();
    AtomicBoolean armed = new AtomicBoolean();
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Vfs vfs = Mounted.holding(mem, "fsync", armed, held, release);
    Path dir = Mounted.newDir();
    try (FuseServer server = FuseServer.mount(vfs, dir, MountOptions.defaults())) {
      assertThat(server.awaitInit(Duration.ofSeconds(10))).isTrue();
      Path f = dir.resolve("f");
      Files.writeString(f, "data");
      assertThat(server.awaitNoSlowRequests(GENEROUS)).as("none in flight: no wait").isLessThan(GENEROUS);
      armed.set(true);
      CompletableFuture<Void> fsync = CompletableFuture.runAsync(() -> {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
          ch.force(true);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      assertThat(held.await(GENEROUS.toSeconds(), TimeUnit.SECONDS)).as("the fsync is held in the Vfs").isTrue();
      CompletableFuture<Duration> waited = new CompletableFuture<>();
      Thread waiter = Thread.ofPlatform().start(() -> {
        try {
          waited.complete(server.awaitNoSlowRequests(Duration.ofMinutes(10)));
        } catch (InterruptedException e) {
          waited.completeExceptionally(e);
        }
      });
      long deadline = System.nanoTime() + GENEROUS.toNanos();
      while (waiter.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
        Thread.onSpinWait(); // until it polls: it saw the fsync in flight
      }
      assertThat(waiter.getState()).isEqualTo(Thread.State.TIMED_WAITING);
      assertThat(Files.readString(f)).as("the mount serves meanwhile").isEqualTo("data");
      assertThat(waited).as("while the fsync is held").isNotDone();
      release.countDown();
      assertThat(waited.get(GENEROUS.toSeconds(), TimeUnit.SECONDS)).isLessThan(Duration.ofMinutes(10));
      fsync.get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
    } finally {
      release.countDown();
      Mounted.cleanup(dir);
    }
  }
}
