package io.nectarfs.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.chunk.ChunkConfig;
import io.nectarfs.chunk.ChunkStores;
import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Secrets;
import io.nectarfs.fuse.FuseServer;
import io.nectarfs.fuse.MountOptions;
import io.nectarfs.fuse.wire.Opcode;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import io.nectarfs.testkit.meta.BlockingKv;
import io.nectarfs.vfs.VfsConfig;
import io.nectarfs.vfs.Vfses;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #10's acceptance for cancellation: a process blocked in mkdir(2) on the mount while the
 * metadata engine (SQLite) holds the call gets a signal; the kernel sends FUSE_INTERRUPT and the
 * syscall fails with EINTR while the engine call is still held. Released, the engine call ends,
 * the operation commits nothing, and the same mount and engine connection keep working.
 */
class InterruptMountTest {
  @TempDir Path tmp;

  /** Prints its pid, then calls mkdir(2) through libc (no retry on EINTR) and prints rc and errno. */
  private static final String MKDIR_PY = String.join("\n",
      "import ctypes, os, signal, sys",
      "libc = ctypes.CDLL(None, use_errno=True)",
      "signal.signal(signal.SIGUSR1, lambda s, f: None)",
      "print(os.getpid(), flush=True)",
      "rc = libc.mkdir(sys.argv[1].encode(), 0o755)",
      "print(rc, ctypes.get_errno(), flush=True)",
      "");

  @Test
  void signalDuringAHeldEngineCall_mkdirFailsWithEintrAtOnce_andTheMountKeepsWorking() throws Exception {
    MountedVolume.requireFuse();
    String metaUrl = "sqlite3://" + tmp.resolve("meta.db");
    Secrets secrets = new Secrets(Map.of());
    try (TxnKv kv = MetaEngines.registry().open(metaUrl, secrets)) {
      // (from the stored form, which every version of Format reads)
      Format f = Format.fromJson("{\"name\":\"intr-vol\",\"uuid\":\"" + UUID.randomUUID() + "\",\"storage\":\"mem://intr\","
          + "\"blockSize\":4194304,\"compression\":\"none\",\"metaVersion\":" + Format.META_VERSION + "}");
      MetaClient.format(kv, f, false, Clock.SYSTEM);
    }
    BlockingKv engine = new BlockingKv(MetaEngines.registry().open(metaUrl, secrets));
    MetaClient meta = MetaClient.open(engine, MetaConfig.defaults().withBackground(false));
    var store = ObjectStores.registry().open("mem://intr", StoreOptions.defaults(), secrets);
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Path script = Files.writeString(tmp.resolve("mkdir.py"), MKDIR_PY);
    try (FuseServer server = FuseServer.mount(Vfses.open(meta, ChunkStores.open(store, ChunkConfig.inMemory(4 << 20)), VfsConfig.defaults()),
        mnt, MountOptions.builder().volumeName("intr-vol").entryTimeout(Duration.ZERO).attrTimeout(Duration.ZERO).build())) {
      assertThat(server.awaitInit(Duration.ofSeconds(20))).isTrue();
      Files.createDirectory(mnt.resolve("warm")); // the inode batch is allocated: MKDIR's own transaction is the held one
      engine.armNextWrite("nectar-fuse-"); // a FUSE request's (the next is MKDIR): handlers run on the worker that read them

      Process p = new ProcessBuilder("python3", script.toString(), mnt.resolve("a").toString()).redirectErrorStream(true).start();
      // not closed by a try-with-resources: that would wait for a reading thread before the finally releases the engine
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      try {
        String pid = out.readLine();
        assertThat(pid).as("the program started").matches("\\d+");
        assertThat(engine.held.await(60, TimeUnit.SECONDS)).as("mkdir reached the engine and is held there").isTrue();
        MountedVolume.sh(tmp, "kill -USR1 " + pid);
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
          try {
            return out.readLine();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
        // "promptly": the syscall returns while the test still holds the engine call
        String line = answer.get(60, TimeUnit.SECONDS);
        assertThat(engine.finished.getCount()).as("the engine call is still held").isEqualTo(1);
        assertThat(line).isEqualTo("-1 " + Errno.EINTR.code());
        assertThat(server.requests(Opcode.INTERRUPT)).isPositive();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      } finally {
        engine.release();
        p.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
      }
      assertThat(engine.finished.await(60, TimeUnit.SECONDS)).as("the held transaction ended").isTrue();
      assertThat(engine.interruptedWhileHeld()).as("no thread interrupt reached the engine call").isFalse();
      // cancelled at its next check point: nothing committed
      assertThatThrownBy(() -> meta.lookup(Ctx.ROOT, Meta.ROOT, "a"))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
      // the same mount and engine connection keep working
      Files.createDirectory(mnt.resolve("a"));
      Files.writeString(mnt.resolve("a/f"), "after");
      assertThat(Files.readString(mnt.resolve("a/f"))).isEqualTo("after");
      try (var l = Files.list(mnt)) {
        assertThat(l.map(x -> x.getFileName().toString()).toList()).containsExactlyInAnyOrder("warm", "a");
      }
      assertThat(meta.check()).isEmpty();
    }
  }
}
