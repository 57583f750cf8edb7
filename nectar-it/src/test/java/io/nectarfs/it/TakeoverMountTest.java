package io.nectarfs.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Metrics;
import io.nectarfs.common.Secrets;
import io.nectarfs.fuse.FuseMount;
import io.nectarfs.fuse.FuseServer;
import io.nectarfs.fuse.HandoverState;
import io.nectarfs.fuse.MountOptions;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.vfs.Vfs;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A planned takeover of a real mount in this process (issue #17, first slice): a program holds a
 * written and fsynced file, an open-but-unlinked file, a POSIX lock and a directory listing
 * part-read; the FUSE server hands over (detach, writers flushed, handles exported), the old
 * volume closes keeping its metadata session, a new volume resumes the session, imports the
 * handles and serves the same {@code /dev/fuse} connection. The program goes on without an error
 * and sees the right data; the lock is still held. Once with the state passed as an object, once
 * through its encoded bytes.
 */
class TakeoverMountTest {
  private static final int ENTRIES = 3000; // more than a metadata page (1000) and one getdents buffer
  private static final String CHILD = """
      import fcntl, os, signal, sys
      signal.alarm(300)
      mnt, n = sys.argv[1], int(sys.argv[2])
      def say(s): print(s, flush=True)
      def wait(word):
          line = sys.stdin.readline().strip()
          if line != word: raise SystemExit('expected %s, got %r' % (word, line))
      A, B = b'A' * 300000, b'B' * 300000
      w = os.open(os.path.join(mnt, 'written'), os.O_RDWR | os.O_CREAT, 0o644)
      os.write(w, A); os.fsync(w)
      u = os.open(os.path.join(mnt, 'unlinked'), os.O_RDWR | os.O_CREAT, 0o644)
      os.write(u, b'kept by the open descriptor'); os.fsync(u)
      os.unlink(os.path.join(mnt, 'unlinked'))
      l = os.open(os.path.join(mnt, 'locked'), os.O_RDWR | os.O_CREAT, 0o644)
      fcntl.lockf(l, fcntl.LOCK_EX | fcntl.LOCK_NB)
      it = os.scandir(os.path.join(mnt, 'big'))
      seen = [next(it).name for _ in range(100)]
      say('ready')
      wait('go')
      os.lseek(w, 0, os.SEEK_END); os.write(w, B); os.fsync(w)
      os.lseek(w, 0, os.SEEK_SET)
      got = b''
      while True:
          c = os.read(w, 1 << 20)
          if not c: break
          got += c
      if got != A + B: raise SystemExit('written file: %d bytes, not the %d written' % (len(got), len(A + B)))
      os.lseek(u, 0, os.SEEK_SET)
      if os.read(u, 100) != b'kept by the open descriptor' or os.fstat(u).st_nlink != 0: raise SystemExit('unlinked file')
      seen += [e.name for e in it]
      if len(seen) != n or len(set(seen)) != n: raise SystemExit('listing: %d names, %d distinct, not %d' % (len(seen), len(set(seen)), n))
      say('checked')
      wait('unlock')
      os.close(l)
      say('unlocked')
      wait('end')
      os.close(w); os.close(u)
      say('done')
      """;
  /** Tries a POSIX lock on argv[1] without waiting; prints "locked" or "refused errno N" (also used by UpgradeProcessTest). */
  @TempDir Path base;

  private String metaUrl() {
    return "sqlite3://" + base.resolve("meta.db");
  }

  private VolumeOptions options(Path mnt) {
    CacheOptions cache = CacheOptions.builder().cacheDirs(List.of(base.resolve("cache"))).cacheSize(1L << 30).freeSpaceRatio(0.05)
        .bufferSize(64L << 20).build();
    return VolumeOptions.defaults().withSecrets(new Secrets(Map.of())).withCache(cache).withClientName(mnt.toString());
  }

  private static String line(BufferedReader r, Process p) throws IOException {
    String l = r.readLine(); // the child ends itself (alarm) rather than hang
    if (l == null) {
      throw new AssertionError("the program ended early: " + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }
    return l;
  }

  @ParameterizedTest(name = "state through bytes: {0}")
  @ValueSource(booleans = {false, true})
  void aProgramUsingTheMount_seesNoError_acrossAPlannedTakeover(boolean throughBytes) throws Exception {
    MountedVolume.requireFuse();
    Path mnt = Files.createDirectories(base.resolve("mnt"));
    try (TxnKv kv = MetaEngines.registry().open(metaUrl(), new Secrets(Map.of()))) {
      MetaClient.format(kv, Format.builder("it-vol", "file://" + base.resolve("data")).createdMillis(System.currentTimeMillis())
          .storageLayout(Format.LAYOUT_NAME).inlineSize(Format.DEFAULT_INLINE).build(), false, Clock.SYSTEM);
    }
    MountOptions mountOptions = MountOptions.builder().volumeName("it-vol").allowOther(true).defaultPermissions(true).locks(true).build();
    Volume old = Volume.open(metaUrl(), options(mnt));
    Volume next = null;
    FuseServer server = FuseServer.mount(old.vfs(), mnt, mountOptions);
    FuseServer successor = null;
    Process child = null;
    try {
      assertThat(server.awaitInit(Duration.ofSeconds(20))).isTrue();
      Vfs v = old.vfs();
      long big = v.mkdir(Ctx.ROOT, Meta.ROOT, "big", 0755, 0).ino();
      for (int i = 0; i < ENTRIES; i++) {
        Vfs.Opened o = v.create(Ctx.ROOT, big, String.format("entry-%05d", i), 0644, 0, 2);
        v.release(Ctx.ROOT, o.entry().ino(), o.fh());
      }
      Path script = Files.writeString(base.resolve("child.py"), CHILD);
      child = new ProcessBuilder("python3", script.toString(), mnt.toString(), String.valueOf(ENTRIES)).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      Writer in = new java.io.OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
      assertThat(line(out, child)).isEqualTo("ready");
      assertThat(Workload.tryLock(mnt.resolve("locked"))).as("the child's lock, before").isEqualTo("refused errno 11");

      long t0 = System.nanoTime();
      HandoverState state = server.handOver();
      int[] fds = server.session().fds();
      long t1 = System.nanoTime();
      old.close(); // keeps the metadata session: the VFS exported its handles
      long t2 = System.nanoTime();
      if (throughBytes) {
        byte[] encoded = state.encode();
        state = HandoverState.decode(encoded);
        System.out.printf("handover state: %d bytes for %d handles%n", encoded.length, state.handles().handles().size());
      }
      long t3 = System.nanoTime();
      next = Volume.open(metaUrl(), options(mnt).withResumeSession(state.handles().sessionId()));
      long t4 = System.nanoTime();
      successor = FuseServer.takeOver(next.vfs(), fds, state, Metrics.disabled());
      long t5 = System.nanoTime();
      assertThat(successor.servingSince().get(60, TimeUnit.SECONDS)).as("when a reader of the successor began to wait on the connection")
          .isBetween(t4, System.nanoTime());
      System.out.printf("planned takeover pause (handOver .. takeOver, in process): %.1f ms = handOver %.1f + old volume close %.1f"
          + " + state through bytes %.1f + new volume open %.1f + takeOver %.1f%n", (t5 - t0) / 1e6, (t1 - t0) / 1e6, (t2 - t1) / 1e6,
          (t3 - t2) / 1e6, (t4 - t3) / 1e6, (t5 - t4) / 1e6);
      assertThat(FuseMount.isMounted(mnt)).isTrue();

      in.write("go\n");
      in.flush();
      assertThat(line(out, child)).isEqualTo("checked");
      assertThat(Workload.tryLock(mnt.resolve("locked"))).as("the child's lock, after the takeover").isEqualTo("refused errno 11");
      in.write("unlock\n");
      in.flush();
      assertThat(line(out, child)).isEqualTo("unlocked");
      assertThat(Workload.tryLock(mnt.resolve("locked"))).as("released by the child's close, through the successor").isEqualTo("locked");
      in.write("end\n");
      in.flush();
      assertThat(line(out, child)).isEqualTo("done");
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(child.exitValue()).isZero();
      assertThat(Files.size(mnt.resolve("written"))).isEqualTo(600_000);
      assertThat(Files.exists(mnt.resolve("unlinked"))).isFalse();
    } finally {
      if (child != null) {
        child.destroyForcibly();
      }
      if (successor != null) {
        successor.close(); // unmounts, closes the new volume's VFS
      } else {
        server.close();
      }
      if (FuseMount.isMounted(mnt)) {
        MountedVolume.sh(base, "umount -l " + mnt);
      }
      if (next != null) {
        next.close();
      }
      old.close();
    }
    try (MetaClient admin = Volume.openMeta(metaUrl(), options(mnt).withReadOnly(true).withBackgroundJobs(false))) {
      assertThat(admin.sessions()).as("the successor's close ended the session").isEmpty();
      assertThat(admin.check()).as("consistent metadata: the unlinked file freed at its last close").isEmpty();
    }
  }
}
