package io.nectarfs.fuse;

import static io.nectarfs.fuse.Mounted.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.meta.Meta;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Mounting, unmounting, mount errors, fusermount3, read-only, notifications and handover. */
class MountLifecycleTest {
  @BeforeAll
  static void fuse() {
    Mounted.requireFuse();
  }

  @Test
  void mountErrors_areOneLineMessages() throws Exception {
    Path dir = Mounted.newDir();
    try {
      MountOptions o = MountOptions.defaults();
      assertThatThrownBy(() -> FuseMount.mount(dir.resolve("missing"), o)).isInstanceOf(IOException.class)
          .hasMessageEndingWith("mount point does not exist");
      Path file = Files.writeString(dir.resolve("file"), "x");
      assertThatThrownBy(() -> FuseMount.mount(file, o)).hasMessageEndingWith("mount point is not a directory");
      assertThatThrownBy(() -> FuseMount.mount(dir, o)).hasMessageContaining("mount point is not empty");
      Files.delete(file);
      try (Mounted m = Mounted.start(o)) {
        assertThatThrownBy(() -> FuseMount.mount(m.dir, o)).hasMessageContaining("already mounted (fuse.nectarfs nectarfs)");
      }
    } finally {
      Files.deleteIfExists(dir.resolve("file"));
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void nonEmptyOption_mountsOverFiles() throws Exception {
    Path dir = Mounted.newDir();
    Files.writeString(dir.resolve("hidden"), "below");
    try (FuseServer s = FuseServer.mount(new MemVfs(), dir, MountOptions.builder().nonEmpty(true).build())) {
      assertThat(s.awaitInit(Duration.ofSeconds(10))).isTrue();
      assertThat(Files.exists(dir.resolve("hidden"))).isFalse();
    } finally {
      assertThat(Files.readString(dir.resolve("hidden"))).isEqualTo("below");
      Files.delete(dir.resolve("hidden"));
      Mounted.cleanup(dir);
    }
  }

  @Test
  void close_whileIdle_unmountsAndClosesVfs() throws Exception {
    Mounted m = Mounted.start(MountOptions.defaults());
    try {
      Files.writeString(m.path("a"), "a");
      m.server.close();
      assertThat(FuseMount.isMounted(m.dir)).isFalse();
      assertThat(m.server.isStopped()).isTrue();
      assertThat(m.vfs.closed.get()).isEqualTo(1);
    } finally {
      m.close();
    }
  }

  @Test
  void lazyUmountFromOutside_stopsServer() throws Exception {
    Mounted m = Mounted.start(MountOptions.defaults());
    try {
      Files.writeString(m.path("a"), "a");
      sh("umount -l " + m.dir).ok();
      assertThat(m.server.awaitStop(Duration.ofSeconds(10))).isTrue();
      assertThat(m.vfs.closed.get()).isEqualTo(1);
      assertThat(FuseMount.isMounted(m.dir)).isFalse();
    } finally {
      m.close();
    }
  }

  @Test
  void fusermount3_mountAndUnmount() throws Exception {
    try (Mounted m = Mounted.start(MountOptions.builder().useFusermount(true).volumeName("viafm").build())) {
      assertThat(m.server.awaitInit(Duration.ofSeconds(10))).isTrue();
      Files.writeString(m.path("f"), "through fusermount3");
      assertThat(sh("cat " + m.path("f")).ok().out()).isEqualTo("through fusermount3");
      assertThat(MountInfo.find(m.dir).orElseThrow().source()).isEqualTo("viafm");
      m.server.close();
      assertThat(FuseMount.isMounted(m.dir)).isFalse();
    }
  }

  @Test
  void readOnly_refusesWritesWithErofs() throws Exception {
    try (Mounted m = Mounted.start(MountOptions.builder().readOnly(true).build())) {
      assertThat(sh("mkdir " + m.path("d")).err()).contains("Read-only file system");
      assertThat(sh("touch " + m.path("f")).err()).contains("Read-only file system");
      assertThat(sh("ls -a " + m.dir).ok().out()).contains("..");
    }
  }

  @Test
  void invalidateEntry_dropsCachedName() throws Exception {
    try (Mounted m = Mounted.start(MountOptions.builder().entryTimeout(Duration.ofHours(1)).attrTimeout(Duration.ofHours(1)).build())) {
      Files.writeString(m.path("gone"), "x");
      assertThat(Files.exists(m.path("gone"))).isTrue();
      m.vfs.removeBehindKernel(Meta.ROOT, "gone");
      assertThat(Files.exists(m.path("gone"))).isFalse();
      assertThat(sh("stat " + m.path("gone")).err()).contains("No such file or directory");
      m.vfs.invalidator().inode(Meta.ROOT, 0, 0); // accepted for a cached inode
    }
  }

  @Test
  void detachAndResume_keepTheMountServed() throws Exception {
    try (Mounted m = Mounted.start(MountOptions.defaults())) {
      Files.writeString(m.path("before"), "written by the first server");
      FuseSession session = m.server.detach();
      assertThat(session.init().minor()).isEqualTo(m.server.initState().minor());
      assertThat(FuseMount.isMounted(m.dir)).isTrue();
      try (FuseServer next = FuseServer.resume(m.vfs, session, MountOptions.defaults())) {
        assertThat(sh("cat " + m.path("before")).ok().out()).isEqualTo("written by the first server");
        Files.writeString(m.path("after"), "second");
        assertThat(Files.readString(m.path("after"))).isEqualTo("second");
      }
      assertThat(FuseMount.isMounted(m.dir)).isFalse();
    }
  }

  /**
   * A detach must not wait for idle workers to be scheduled (under load each took tens of ms, in
   * a takeover's pause): workers held right after their wake-up, before they may read, do not
   * hold it; the successor serves while they are still held, and once let go they read nothing.
   */
  @Test
  void detach_claimsIdleWorkersWithoutWaitingForThem_andTheyReadNothingMore() throws Exception {
    Duration generous = Duration.ofSeconds(60);
    AtomicBoolean armed = new AtomicBoolean();
    Set<Thread> held = ConcurrentHashMap.newKeySet();
    CountDownLatch release = new CountDownLatch(1);
    DevFuseTransport.afterWakeForTests = () -> {
      if (armed.get()) {
        held.add(Thread.currentThread());
        try {
          release.await(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    try (Mounted m = Mounted.start(MountOptions.defaults())) {
      Files.writeString(m.path("before"), "written by the first server");
      armed.set(true);
      CompletableFuture<FuseSession> detached = CompletableFuture.supplyAsync(m.server::detach);
      // it returns at once; the old code joined each held worker until its 30 s stop deadline passed
      FuseSession session = detached.get(20, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + generous.toNanos();
      while (held.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(5); // the stop signal woke them; they reach the hook when scheduled
      }
      armed.set(false);
      assertThat(held).as("workers held after their wake-up").isNotEmpty().allMatch(Thread::isAlive);
      long[] before = requestCounts(m.server);
      try (FuseServer next = FuseServer.resume(m.vfs, session, MountOptions.defaults())) {
        assertThat(sh("cat " + m.path("before")).ok().out()).isEqualTo("written by the first server");
        Files.writeString(m.path("after"), "second");
        release.countDown();
        for (Thread t : held) {
          assertThat(t.join(generous)).as("a claimed worker ends once let go").isTrue();
        }
        assertThat(Files.readString(m.path("after"))).isEqualTo("second");
        assertThat(requestCounts(m.server)).as("requests the detached server read").isEqualTo(before);
      }
    } finally {
      release.countDown();
      DevFuseTransport.afterWakeForTests = null;
    }
  }

  private static long[] requestCounts(FuseServer s) {
    long[] out = new long[64];
    for (int op = 0; op < out.length; op++) {
      out[op] = s.requests(op);
    }
    return out;
  }
}
