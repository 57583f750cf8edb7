package io.nectarfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.fuse.wire.Opcode;
import io.nectarfs.vfs.Vfs;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The /dev/fuse workers run handlers on the thread that read the request; these check that held
 * handlers never stop the mount from reading: many slow opens at once still let a stat through,
 * and lock waiters (SETLKW) never occupy the workers, however few there may be.
 */
class WorkersTest {
  private static final Duration GENEROUS = Duration.ofSeconds(60);

  @Test
  void requests_runOnTheWorkerThatReadThem() throws Exception {
    MountOptions o = MountOptions.builder().attrTimeout(Duration.ZERO).entryTimeout(Duration.ZERO).build();
    try (Mounted m = Mounted.start(o)) {
      Files.writeString(m.path("f"), "data");
      long deadline = System.nanoTime() + GENEROUS.toNanos();
      while (m.vfs.openHandles() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(5); // the write's RELEASE comes asynchronously after close: no request but the stats
      }
      long lookups = m.server.requests(Opcode.LOOKUP);
      long handedOff = m.server.requestsHandedOff();
      Mounted.run(GENEROUS, List.of("python3", "-c", "import os, sys\nfor i in range(200): os.stat(sys.argv[1])", m.path("f").toString()))
          .ok();
      assertThat(m.server.requests(Opcode.LOOKUP) - lookups).as("every stat is a LOOKUP").isGreaterThanOrEqualTo(200);
      assertThat(m.server.requestsHandedOff() - handedOff).as("no request was handed to another thread").isZero();
    }
  }

  @Test
  void manyHeldHandlers_stillLetAStatThrough() throws Exception {
    Mounted.requireFuse();
    int held = 12; // more than the readers and more than the idle workers kept
    MemVfs mem = new MemVfs();
    AtomicBoolean armed = new AtomicBoolean();
    CountDownLatch allHeld = new CountDownLatch(held);
    CountDownLatch release = new CountDownLatch(1);
    Vfs vfs = Mounted.holding(mem, "open", armed, allHeld, release);
    Path dir = Mounted.newDir();
    MountOptions o = MountOptions.builder().readers(1).attrTimeout(Duration.ZERO).entryTimeout(Duration.ZERO).build();
    List<Thread> openers = new ArrayList<>();
    try (FuseServer server = FuseServer.mount(vfs, dir, o)) {
      assertThat(server.awaitInit(Duration.ofSeconds(10))).isTrue();
      for (int i = 0; i < held; i++) {
        Files.writeString(dir.resolve("f" + i), "data");
      }
      Files.writeString(dir.resolve("other"), "x");
      armed.set(true);
      for (int i = 0; i < held; i++) {
        Path f = dir.resolve("f" + i);
        Thread t = Thread.ofPlatform().daemon(true).start(() -> {
          try (InputStream in = Files.newInputStream(f)) {
            in.readAllBytes();
          } catch (java.io.IOException e) {
            // the mount went away: the assertions below say why
          }
        });
        openers.add(t);
      }
      assertThat(allHeld.await(GENEROUS.toSeconds(), TimeUnit.SECONDS)).as("all opens are held in the Vfs").isTrue();
      long lookups = server.requests(Opcode.LOOKUP);
      Mounted.run(GENEROUS, List.of("stat", dir.resolve("other").toString())).ok();
      assertThat(server.requests(Opcode.LOOKUP)).as("the stat went to the server").isGreaterThan(lookups);
      assertThat(release.getCount()).as("while the opens were held").isEqualTo(1);
      armed.set(false);
      release.countDown();
      for (Thread t : openers) {
        t.join(GENEROUS);
        assertThat(t.isAlive()).isFalse();
      }
    } finally {
      release.countDown();
      Mounted.cleanup(dir);
    }
  }

  @Test
  void lockWaiters_neverHoldTheWorkers() throws Exception {
    Mounted.requireFuse();
    int waiters = 4; // more than all the workers this mount may start (max_background 2)
    Path dir = Mounted.newDir();
    MountOptions o = MountOptions.builder().readers(1).maxBackground(2).attrTimeout(Duration.ZERO).entryTimeout(Duration.ZERO)
        .build();
    List<Process> procs = new ArrayList<>();
    try (FuseServer server = FuseServer.mount(new MemVfs(), dir, o)) {
      assertThat(server.awaitInit(Duration.ofSeconds(10))).isTrue();
      Path f = dir.resolve("locked");
      Files.writeString(f, "data");
      Files.writeString(dir.resolve("other"), "x");
      // the holder takes the lock, says so, and keeps it until its stdin closes
      Process holder = python(f, "fcntl.lockf(fd, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()");
      procs.add(holder);
      assertThat(new String(holder.getInputStream().readNBytes(6))).isEqualTo("locked");
      for (int i = 0; i < waiters; i++) {
        procs.add(python(f, "fcntl.lockf(fd, fcntl.LOCK_EX)"));
      }
      long deadline = System.nanoTime() + GENEROUS.toNanos();
      while (server.requests(Opcode.SETLKW) < waiters && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(server.requests(Opcode.SETLKW)).as("every waiter is waiting in the server").isGreaterThanOrEqualTo(waiters);
      Mounted.run(GENEROUS, List.of("stat", dir.resolve("other").toString())).ok();
      holder.getOutputStream().close(); // unlock: the waiters get the lock in turn and exit
      for (Process p : procs) {
        assertThat(p.waitFor(GENEROUS.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
      }
    } finally {
      procs.forEach(Process::destroyForcibly);
      Mounted.cleanup(dir);
    }
  }

  private static Process python(Path file, String body) throws java.io.IOException {
    String script = "import fcntl, os, sys\nfd = os.open(sys.argv[1], os.O_RDWR)\n" + body.replace("; ", "\n") + "\n";
    return new ProcessBuilder("python3", "-c", script, file.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }
}
