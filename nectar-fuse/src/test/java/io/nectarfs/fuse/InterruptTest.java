package io.nectarfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Metrics;
import io.nectarfs.fuse.wire.Opcode;
import io.nectarfs.vfs.Vfs;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * An INTERRUPT of an OPEN whose Vfs call is held: open(2) fails with EINTR at once, and when the
 * held call then succeeds, the server releases the handle the kernel never learnt of.
 */
class InterruptTest {
  private static final String OPEN_PY = String.join("\n",
      "import ctypes, os, signal, sys",
      "libc = ctypes.CDLL(None, use_errno=True)",
      "signal.signal(signal.SIGUSR1, lambda s, f: None)",
      "print(os.getpid(), flush=True)",
      "rc = libc.open(sys.argv[1].encode(), os.O_RDONLY)",
      "print(rc, ctypes.get_errno(), flush=True)",
      "");

  @Test
  void interruptedOpen_answersEintrAtOnce_andTheLateHandleIsReleased() throws Exception {
    interruptedOpen(false);
  }

  @Test
  void overIoUring_interruptedOpen_answersEintrAtOnce_andTheLateHandleIsReleased() throws Exception {
    Mounted.requireFuse();
    IoUringParam.set(true);
    try {
      interruptedOpen(true);
    } finally {
      IoUringParam.restore();
    }
  }

  private void interruptedOpen(boolean ioUring) throws Exception {
    Mounted.requireFuse();
    MemVfs mem = new MemVfs();
    AtomicBoolean armed = new AtomicBoolean();
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    // the Vfs of the mount: MemVfs, with one OPEN held after it succeeded (a slow engine answer)
    Vfs vfs = (Vfs) Proxy.newProxyInstance(Vfs.class.getClassLoader(), new Class<?>[] {Vfs.class}, (proxy, m, args) -> {
      Object result;
      try {
        result = m.invoke(mem, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
      if (m.getName().equals("open") && armed.compareAndSet(true, false)) {
        held.countDown();
        boolean done = false;
        while (!done) { // like a driver's socket read, the hold does not end on an interrupt
          try {
            done = release.await(10, TimeUnit.MINUTES);
          } catch (InterruptedException e) {
            interrupted.set(true);
          }
        }
      }
      return result;
    });
    Path dir = Mounted.newDir();
    Path script = Files.createTempFile("open", ".py");
    Metrics metrics = Metrics.create();
    try (FuseServer server = FuseServer.mount(vfs, dir, MountOptions.builder().volumeName("intr").ioUring(ioUring).build(), metrics)) {
      assertThat(server.awaitInit(Duration.ofSeconds(10))).isTrue();
      Wait.until(() -> server.transport().equals(ioUring ? "io-uring" : "dev-fuse"));
      Files.writeString(dir.resolve("f"), "data");
      Files.writeString(script, OPEN_PY);
      Wait.until(() -> mem.openHandles() == 0); // the write's handle is released (asynchronously after close)
      armed.set(true);
      Process p = new ProcessBuilder("python3", script.toString(), dir.resolve("f").toString()).redirectErrorStream(true).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      try {
        String pid = out.readLine();
        assertThat(pid).matches("\\d+");
        assertThat(held.await(60, TimeUnit.SECONDS)).as("the OPEN is held in the Vfs").isTrue();
        Mounted.run(Duration.ofSeconds(30), List.of("kill", "-USR1", pid)).ok();
        String line = CompletableFuture.supplyAsync(() -> {
          try {
            return out.readLine();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }).get(60, TimeUnit.SECONDS);
        assertThat(release.getCount()).as("still held").isEqualTo(1);
        assertThat(line).isEqualTo("-1 4");
        assertThat(server.requests(Opcode.INTERRUPT)).isPositive();
        if (ioUring) {
          assertThat(server.requestsOverIoUring()).as("the OPEN came over the ring").isPositive();
        }
        assertThat(metrics.registry().get("nectar_fuse_interrupts").counter().count()).isEqualTo(server.requests(Opcode.INTERRUPT));
        assertThat(metrics.registry().get("nectar_fuse_inflight_requests").gauge().value()).as("the held OPEN").isGreaterThanOrEqualTo(1);
        assertThat(mem.openHandles()).as("the held open made a handle").isEqualTo(1);
      } finally {
        release.countDown();
        p.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
      }
      Wait.until(() -> mem.openHandles() == 0);
      assertThat(interrupted).as("no thread interrupt reached the held call").isFalse();
      assertThat(Files.readString(dir.resolve("f"))).isEqualTo("data");
    } finally {
      Files.deleteIfExists(script);
      Mounted.cleanup(dir);
    }
  }

  /** Waits for a condition with a generous deadline. */
  private static final class Wait {
    static void until(java.util.function.BooleanSupplier cond) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!cond.getAsBoolean()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("condition not met within 60 s");
        }
        Thread.sleep(5);
      }
    }
  }
}
