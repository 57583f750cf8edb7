package io.nectarfs.vfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.chunk.ChunkConfig;
import io.nectarfs.chunk.ChunkStores;
import io.nectarfs.common.Ctx;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.MetaEngines;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash recovery from the write journal (issue #17) does not wait for the object store: the
 * crashed client's acknowledged writes become pending writes of the next one, committed in the
 * background, and their journal records stay live until then, so a second crash before that
 * commit loses nothing and appends nothing twice.
 */
class JournalReplayTest {
  private static final Ctx ROOT = Ctx.ROOT;
  private static final int O_RDWR = 2;
  private static final int O_APPEND = 02000;

  @TempDir Path tmp;

  /** A client of the harness's volume whose uploads go through a gate. */
  private record Client(MetaClient meta, GateStore store, VfsImpl vfs) {
    /**
     * A SIGKILL as the others see it: no heartbeat, commit, upload or delete from now on (what
     * the dead client's threads still try fails, as its connections would).
     */
    void crash() throws IOException {
      meta.handOver();
      store.kill();
      try {
        vfs.close(); // its leftovers: every flush fails
      } catch (IOException | RuntimeException expected) {
        // the crashed client's leftovers
      }
    }
  }

  private static Client client(VfsHarness h, VfsConfig config) throws IOException {
    MetaClient meta = MetaClient.open(MetaEngines.registry().open(h.metaUrl, h.secrets), MetaConfig.defaults());
    GateStore store = new GateStore(h.openStore());
    return new Client(meta, store, (VfsImpl) Vfses.open(meta, ChunkStores.open(store, ChunkConfig.inMemory(h.blockSize)), config));
  }

  /** Written data stays pending until asked for: the crash finds it in the journal. */
  private static VfsConfig noBackgroundCommit() {
    VfsConfig d = VfsConfig.defaults();
    return new VfsConfig(d.readAheadMax(), Duration.ofHours(1), Duration.ofHours(1), d.compactThreshold(), d.attrCache(), d.internalFiles());
  }

  private FileChannel journalFile(String name) throws IOException {
    return FileChannel.open(tmp.resolve(name), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  /** The journal as a killed process leaves it (a copy: the crashed client's close would still change it). */
  private FileChannel snapshot(String from, String to) throws IOException {
    Files.copy(tmp.resolve(from), tmp.resolve(to));
    return journalFile(to);
  }

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] readAll(Vfs vfs, long ino) throws IOException {
    long fh = vfs.open(ROOT, ino, 0);
    ByteBuffer b = ByteBuffer.allocate(1 << 20);
    while (vfs.read(ROOT, ino, fh, b.position(), b) > 0) {
      // to the end
    }
    vfs.release(ROOT, ino, fh);
    return Arrays.copyOf(b.array(), b.position());
  }

  /** {@code vfs.useJournal(...recover)} in another thread: it must return while every upload is held. */
  private static Vfs.Replayed recoverWhileUploadsHang(Client c, FileChannel journal) throws Exception {
    CompletableFuture<Vfs.Replayed> f = CompletableFuture.supplyAsync(() -> {
      try {
        return c.vfs().useJournal(journal, 0, true, (o, l) -> {});
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    return f.get(5, TimeUnit.MINUTES); // a recovery that waited for the object store never returns here
  }

  @Test
  void theRecoveryTakesTheJournaledWritesWithoutWaitingForTheStore_andASecondCrashBeforeTheirCommitLosesNothing() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    Client a = client(h, noBackgroundCommit());
    a.vfs().useJournal(journalFile("journal-a"), Vfs.MIN_JOURNAL_SIZE, false, (o, l) -> {});
    byte[] big = new byte[300 << 10]; // several blocks and records
    new Random(7).nextBytes(big);
    Vfs.Opened f = a.vfs().create(ROOT, Meta.ROOT, "positioned", 0644, 0, O_RDWR);
    long pi = f.entry().ino();
    a.vfs().write(ROOT, pi, f.fh(), 0, ByteBuffer.wrap(big));
    a.vfs().write(ROOT, pi, f.fh(), 10, bytes("overwritten"));
    a.vfs().write(ROOT, pi, f.fh(), big.length + 5, bytes("past a hole"));
    byte[] want = Arrays.copyOf(big, big.length + 5 + 11);
    System.arraycopy("overwritten".getBytes(StandardCharsets.UTF_8), 0, want, 10, 11);
    System.arraycopy("past a hole".getBytes(StandardCharsets.UTF_8), 0, want, big.length + 5, 11);
    Vfs.Opened log = a.vfs().create(ROOT, Meta.ROOT, "log", 0644, 0, O_RDWR | O_APPEND);
    long li = log.entry().ino();
    a.vfs().write(ROOT, li, log.fh(), 0, bytes("first;"));
    a.vfs().fsync(ROOT, li, log.fh(), false);
    a.vfs().write(ROOT, li, log.fh(), 0, bytes("second;"));
    a.vfs().write(ROOT, li, log.fh(), 0, bytes("third;"));
    FileChannel atFirstCrash = snapshot("journal-a", "journal-b");
    a.crash();

    Client b = client(h, VfsConfig.defaults());
    b.store().closeGate(); // the object store takes no upload
    Vfs.Replayed first = recoverWhileUploadsHang(b, atFirstCrash);
    assertThat(first.files()).containsExactlyInAnyOrder(pi, li);
    assertThat(first.failed()).isEmpty();
    assertThat(first.bytes()).isEqualTo(big.length + 11 + 11 + "second;third;".length());
    assertThat(b.meta().getattr(ROOT, pi).length()).as("nothing committed while the store takes nothing").isZero();
    assertThat(b.meta().getattr(ROOT, li).length()).isEqualTo("first;".length());
    assertThat(b.vfs().journal().used()).as("the crashed client's records stay live until their commit").isPositive();

    FileChannel atSecondCrash = snapshot("journal-b", "journal-c");
    b.crash();
    Client c = client(h, VfsConfig.defaults());
    Vfs.Replayed second = recoverWhileUploadsHang(c, atSecondCrash);
    assertThat(second.records()).as("the second crash finds every record of the first").isEqualTo(first.records());
    assertThat(second.bytes()).isEqualTo(first.bytes());
    assertThat(readAll(c.vfs(), pi)).isEqualTo(want);
    assertThat(new String(readAll(c.vfs(), li), StandardCharsets.UTF_8)).as("appended once").isEqualTo("first;second;third;");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!c.vfs().journal().empty()) {
      assertThat(System.nanoTime()).as("the commits erase the records they made unneeded").isLessThan(deadline);
      Thread.sleep(10);
    }
    assertThat(c.meta().getattr(ROOT, pi).length()).isEqualTo(want.length);
    c.vfs().close();
    try (MetaClient admin = MetaClient.open(MetaEngines.registry().open(h.metaUrl, h.secrets), MetaConfig.defaults().withReadOnly(true))) {
      assertThat(admin.check()).isEmpty();
    }
  }

  /** Nothing pending, the store holding every upload: the background commits them once it answers, without a read or fsync asking. */
  @Test
  void theTakenWritesAreCommittedInTheBackground() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    Client a = client(h, noBackgroundCommit());
    a.vfs().useJournal(journalFile("journal-a"), Vfs.MIN_JOURNAL_SIZE, false, (o, l) -> {});
    Vfs.Opened f = a.vfs().create(ROOT, Meta.ROOT, "f", 0644, 0, O_RDWR);
    a.vfs().write(ROOT, f.entry().ino(), f.fh(), 0, bytes("acknowledged, never committed"));
    FileChannel atCrash = snapshot("journal-a", "journal-b");
    a.crash();

    Client b = client(h, noBackgroundCommit()); // no idle or age would make it due for an hour
    b.store().closeGate();
    assertThat(recoverWhileUploadsHang(b, atCrash).files()).containsExactly(f.entry().ino());
    b.store().openGate();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (b.meta().getattr(ROOT, f.entry().ino()).length() == 0) {
      assertThat(System.nanoTime()).as("committed by the background flusher").isLessThan(deadline);
      Thread.sleep(10);
    }
    assertThat(new String(readAll(b.vfs(), f.entry().ino()), StandardCharsets.UTF_8)).isEqualTo("acknowledged, never committed");
    b.vfs().close();
  }

  /**
   * A commit the crashed client made without a sync (its background flush) is durable once the
   * program closes the file in the next client, as a close promises by default: the next client
   * owes a sync although its own writers committed nothing.
   */
  @Test
  void aCloseAfterTheCrash_makesWhatTheCrashedClientCommittedDurable() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    Client a = client(h, VfsConfig.defaults()); // its flusher commits, and only a close or fsync syncs
    Vfs.Opened f = a.vfs().create(ROOT, Meta.ROOT, "f", 0644, 0, O_RDWR);
    long ino = f.entry().ino();
    a.vfs().write(ROOT, ino, f.fh(), 0, bytes("committed, never synced"));
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (a.meta().getattr(ROOT, ino).length() == 0) {
      assertThat(System.nanoTime()).as("committed by the background flusher").isLessThan(deadline);
      Thread.sleep(10);
    }
    long sid = a.meta().sessionId();
    a.crash();

    CountingKv kv = new CountingKv(MetaEngines.registry().open(h.metaUrl, h.secrets), t -> true);
    MetaClient meta = MetaClient.open(kv, MetaConfig.defaults().withResumeSession(sid));
    Vfs b = Vfses.open(meta, ChunkStores.open(h.openStore(), ChunkConfig.inMemory(h.blockSize)), VfsConfig.defaults());
    try {
      b.importHandles(new HandleTable(sid, f.fh() + 1, java.util.List.of(new HandleTable.File(f.fh(), ino, O_RDWR))));
      kv.zero();
      b.flush(ROOT, ino, f.fh(), 0); // close(2)
      assertThat(kv.syncs.get()).as("syncs the close made").isPositive();
      kv.zero();
      b.flush(ROOT, ino, f.fh(), 0);
      assertThat(kv.syncs.get()).as("owed once: nothing was committed since").isZero();
      b.release(ROOT, ino, f.fh());
    } finally {
      b.close();
    }
  }
}
