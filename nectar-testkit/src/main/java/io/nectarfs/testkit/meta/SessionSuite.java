package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Errno;
import io.nectarfs.meta.DirEntry;
import io.nectarfs.meta.Entry;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.SessionInfo;
import io.nectarfs.meta.Slice;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Format, sessions, open-unlinked files, crashed clients, limits and several clients at once. */
public abstract class SessionSuite extends MetaTestBase {

  @Test
  void format_isIdempotent_andRefusesIncompatibleChanges() throws IOException {
    Format f = meta.format();
    Format again = MetaClient.format(engine, f.withUuid("other-uuid"), false, clock);
    assertThat(again.uuid()).as("re-format keeps the identity").isEqualTo(f.uuid());
    Format bigger = Format.builder(f.name(), f.storage()).uuid(f.uuid()).blockSize(1 << 20).compression(f.compression()).checksum(false)
        .metaVersion(1).storageLayout(Format.LAYOUT_NAME).build();
    assertThatThrownBy(() -> MetaClient.format(engine, bigger, false, clock)).hasMessageContaining("block size").hasMessageContaining("--force");
    assertThat(MetaClient.format(engine, bigger, true, clock).blockSize()).isEqualTo(1 << 20);
    assertThat(MetaClient.format(engine, bigger.withTrashDays(3), false, clock).trashDays()).as("trash days are mutable").isEqualTo(3);
  }

  @Test
  void unformattedVolume_saysToRunFormat() throws IOException {
    engine.reset();
    assertThatThrownBy(() -> MetaClient.open(openEngine(tmp), config())).hasMessageContaining("nectar format");
    MetaClient.format(engine, newFormat(), false, clock); // for the consistency check
  }

  @Test
  void sessions_areRegisteredAndRemovedOnClose() throws IOException {
    MetaClient other = newClient();
    assertThat(meta.sessions()).extracting(SessionInfo::sid).contains(meta.sessionId(), other.sessionId());
    other.close();
    assertThat(meta.sessions()).extracting(SessionInfo::sid).containsExactly(meta.sessionId());
  }

  @Test
  void unlinkedOpenFile_staysUntilLastClose() throws IOException {
    long f = file(ROOT, "f");
    long id = meta.newSliceId();
    meta.write(root, f, 0, new Slice(0, id, 10, 0, 10), 0);
    meta.open(root, f, 0);
    meta.open(root, f, 0);
    meta.unlink(root, ROOT, "f");
    assertThat(meta.getattr(root, f).nlink()).isZero();
    assertThat(meta.read(root, f, 0)).hasSize(1);
    meta.close(root, f);
    assertThat(meta.getattr(root, f).nlink()).isZero();
    meta.close(root, f);
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, f));
    meta.runBackgroundJobs();
    assertThat(deleter.freed()).containsExactly(id);
  }

  @Test
  void removedOrReplacedOpenDirectory_staysWithNlink0UntilLastClose() throws IOException {
    long d = meta.mkdir(root, ROOT, "d", 0755, 0).ino();
    meta.mkdir(root, ROOT, "other", 0755, 0);
    long gone = meta.mkdir(root, ROOT, "gone", 0755, 0).ino();
    meta.open(root, d, 0);
    meta.open(root, gone, 0);
    meta.rename(root, ROOT, "other", ROOT, "d", 0);
    meta.rmdir(root, ROOT, "gone");
    assertThat(meta.getattr(root, d).nlink()).isZero();
    assertThat(meta.getattr(root, d).isDir()).isTrue();
    assertThat(meta.getattr(root, gone).nlink()).isZero();
    assertThat(meta.check()).as("an open removed directory is consistent").isEmpty();
    meta.close(root, d);
    meta.close(root, gone);
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, d));
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, gone));
    // A client that crashes while holding one is cleaned like an open-unlinked file.
    MetaClient crashed = newClient();
    long c = meta.mkdir(root, ROOT, "c", 0755, 0).ino();
    crashed.open(root, c, 0);
    crashed.rmdir(root, ROOT, "c");
    assertThat(meta.getattr(root, c).nlink()).isZero();
    clock.advance(Duration.ofSeconds(30));
    meta.runBackgroundJobs();
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, c));
  }

  @Test
  void crashedClient_isCleanedByALiveOne() throws IOException {
    MetaClient crashed = newClient();
    long f = file(ROOT, "f");
    crashed.open(root, f, 0);
    crashed.unlink(root, ROOT, "f");
    assertThat(meta.getattr(root, f).nlink()).isZero();
    // The crashed client stops heartbeating; the live one keeps going.
    clock.advance(Duration.ofSeconds(30));
    meta.runBackgroundJobs();
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, f));
    assertThat(meta.sessions()).extracting(SessionInfo::sid).doesNotContain(crashed.sessionId());
  }

  @Test
  void capacityAndInodeLimits_giveEnospc() throws IOException {
    MetaClient.updateFormat(engine, f -> f.withInodes(3).withCapacity(1 << 20));
    meta.close();
    meta = newClient();
    file(ROOT, "a");
    file(ROOT, "b");
    file(ROOT, "c");
    assertErrno(Errno.ENOSPC, () -> file(ROOT, "d"));
    long a = meta.lookup(root, ROOT, "a").ino();
    assertErrno(Errno.ENOSPC, () -> meta.write(root, a, 0, new Slice(0, 1, 2 << 20, 0, 2 << 20), 0));
  }

  @Test
  void twoClients_seeEachOthersChanges() throws IOException {
    MetaClient other = newClient();
    long d = mkdir(ROOT, "d");
    Entry e = other.mknod(root, d, "from-other", FileType.FILE, 0644, 0, 0);
    assertThat(meta.lookup(root, d, "from-other").ino()).isEqualTo(e.ino());
    meta.rename(root, d, "from-other", ROOT, "moved", 0);
    assertErrno(Errno.ENOENT, () -> other.lookup(root, d, "from-other"));
    assertThat(other.lookup(root, ROOT, "moved").ino()).isEqualTo(e.ino());
  }

  @Test
  void concurrentCreatesAndRenames_fromTwoClients_loseNothing() throws Exception {
    MetaClient other = newClient();
    long d = mkdir(ROOT, "d");
    int perThread = 40;
    try (ExecutorService ex = Executors.newFixedThreadPool(4)) {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        MetaClient c = t % 2 == 0 ? meta : other;
        int id = t;
        fs.add(ex.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            c.mknod(root, d, "t" + id + "-" + i, FileType.FILE, 0644, 0, 0);
            if (i % 2 == 0) {
              c.rename(root, d, "t" + id + "-" + i, d, "r" + id + "-" + i, 0);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    }
    List<DirEntry> all = meta.readdir(root, d, "", 10_000, false);
    assertThat(all).hasSize(4 * perThread);
    assertThat(all.stream().filter(e -> e.name().startsWith("r"))).hasSize(4 * perThread / 2);
    other.close();
    meta.close();
    meta = newClient();
    assertThat(meta.statfs(root, ROOT).usedInodes()).isEqualTo(4 * perThread + 1);
  }
}
